import { describe, expect, it } from 'vitest';
import { countTerms } from '../../../../services/analytics/counts/counts.analyzer.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from '../matching/transcript.helper.ts';
import { createBuiltInPhrases } from '../../../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

describe(countTerms.name, () => {
  it('counts words and phrases per party, without stop-words, stemmed and accent-insensitive', () => {
    const t = transcript(
      'a: le ofrecemos un acuerdo de pago',
      'c: no quiero ningún acuerdo de pago',
      'a: el acuerdo de pago tiene descuento',
      'a: los acuerdos de pagos son flexibles',
      'c: voy a llamar a mi abogado',
    );
    const r = countTerms(phrases, prepareTranscript(t, 'es'));
    const agent = r.parties.agent!;
    expect(agent.unigrams[0]).toMatchObject({ term: 'acuerdo', count: 3 });
    expect(agent.bigrams[0]).toMatchObject({ term: 'acuerdo pago', count: 3 });
    expect(agent.unigrams.some((u) => u.term === 'de' || u.term === 'el')).toBe(false);
    expect(r.parties.customer!.words).toBe(12);
  });

  it('counts keyword categories per party with evidence, despite noise', () => {
    const t = transcript(
      'c: voy a hablar con mi avogado',
      'c: y pongo una queja en la superintendencia',
      'a: podemos hacer un acuerdo de pago',
      'c: si me embargan los demando',
    );
    const r = countTerms(phrases, prepareTranscript(t, 'es'));
    const cat = (id: string) => r.categories.find((c) => c.id === id)!;
    expect(cat('lawyer')).toMatchObject({ total: 1, byParty: { customer: 1 } });
    expect(cat('lawyer').evidence.customer![0]!.matchedText).toBe('avogado');
    expect(cat('complaint').byParty.customer).toBe(2);
    expect(cat('payment_plan').byParty.agent).toBe(1);
    expect(cat('seizure').total).toBe(1);
    expect(cat('bankruptcy').total).toBe(0);
  });

  it('counts English categories', () => {
    const t = transcript(
      "c: i'm going to file a complaint with the cfpb and talk to my attorney",
      'a: we can set up a payment plan',
    );
    const r = countTerms(phrases, prepareTranscript(t, 'en'));
    expect(r.categories.filter((c) => c.total > 0).map((c) => c.id)).toEqual([
      'lawyer',
      'complaint',
      'payment_plan',
    ]);
  });
});

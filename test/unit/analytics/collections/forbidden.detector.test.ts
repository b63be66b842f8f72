import { describe, expect, it } from 'vitest';
import { detectForbidden } from '../../../../services/analytics/collections/forbidden.detector.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from '../matching/transcript.helper.ts';
import { createBuiltInPhrases } from '../../../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

const es = (...lines: string[]) => detectForbidden(phrases, prepareTranscript(transcript(...lines), 'es'));
const en = (...lines: string[]) => detectForbidden(phrases, prepareTranscript(transcript(...lines), 'en'));
const practices = (r: ReturnType<typeof es>) => r.violations.map((v) => v.practice);

describe(detectForbidden.name, () => {
  it('flags threats of jail and insults by the agent, with evidence', () => {
    const r = es('a: si no paga lo vamos a meter preso', 'c: qué le pasa', 'a: usted es un sinvergüenza');
    expect(practices(r)).toEqual(['threat', 'insult']);
    expect(r.violations[0]!.evidence[0]!.matchedText).toBe('lo vamos a meter preso');
    expect(practices(en("a: if you don't pay we'll have you arrested"))).toEqual(['threat']);
  });

  it('ignores lawful statements and the customer’s own words', () => {
    expect(practices(es('a: si no llegamos a un acuerdo su caso puede pasar a cobro jurídico'))).toEqual([]);
    expect(practices(es('c: ustedes son unos ladrones'))).toEqual([]);
  });

  it('flags the debt discussed with a third party after they said they are not the debtor', () => {
    const r = es(
      'a: buenas tardes hablo con el señor pérez',
      'c: no él no está soy la esposa',
      'a: ah bueno es que él tiene una deuda vencida con nosotros',
    );
    expect(r.classification).toBe('third_party');
    expect(practices(r)).toEqual(['debt_to_third_party']);
    const ok = en(
      'a: may i speak with mr brown',
      "c: he's not here right now",
      'a: okay i will call back later thank you',
    );
    expect(ok.classification).toBe('third_party');
    expect(practices(ok)).toEqual([]);
  });

  it('classifies answering machines and calls without customer speech', () => {
    expect(
      es('c: el número que usted marcó no está disponible deje su mensaje después del tono').classification,
    ).toBe('voicemail');
    expect(en('u: please leave a message after the tone').classification).toBe('voicemail');
    expect(es('a: aló aló me escucha').classification).toBe('no_customer_speech');
    expect(es('a: buenos días', 'c: sí con él habla').classification).toBe('right_party');
  });
});

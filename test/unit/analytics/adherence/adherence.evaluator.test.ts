import { describe, expect, it } from 'vitest';
import { evaluateScript } from '../../../../services/analytics/adherence/adherence.evaluator.ts';
import { DEFAULT_SCRIPTS, pickScript } from '../../../../services/analytics/adherence/default-scripts.ts';
import { scriptSchema, type ScriptInput } from '../../../../services/analytics/adherence/script.schema.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from '../matching/transcript.helper.ts';
import { createBuiltInPhrases } from '../../../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

const es = DEFAULT_SCRIPTS.find((s) => s.id === 'collections-es')!;
const en = DEFAULT_SCRIPTS.find((s) => s.id === 'collections-en')!;
const rule = (r: ReturnType<typeof evaluateScript>, id: string) => r.rules.find((x) => x.id === id)!;

describe(evaluateScript.name, () => {
  it('passes a complete Spanish call and scores 100', () => {
    const t = transcript(
      'a: buenos días le habla marcela de recuperar sas',
      'a: hablo con el señor ramírez',
      'c: sí soy yo',
      'a: le informo que esta llamada está siendo grabada',
      'a: le llamo porque tiene un saldo vencido de cuatrocientos mil pesos',
      'c: ahora no tengo plata',
      'a: entiendo muchas gracias por su atención que tenga buen día',
    );
    const r = evaluateScript(phrases, prepareTranscript(t, 'es'), es, { durationMs: t.at(-1)!.endMs + 1000 });
    expect(r.rules.filter((x) => !x.passed).map((x) => x.id)).toEqual([]);
    expect(r).toMatchObject({ score: 100, passed: true, scriptId: 'collections-es', scriptVersion: 1 });
  });

  it('fails a forbidden phrase (critical), an order rule and a late farewell, with reasons and evidence', () => {
    const long =
      'we have a few options for you for example we can split the balance into six monthly payments';
    const t = transcript(
      'a: good morning my name is sarah calling from apex financial',
      'a: you have an outstanding debt with us',
      'a: can you confirm your date of birth please',
      'c: sure',
      'a: thank you have a great day',
      ...Array.from({ length: 5 }, () => `a: ${long}`),
      'a: if you do not pay we will have you arrested',
      'c: okay',
    );
    const r = evaluateScript(phrases, prepareTranscript(t, 'en'), en, { durationMs: t.at(-1)!.endMs + 1000 });
    expect(rule(r, 'no_threats')).toMatchObject({ passed: false, critical: true });
    expect(rule(r, 'no_threats').evidence[0]!.matchedText).toBe('we will have you arrested');
    expect(rule(r, 'verification_before_debt')).toMatchObject({
      passed: false,
      reason: '"debt_mention" came before "customer_verification"',
    });
    expect(rule(r, 'farewell')).toMatchObject({
      passed: false,
      reason: 'said, but not within the last 30 s',
    });
    expect(rule(r, 'recording_notice')).toMatchObject({ passed: false, reason: 'not said' });
    expect(r.passed).toBe(false);
    expect(r.score).toBeLessThan(70);
  });

  it('evaluates a custom script with a required mention count', () => {
    const input: ScriptInput = {
      id: 'promo-es',
      name: 'Promo',
      version: 3,
      language: 'es',
      campaigns: ['promo'],
      rules: [
        {
          id: 'discount',
          type: 'required_mention',
          description: 'menciona el descuento dos veces',
          words: ['descuento'],
          minCount: 2,
        },
        {
          id: 'plan',
          type: 'required_phrase',
          description: 'ofrece acuerdo',
          phrases: ['acuerdo de pago'],
          party: 'agent',
        },
      ],
    };
    const script = scriptSchema.parse(input);
    const r = evaluateScript(
      phrases,
      prepareTranscript(transcript('a: tenemos un descuento especial', 'a: el descuento vence hoy'), 'es'),
      script,
      { durationMs: 10_000 },
    );
    expect(rule(r, 'discount').passed).toBe(true);
    expect(rule(r, 'plan').passed).toBe(false);
    expect(r.score).toBe(50);
  });
});

describe('scriptSchema', () => {
  it('rejects unknown order references and duplicate ids', () => {
    const bad = {
      id: 'x',
      name: 'x',
      version: 1,
      language: 'es',
      rules: [
        { id: 'a', type: 'required_phrase', description: 'a', phrases: ['hola'] },
        { id: 'a', type: 'order', description: 'o', first: 'a', then: 'b' },
      ],
    };
    const r = scriptSchema.safeParse(bad);
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => i.message);
    expect(messages).toContain('duplicate rule id "a"');
    expect(messages).toContain('rule "a" refers to unknown rule "b"');
  });
});

describe(pickScript.name, () => {
  it('prefers a campaign script in the call language, then the wildcard one', () => {
    const promo = scriptSchema.parse({ ...es, id: 'promo', campaigns: ['promo'], version: 2 });
    expect(pickScript([...DEFAULT_SCRIPTS, promo], 'es', 'promo')!.id).toBe('promo');
    expect(pickScript([...DEFAULT_SCRIPTS, promo], 'es', 'other')!.id).toBe('collections-es');
    expect(pickScript(DEFAULT_SCRIPTS, 'fr', null)).toBeUndefined();
  });
});

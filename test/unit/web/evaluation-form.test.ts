import { describe, expect, it } from 'vitest';
import {
  formInputSchema,
  prefillAnswers,
  scoreAnswers,
  validateAnswers,
  type EvaluationForm,
} from '../../../services/review/evaluation-form.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';

const t = (s: string) => ({ es: s, en: s });
const form: EvaluationForm = {
  ...formInputSchema.parse({
    id: 'f',
    name: 'F',
    questions: [
      { id: 'a', type: 'yes_no', text: t('a'), weight: 3, prefill: { source: 'disclosure_given' } },
      { id: 'b', type: 'scale', max: 5, text: t('b'), weight: 1, prefill: { source: 'adherence_score' } },
      {
        id: 'c',
        type: 'choice',
        text: t('c'),
        weight: 2,
        options: [
          { id: 'x', text: t('x'), score: 1 },
          { id: 'y', text: t('y'), score: 0.25 },
        ],
      },
      {
        id: 'd',
        type: 'yes_no',
        text: t('d'),
        critical: true,
        allowNa: false,
        required: false,
        prefill: { source: 'forbidden_absent', practice: 'threat' },
      },
      { id: 'e', type: 'text', text: t('e') },
    ],
  }),
  version: 1,
};

describe(scoreAnswers.name, () => {
  it('weighs every answered scored question and leaves na and text out', () => {
    expect(scoreAnswers(form, { a: 'yes', b: 5, c: 'y', e: 'note' }).score).toBe(
      Math.round(((3 + 1 + 0.5) / 6) * 1000) / 10,
    );
    expect(scoreAnswers(form, { a: 'na', b: 0, c: 'x' })).toMatchObject({ score: 66.7, weight: 3 });
  });

  it('gives 0 when a critical question is answered no', () => {
    expect(scoreAnswers(form, { a: 'yes', b: 5, c: 'x', d: 'no' })).toMatchObject({
      score: 0,
      criticalFailed: true,
    });
    expect(scoreAnswers(form, { a: 'yes', b: 5, c: 'x', d: 'yes' }).score).toBe(100);
  });
});

describe(validateAnswers.name, () => {
  it('names every answer that does not fit, by question id', () => {
    try {
      validateAnswers(form, { a: true, b: 2.5, d: 'na', z: 1 });
      expect.unreachable();
    } catch (error) {
      expect(isEscuchaError(error, 'INVALID_EVALUATION')).toBe(true);
      const problems = (error as { details: { problems: { field: string }[] } }).details.problems;
      expect(problems.map((p) => p.field).sort()).toEqual(['a', 'b', 'c', 'd', 'z']);
    }
  });

  it('returns the answers without empty optional ones', () => {
    expect(validateAnswers(form, { a: 'no', b: 0, c: 'x', d: null, e: '' })).toEqual({
      a: 'no',
      b: 0,
      c: 'x',
    });
  });
});

describe(prefillAnswers.name, () => {
  const facts = {
    disclosureOutcome: 'disclosed' as const,
    adherencePassed: true,
    adherenceScore: 50,
    adherenceRules: [],
    promiseToPay: false,
    violations: ['threat'],
  };
  it('maps the analysis onto the questions that ask for it', () => {
    expect(prefillAnswers(form, facts)).toEqual({ a: 'yes', b: 3, d: 'no' });
    expect(
      prefillAnswers(form, {
        ...facts,
        disclosureOutcome: 'partial',
        adherenceScore: null,
        violations: ['insult'],
      }),
    ).toEqual({
      a: 'no',
      d: 'yes',
    });
  });

  it('suggests nothing without an analysis', () => {
    expect(prefillAnswers(form, undefined)).toEqual({});
  });
});

describe('evaluation form schema', () => {
  it('refuses a form whose questions all weigh nothing', () => {
    const r = formInputSchema.safeParse({
      id: 'g',
      name: 'G',
      questions: [{ id: 'e', type: 'text', text: t('e') }],
    });
    expect(r.success).toBe(false);
  });
});

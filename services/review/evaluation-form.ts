import { z } from 'zod';
import { EscuchaError } from '../platform/errors.ts';

/**
 * Evaluation forms: what a reviewer answers about a call, how the answers weigh in the score, and which answers
 * the call's analytics can suggest. Pure: validation, scoring and prefill; storage is evaluation.repository.ts.
 *
 * Question types: `yes_no` (yes / no / na when `allowNa`), `scale` (integer 0…max), `choice` (one option, each
 * with a score 0–1), `text` (free text, never scored). The score of an evaluation is 100 × Σ weight·value / Σ weight
 * over the scored questions answered (na and unanswered optional questions leave the sum); a `critical` yes/no
 * question answered "no" makes the score 0.
 */

export const QUESTION_ID = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
export const FORM_ID = /^[a-z0-9][a-z0-9-]{0,99}$/;

const localized = z.strictObject({
  es: z.string().trim().min(1).max(500),
  en: z.string().trim().min(1).max(500),
});

/** Where an answer can be suggested from: the stored analysis of the call (services/analysis/analysis.repository.ts). */
export const prefillSchema = z.discriminatedUnion('source', [
  /** yes when the recording disclosure was given in full, no when partial or missing. */
  z.strictObject({ source: z.literal('disclosure_given') }),
  /** yes when the call passed its adherence script. */
  z.strictObject({ source: z.literal('adherence_passed') }),
  /** yes when one rule of the adherence script passed. */
  z.strictObject({ source: z.literal('adherence_rule'), rule: z.string().min(1).max(100) }),
  /** scale questions: the adherence score (0–100) mapped onto 0…max. */
  z.strictObject({ source: z.literal('adherence_score') }),
  /** yes when a promise to pay was detected. */
  z.strictObject({ source: z.literal('promise_to_pay') }),
  /** yes when no forbidden collection practice (or not this one) was found. */
  z.strictObject({ source: z.literal('forbidden_absent'), practice: z.string().min(1).max(100).optional() }),
]);
export type Prefill = z.infer<typeof prefillSchema>;

const base = {
  id: z.string().regex(QUESTION_ID, 'question ids are letters, digits, _ . - (starting with a letter)'),
  text: localized,
  weight: z.number().min(0).max(100).default(1),
  /** Must be answered; default true for scored questions, false for text. */
  required: z.boolean().optional(),
  prefill: prefillSchema.optional(),
};

export const questionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...base,
    type: z.literal('yes_no'),
    allowNa: z.boolean().default(true),
    critical: z.boolean().default(false),
  }),
  z.strictObject({ ...base, type: z.literal('scale'), max: z.number().int().min(1).max(10) }),
  z.strictObject({
    ...base,
    type: z.literal('choice'),
    options: z
      .array(
        z.strictObject({
          id: z.string().regex(QUESTION_ID, 'option ids are letters, digits, _ . -'),
          text: localized,
          score: z.number().min(0).max(1),
        }),
      )
      .min(2)
      .max(20),
  }),
  z.strictObject({ ...base, type: z.literal('text'), weight: z.literal(0).default(0) }),
]);
export type Question = z.infer<typeof questionSchema>;

export const formInputSchema = z
  .strictObject({
    id: z.string().regex(FORM_ID, 'form ids are lowercase letters, digits and -'),
    name: z.string().trim().min(1).max(200),
    /** The campaign this form is for; null (or absent) for the default form. */
    campaign: z.string().trim().min(1).max(200).nullable().default(null),
    questions: z.array(questionSchema).min(1).max(100),
  })
  .superRefine((form, ctx) => {
    const seen = new Set<string>();
    form.questions.forEach((q, i) => {
      if (seen.has(q.id))
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'id'], message: `duplicate id ${q.id}` });
      seen.add(q.id);
      if (q.type === 'choice' && new Set(q.options.map((o) => o.id)).size !== q.options.length) {
        ctx.addIssue({ code: 'custom', path: ['questions', i, 'options'], message: 'duplicate option id' });
      }
      if (q.prefill) {
        const fits = q.prefill.source === 'adherence_score' ? q.type === 'scale' : q.type === 'yes_no';
        if (!fits) {
          ctx.addIssue({
            code: 'custom',
            path: ['questions', i, 'prefill'],
            message: `prefill ${q.prefill.source} needs a ${q.prefill.source === 'adherence_score' ? 'scale' : 'yes_no'} question`,
          });
        }
      }
    });
    if (form.questions.every((q) => q.weight === 0)) {
      ctx.addIssue({ code: 'custom', path: ['questions'], message: 'at least one question needs a weight' });
    }
  });
export type FormInput = z.infer<typeof formInputSchema>;

export interface EvaluationForm extends FormInput {
  version: number;
}

export type Answer = string | number;
export type Answers = Record<string, Answer>;

export function isRequired(q: Question): boolean {
  return q.required ?? q.type !== 'text';
}

/**
 * Checks answers against a form: every key a question, every value of its question's type, every required
 * question answered. Throws INVALID_EVALUATION listing each problem by question id; returns the answers
 * without empty values.
 */
export function validateAnswers(form: EvaluationForm, input: Record<string, unknown>): Answers {
  const problems: { field: string; message: string }[] = [];
  const byId = new Map(form.questions.map((q) => [q.id, q]));
  for (const key of Object.keys(input)) {
    if (!byId.has(key)) problems.push({ field: key, message: `no question ${key} in form ${form.id}` });
  }
  const out: Answers = {};
  for (const q of form.questions) {
    const raw = input[q.id];
    if (raw === undefined || raw === null || raw === '') {
      if (isRequired(q)) problems.push({ field: q.id, message: 'an answer is required' });
      continue;
    }
    const problem = checkAnswer(q, raw);
    if (problem) problems.push({ field: q.id, message: problem });
    else out[q.id] = raw as Answer;
  }
  if (problems.length > 0) {
    throw new EscuchaError(
      'INVALID_EVALUATION',
      `answers do not fit form ${form.id} v${form.version}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
      { details: { problems } },
    );
  }
  return out;
}

function checkAnswer(q: Question, a: unknown): string | null {
  switch (q.type) {
    case 'yes_no': {
      const allowed = q.allowNa ? ['yes', 'no', 'na'] : ['yes', 'no'];
      return allowed.includes(a as string) ? null : `answer one of ${allowed.join(', ')}`;
    }
    case 'scale':
      return Number.isInteger(a) && (a as number) >= 0 && (a as number) <= q.max
        ? null
        : `answer a whole number from 0 to ${q.max}`;
    case 'choice':
      return q.options.some((o) => o.id === a)
        ? null
        : `answer one of ${q.options.map((o) => o.id).join(', ')}`;
    case 'text':
      return typeof a === 'string' && a.length <= 2000 ? null : 'answer text of at most 2000 characters';
  }
}

export interface ScoreResult {
  /** 0–100, one decimal. */
  score: number;
  criticalFailed: boolean;
  /** Sum of the weights that counted. */
  weight: number;
}

/** The weighted score of valid answers (see the module comment). */
export function scoreAnswers(form: EvaluationForm, answers: Answers): ScoreResult {
  let num = 0;
  let den = 0;
  let criticalFailed = false;
  for (const q of form.questions) {
    const a = answers[q.id];
    if (a === undefined || q.type === 'text') continue;
    let value: number;
    if (q.type === 'yes_no') {
      if (a === 'na') continue;
      value = a === 'yes' ? 1 : 0;
      if (q.critical && a === 'no') criticalFailed = true;
    } else if (q.type === 'scale') value = (a as number) / q.max;
    else value = q.options.find((o) => o.id === a)?.score ?? 0;
    num += q.weight * value;
    den += q.weight;
  }
  const raw = den === 0 ? 100 : (100 * num) / den;
  return { score: criticalFailed ? 0 : Math.round(raw * 10) / 10, criticalFailed, weight: den };
}

/** What prefill needs of a call's stored analysis. */
export interface PrefillFacts {
  disclosureOutcome: 'disclosed' | 'partial' | 'missing';
  adherencePassed: boolean | null;
  adherenceScore: number | null;
  adherenceRules: { id: string; passed: boolean }[];
  promiseToPay: boolean;
  violations: string[];
}

/** Suggested answers from the call's analytics (none for questions whose source has nothing to say). */
export function prefillAnswers(form: EvaluationForm, facts: PrefillFacts | undefined): Answers {
  const out: Answers = {};
  if (!facts) return out;
  const yesNo = (b: boolean) => (b ? 'yes' : 'no');
  for (const q of form.questions) {
    const p = q.prefill;
    if (!p) continue;
    switch (p.source) {
      case 'disclosure_given':
        out[q.id] = yesNo(facts.disclosureOutcome === 'disclosed');
        break;
      case 'adherence_passed':
        if (facts.adherencePassed !== null) out[q.id] = yesNo(facts.adherencePassed);
        break;
      case 'adherence_rule': {
        const rule = facts.adherenceRules.find((r) => r.id === p.rule);
        if (rule) out[q.id] = yesNo(rule.passed);
        break;
      }
      case 'adherence_score':
        if (facts.adherenceScore !== null && q.type === 'scale') {
          out[q.id] = Math.max(0, Math.min(q.max, Math.round((facts.adherenceScore / 100) * q.max)));
        }
        break;
      case 'promise_to_pay':
        out[q.id] = yesNo(facts.promiseToPay);
        break;
      case 'forbidden_absent':
        out[q.id] = yesNo(
          p.practice ? !facts.violations.includes(p.practice) : facts.violations.length === 0,
        );
        break;
    }
  }
  return out;
}

export const commentsSchema = z
  .array(
    z.strictObject({
      atMs: z.number().int().min(0).max(86_400_000),
      text: z.string().trim().min(1).max(2000),
    }),
  )
  .max(200);
export type TimedComment = z.infer<typeof commentsSchema>[number];

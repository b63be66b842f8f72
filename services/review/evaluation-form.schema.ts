import { z } from 'zod';

/**
 * The shape of an evaluation form (what a reviewer answers about a call, versioned) and of comments at times in a
 * call: pure zod schemas, read by the review domain (evaluation-form.ts: validation, scoring, prefill) and by the API
 * contract (services/api/contract/evaluation.ts).
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
export type FormQuestion = z.output<typeof questionSchema>;

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

export const commentsSchema = z
  .array(
    z.strictObject({
      atMs: z.number().int().min(0).max(86_400_000),
      text: z.string().trim().min(1).max(2000),
    }),
  )
  .max(200);
export type TimedComment = z.output<typeof commentsSchema>[number];

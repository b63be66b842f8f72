import { z } from 'zod';
import { EMPTY, idParams, isoTime, items, route, uuidParams } from './common.ts';

/**
 * Evaluation forms (what a reviewer answers about a call, versioned) and the evaluations of a call. The scoring and
 * prefill rules that read these shapes are services/api/evaluation/evaluation-form.ts.
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

/** A further evaluation of a call by another reviewer, outside the review queue (calibration). */
export const calibrationSchema = z.strictObject({
  scorecard: z.record(z.string().max(100), z.union([z.number(), z.string().max(2000), z.null()])),
  comments: commentsSchema.default([]),
  formId: z.string().max(100).optional(),
  formVersion: z.number().int().min(1).optional(),
});

export const evaluationFormSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  campaign: z.string().nullable(),
  questions: z.array(questionSchema),
});
export type EvaluationForm = z.infer<typeof evaluationFormSchema>;

export const formViewSchema = z.object({
  form: evaluationFormSchema,
  active: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: isoTime,
});

export const evaluationSchema = z.object({
  id: z.uuid(),
  reviewItemId: z.uuid().nullable(),
  callId: z.uuid(),
  formId: z.string(),
  formVersion: z.number().int(),
  /** `user:<id>` or `key:<id>`. */
  reviewer: z.string(),
  /** The reviewer's username (null for API keys and deleted users). */
  reviewerName: z.string().nullable(),
  answers: z.record(z.string(), z.unknown()),
  score: z.number(),
  comments: z.array(z.object({ atMs: z.number(), text: z.string() })),
  createdAt: isoTime,
});
export type Evaluation = z.infer<typeof evaluationSchema>;

const versionParams = z.object({ id: z.string(), version: z.string().regex(/^\d+$/) });

export const evaluationRoutes = [
  route({
    method: 'GET',
    path: '/evaluation-forms',
    summary: 'Evaluation forms, current versions (?all=true: retired ones too)',
    query: z.object({ all: z.enum(['true', 'false']).optional() }),
    responses: { 200: items(formViewSchema) },
  }),
  route({
    method: 'GET',
    path: '/evaluation-forms/:id',
    summary: 'The current version of a form',
    params: idParams,
    responses: { 200: formViewSchema },
  }),
  route({
    method: 'GET',
    path: '/evaluation-forms/:id/versions',
    summary: 'Every version of a form',
    params: idParams,
    responses: { 200: items(formViewSchema) },
  }),
  route({
    method: 'GET',
    path: '/evaluation-forms/:id/versions/:version',
    summary: 'One version of a form',
    params: versionParams,
    responses: { 200: formViewSchema },
  }),
  route({
    method: 'POST',
    path: '/evaluation-forms',
    summary: 'Create a form (version 1)',
    body: formInputSchema,
    responses: { 201: formViewSchema },
  }),
  route({
    method: 'PUT',
    path: '/evaluation-forms/:id',
    summary: 'Store the next version of a form',
    params: idParams,
    body: formInputSchema,
    responses: { 200: formViewSchema },
  }),
  route({
    method: 'DELETE',
    path: '/evaluation-forms/:id',
    summary: 'Retire a form',
    params: idParams,
    responses: { 204: EMPTY },
  }),
  route({
    method: 'GET',
    path: '/calls/:id/evaluations',
    summary: 'Every evaluation of a call, with reviewer and score (calibration)',
    params: uuidParams,
    responses: { 200: items(evaluationSchema) },
  }),
  route({
    method: 'POST',
    path: '/calls/:id/evaluations',
    summary: "Another reviewer's evaluation of a call, outside the review queue (calibration)",
    params: uuidParams,
    body: calibrationSchema,
    responses: { 201: evaluationSchema },
  }),
];

import { z } from 'zod';
import { commentsSchema, formInputSchema, questionSchema } from '../../review/evaluation-form.schema.ts';
import { EMPTY, idParams, isoTime, items, route, uuidParams } from './common.ts';

/**
 * Evaluation forms (what a reviewer answers about a call, versioned) and the evaluations of a call. The form's own
 * shape is services/review/evaluation-form.schema.ts; the scoring and prefill rules are services/review/evaluation-form.ts.
 */

export {
  commentsSchema,
  FORM_ID,
  formInputSchema,
  prefillSchema,
  QUESTION_ID,
  questionSchema,
  type FormQuestion,
  type TimedComment,
} from '../../review/evaluation-form.schema.ts';

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

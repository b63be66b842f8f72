import { z } from 'zod';
import { REVIEW_STATUSES } from '../../../models/database.ts';
import { idParams, isoTime, items, route } from './common.ts';
import { commentsSchema, evaluationFormSchema, evaluationSchema } from './evaluation.ts';

/** Review queues and their items: list, claim, complete (scored against the evaluation form that applies). */

export const reviewStatusSchema = z.enum(REVIEW_STATUSES);

export const reviewListQuerySchema = z.strictObject({
  status: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(reviewStatusSchema).max(3))
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const scoreValue = z.union([z.number(), z.string().max(2000), z.boolean(), z.null()]);
export const reviewCompleteSchema = z.strictObject({
  /** Answers: question id → answer (checked against the evaluation form when one applies). */
  scorecard: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'scorecard keys are letters, digits, _ . -'),
      scoreValue,
    )
    .refine((o) => Object.keys(o).length <= 100, { message: 'at most 100 answers' }),
  /** A general comment, or comments anchored to times in the call. */
  comments: z.union([z.string().trim().max(10_000), commentsSchema]).optional(),
  /** The form (and version) the reviewer saw; default: the form that applies to the call now. */
  formId: z.string().max(100).optional(),
  formVersion: z.number().int().min(1).optional(),
});

export const reviewQueueSchema = z.object({
  id: z.string(),
  kind: z.string(),
  language: z.string(),
  open: z.number().int(),
  claimed: z.number().int(),
  completed: z.number().int(),
});
export type ReviewQueue = z.infer<typeof reviewQueueSchema>;

export const reviewItemSchema = z.object({
  id: z.uuid(),
  callId: z.uuid(),
  queue: z.string(),
  reason: z.string(),
  priority: z.number(),
  status: reviewStatusSchema,
  /** `user:<id>` or `key:<id>`. */
  claimedBy: z.string().nullable(),
  claimedAt: isoTime.nullable(),
  completedBy: z.string().nullable(),
  completedAt: isoTime.nullable(),
  scorecard: z.record(z.string(), z.unknown()).nullable(),
  comments: z.string().nullable(),
  createdAt: isoTime,
  call: z.object({
    startedAt: isoTime,
    agentId: z.string().nullable(),
    agentName: z.string().nullable(),
    team: z.string().nullable(),
    campaign: z.string().nullable(),
    language: z.string().nullable(),
    durationMs: z.number().int(),
  }),
  /** The evaluation made when the item was completed with an evaluation form. */
  evaluation: z
    .object({
      id: z.uuid(),
      formId: z.string(),
      formVersion: z.number().int(),
      score: z.number(),
      comments: z.array(z.object({ atMs: z.number(), text: z.string() })),
    })
    .nullable(),
});
export type ReviewItem = z.infer<typeof reviewItemSchema>;

/** What pre-filling read from the call's stored analysis. */
export const prefillFactsSchema = z.object({
  disclosureOutcome: z.enum(['disclosed', 'late', 'partial', 'missing']),
  adherencePassed: z.boolean().nullable(),
  adherenceScore: z.number().nullable(),
  adherenceRules: z.array(z.object({ id: z.string(), passed: z.boolean() })),
  promiseToPay: z.boolean(),
  violations: z.array(z.string()),
});

export const reviewItemDetailSchema = z.object({
  item: reviewItemSchema,
  form: evaluationFormSchema.nullable(),
  /** Answers the call's analytics suggest, by question id. */
  prefill: z.record(z.string(), z.union([z.string(), z.number()])),
  analysis: prefillFactsSchema.nullable(),
  evaluations: z.array(evaluationSchema),
});
export type ReviewItemDetail = z.infer<typeof reviewItemDetailSchema>;

export const reviewRoutes = [
  route({
    method: 'GET',
    path: '/review-queues',
    summary: "Review queues of the caller's languages, with their counts",
    responses: { 200: items(reviewQueueSchema) },
  }),
  route({
    method: 'GET',
    path: '/review-queues/:id/items',
    summary: "A queue's items inside the caller's scope, most urgent first",
    params: idParams,
    query: reviewListQuerySchema,
    responses: { 200: items(reviewItemSchema) },
  }),
  route({
    method: 'GET',
    path: '/review-items/:id',
    summary:
      'One item with the evaluation form that applies, the suggested answers and the evaluations of its call',
    params: idParams,
    responses: { 200: reviewItemDetailSchema },
  }),
  route({
    method: 'POST',
    path: '/review-items/:id/claim',
    summary: 'Claim an item',
    params: idParams,
    responses: { 200: reviewItemSchema },
  }),
  route({
    method: 'POST',
    path: '/review-items/:id/complete',
    summary: 'Complete a claimed item: answers validated and scored against the form',
    params: idParams,
    body: reviewCompleteSchema,
    responses: { 200: reviewItemSchema },
  }),
];

import { Router, type Request } from 'express';
import { z } from 'zod';
import { REVIEW_STATUSES } from '../../../models/database.ts';
import { commentsSchema } from '../../review/evaluation-form.ts';
import type { ReviewService } from '../../review/review.service.ts';
import type { Auditor } from '../audit/auditor.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../validation.ts';

export interface ReviewRouterDeps {
  reviews: ReviewService;
  auditor: Auditor;
}

const listSchema = z.strictObject({
  status: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(REVIEW_STATUSES)).max(3))
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

const scoreValue = z.union([z.number(), z.string().max(2000), z.boolean(), z.null()]);
const completeSchema = z.strictObject({
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

/**
 * Review queues: queues with their counts, a queue's items (most urgent first), one item with its evaluation form
 * and the answers analytics suggest, claiming an item and completing it. Completing with a form validates the
 * answers against it, computes the weighted score and stores an evaluation with the form version. People see only
 * the queues of their languages and the items of calls inside their scope.
 */
export function reviewRouter(deps: ReviewRouterDeps): Router {
  const router = Router();
  const service = deps.reviews;
  const caller = (req: Request) => callerOf(req, deps.auditor);

  router.get('/review-queues', async (req, res) => {
    res.json(await service.queues(caller(req)));
  });

  router.get('/review-queues/:id/items', async (req, res) => {
    const q = parseOrThrow(listSchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json(await service.items(caller(req), req.params.id, q));
  });

  router.get('/review-items/:id', async (req, res) => {
    res.json(await service.item(caller(req), req.params.id));
  });

  router.post('/review-items/:id/claim', async (req, res) => {
    res.json(await service.claim(caller(req), req.params.id));
  });

  router.post('/review-items/:id/complete', async (req, res) => {
    const body = parseOrThrow(completeSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid review');
    res.json(await service.complete(caller(req), req.params.id, body));
  });

  return router;
}

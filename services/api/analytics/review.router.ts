import { Router } from 'express';
import { z } from 'zod';
import { REVIEW_STATUSES } from '../../../models/database.ts';
import type { ReviewRepository } from '../../pipeline/review.repository.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { callAccess, scopeConditions } from '../auth/call-scope.ts';
import { principalRef } from '../auth/principal.ts';
import { parseOrThrow } from '../validation.ts';

export interface ReviewRouterDeps {
  db: Db;
  reviews: ReviewRepository;
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

const scoreValue = z.union([z.number(), z.string().max(1000), z.boolean(), z.null()]);
const completeSchema = z.strictObject({
  /** Answers of the scorecard: question id → answer. */
  scorecard: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'scorecard keys are letters, digits, _ . -'),
      scoreValue,
    )
    .refine((o) => Object.keys(o).length <= 100, { message: 'at most 100 answers' }),
  comments: z.string().trim().max(10_000).optional(),
});

/**
 * Review queues: queues with their counts, a queue's items (most urgent first), claiming an item and completing it
 * with scorecard answers and comments. People see only the items of calls inside their scope.
 */
export function reviewRouter(deps: ReviewRouterDeps): Router {
  const router = Router();

  router.get('/review-queues', async (req, res) => {
    res.json({ items: await deps.reviews.queues(scopeConditions(req.principal)) });
  });

  router.get('/review-queues/:id/items', async (req, res) => {
    const q = parseOrThrow(listSchema, req.query, 'INVALID_QUERY', 'invalid query');
    if (!(await deps.reviews.queueExists(req.params.id))) {
      throw new EscuchaError('NOT_FOUND', `no review queue ${req.params.id}`);
    }
    const items = await deps.reviews.items(
      req.params.id,
      { ...(q.status ? { status: q.status } : {}), limit: q.limit, offset: q.offset },
      scopeConditions(req.principal),
    );
    res.json({ items });
  });

  /** The item, if the caller may see its call (otherwise it does not exist for them). */
  const visible = async (principal: Parameters<typeof callAccess>[1], id: string) => {
    const item = await deps.reviews.get(id);
    if (!item) throw new EscuchaError('NOT_FOUND', `no review item ${id}`);
    const access = await callAccess(deps.db, principal, item.callId);
    if (!access.inScope) throw new EscuchaError('NOT_FOUND', `no review item ${id}`);
    return item;
  };

  router.post('/review-items/:id/claim', async (req, res) => {
    await visible(req.principal, req.params.id);
    res.json(await deps.reviews.claim(req.params.id, principalRef(req.principal!)));
  });

  router.post('/review-items/:id/complete', async (req, res) => {
    const body = parseOrThrow(completeSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid review');
    await visible(req.principal, req.params.id);
    res.json(
      await deps.reviews.complete(
        req.params.id,
        principalRef(req.principal!),
        { scorecard: body.scorecard, comments: body.comments ?? null },
        req.principal?.role === 'admin',
      ),
    );
  });

  return router;
}

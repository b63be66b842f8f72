import { Router } from 'express';
import {
  reviewCompleteSchema as completeSchema,
  reviewListQuerySchema as listSchema,
} from '../contract/review.ts';
import type { ReviewService } from '../../review/review.service.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';

export interface ReviewRouterDeps {
  reviews: ReviewService;
}

/**
 * Review queues: queues with their counts, a queue's items (most urgent first), one item with its evaluation form
 * and the answers analytics suggest, claiming an item and completing it. Completing with a form validates the
 * answers against it, computes the weighted score and stores an evaluation with the form version. People see only
 * the queues of their languages and the items of calls inside their scope.
 */
export function reviewRouter(deps: ReviewRouterDeps): Router {
  const router = Router();
  const service = deps.reviews;
  const caller = callerOf;

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

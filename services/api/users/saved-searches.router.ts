import { Router } from 'express';
import { savedSearchInputSchema as newSchema } from '../contract/users.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { SavedSearchService } from './saved-searches.service.ts';

/** Each person's saved searches (GET/POST /saved-searches, DELETE /saved-searches/:id). */
export function savedSearchesRouter(searches: SavedSearchService): Router {
  const router = Router();
  router.get('/saved-searches', async (req, res) => {
    res.json({ items: await searches.list(callerOf(req)) });
  });
  router.post('/saved-searches', async (req, res) => {
    const body = parseOrThrow(newSchema, req.body, 'BAD_REQUEST', 'invalid saved search');
    res.status(201).json(await searches.create(callerOf(req), body));
  });
  router.delete('/saved-searches/:id', async (req, res) => {
    await searches.delete(callerOf(req), req.params.id);
    res.status(204).end();
  });
  return router;
}

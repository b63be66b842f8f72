import { Router } from 'express';
import { z } from 'zod';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../validation.ts';
import type { SavedSearchService } from './saved-searches.service.ts';

const newSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  query: z.record(z.string().max(100), z.string().max(1000)),
});

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

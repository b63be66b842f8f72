import { Router } from 'express';
import { callerOf } from '../api/caller.ts';
import { liveQuerySchema } from '../api/contract/live.ts';
import type { EventStreams } from '../api/event-stream.ts';
import { parseOrThrow } from '../platform/validation.ts';
import type { LiveBoardService } from './live.board.ts';

/** The live board: calls in progress, their event stream, and agent activity (services/live/live.board.ts). */
export function liveRouter(live: LiveBoardService, streams: EventStreams): Router {
  const router = Router();

  router.get('/live/calls', (req, res) => {
    const filter = parseOrThrow(liveQuerySchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json(live.calls(callerOf(req), filter));
  });

  router.get('/live/agents', async (req, res) => {
    const filter = parseOrThrow(liveQuerySchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json(await live.agents(callerOf(req), filter));
  });

  router.get('/live/events', (req, res) => {
    const filter = parseOrThrow(liveQuerySchema, req.query, 'INVALID_QUERY', 'invalid query');
    streams.open(res, (send) => live.watch(callerOf(req), filter, (m) => send(m.event, m.data)));
  });

  return router;
}

import { Router } from 'express';
import { callerOf } from '../api/caller.ts';
import { liveQuerySchema } from '../api/contract/live.ts';
import { parseOrThrow } from '../platform/validation.ts';
import type { BoardMessage, LiveBoardService } from './live.board.ts';

/** One message of the event stream as Server-Sent Events text. */
export function sseText(message: BoardMessage): string {
  if (message.event === 'heartbeat') return ': heartbeat\n\n';
  if (message.event === 'close') return '';
  return `event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** The live board: calls in progress, their event stream, and agent activity (services/live/live.board.ts). */
export function liveRouter(live: LiveBoardService): Router {
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
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      // Proxies that buffer answers (nginx) pass this one on as it is written.
      'X-Accel-Buffering': 'no',
    });
    // A client that loses the stream comes back after 3 s (EventSource does so by itself).
    res.write('retry: 3000\n\n');
    const stop = live.watch(callerOf(req), filter, (message) => {
      if (message.event === 'close') res.end();
      else res.write(sseText(message));
    });
    res.on('close', stop);
  });

  return router;
}

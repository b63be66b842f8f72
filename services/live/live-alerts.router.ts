import { Router, type Response } from 'express';
import { callerOf } from '../api/caller.ts';
import { captureParams, liveAlertParams, liveAlertsQuerySchema } from '../api/contract/live-alerts.ts';
import { parseOrThrow } from '../platform/validation.ts';
import type { LiveService } from './live.service.ts';

/** Starts a Server-Sent Events answer; returns the function that writes one event. */
function eventStream(res: Response): (event: string, data: unknown) => void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write('retry: 3000\n: connected\n\n');
  return (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Keeps an event stream open (a comment every 25 s through proxies) until the client goes. */
function keepOpen(res: Response, stop: () => void): void {
  const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
  ping.unref();
  res.on('close', () => {
    clearInterval(ping);
    stop();
  });
}

export function liveAlertsRouter(live: LiveService): Router {
  const r = Router();
  r.get('/live/alerts', async (req, res) => {
    const q = parseOrThrow(liveAlertsQuerySchema, req.query, 'INVALID_QUERY', 'invalid alerts query');
    res.json({ items: await live.alerts(callerOf(req), q) });
  });
  r.post('/live/alerts/:alertId/acknowledge', async (req, res) => {
    const { alertId } = parseOrThrow(liveAlertParams, req.params, 'NOT_FOUND', 'no such alert');
    res.json(await live.acknowledge(callerOf(req), alertId));
  });
  r.get('/live/alerts/events', (req, res) => {
    const send = eventStream(res);
    keepOpen(res, live.alertEvents(callerOf(req), send));
  });
  r.get('/live/calls/:captureId/transcript', async (req, res) => {
    const { captureId } = parseOrThrow(captureParams, req.params, 'NOT_FOUND', 'no such call in progress');
    res.json(await live.transcript(callerOf(req), captureId));
  });
  r.get('/live/calls/:captureId/events', async (req, res) => {
    const { captureId } = parseOrThrow(captureParams, req.params, 'NOT_FOUND', 'no such call in progress');
    const subscribe = await live.callEvents(callerOf(req), captureId);
    keepOpen(res, subscribe(eventStream(res)));
  });
  return r;
}

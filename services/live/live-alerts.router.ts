import { Router } from 'express';
import { callerOf } from '../api/caller.ts';
import { captureParams, liveAlertParams, liveAlertsQuerySchema } from '../api/contract/live-alerts.ts';
import { uuidParams } from '../api/contract/common.ts';
import type { EventStreams } from '../api/event-stream.ts';
import { parseOrThrow } from '../platform/validation.ts';
import type { LiveService } from './live.service.ts';

export function liveAlertsRouter(live: LiveService, streams: EventStreams): Router {
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
    streams.open(res, (send) => live.alertEvents(callerOf(req), send));
  });
  // Mounted under /calls/:id, whose guard refuses a call outside the caller's scope and audits the read.
  r.get('/calls/:id/alerts', async (req, res) => {
    const { id } = parseOrThrow(uuidParams, req.params, 'CALL_NOT_FOUND', 'no such call');
    res.json({ items: await live.ofCall(id) });
  });
  r.get('/live/calls/:captureId/transcript', async (req, res) => {
    const { captureId } = parseOrThrow(captureParams, req.params, 'NOT_FOUND', 'no such call in progress');
    res.json(await live.transcript(callerOf(req), captureId));
  });
  r.get('/live/calls/:captureId/events', async (req, res) => {
    const { captureId } = parseOrThrow(captureParams, req.params, 'NOT_FOUND', 'no such call in progress');
    const subscribe = await live.callEvents(callerOf(req), captureId);
    streams.open(res, subscribe);
  });
  return r;
}

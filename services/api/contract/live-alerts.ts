import { z } from 'zod';
import { isoTime, route, SSE, uuidParams } from './common.ts';

/**
 * The live transcript of calls in progress and the real-time alerts raised on it (services/live): alerts listed in
 * the viewer's scope, unacknowledged first, acknowledged (audited); the lines of a call in progress; event streams
 * (Server-Sent Events) of one call's lines and alerts, and of every alert in the viewer's scope; the alerts kept
 * with an archived call.
 */

export const liveAlertSchema = z.object({
  alertId: z.string(),
  captureId: z.string(),
  /** The archived call, once the call has ended and been archived. */
  callId: z.string().nullable(),
  kind: z.string(),
  /** What was found: element, practice or category ids and the words that raised it. */
  detail: z.string(),
  /** Milliseconds from the start of the call. */
  atMs: z.number().int(),
  raisedAt: isoTime,
  agentId: z.string().nullable(),
  team: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: isoTime.nullable(),
});
export type LiveAlertView = z.infer<typeof liveAlertSchema>;

export const liveAlertsQuerySchema = z.strictObject({
  /** `open`: unacknowledged only; `all` (default): unacknowledged first, then the acknowledged. */
  state: z.enum(['open', 'all']).default('all'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const liveAlertParams = z.object({ alertId: z.uuid() });
export const captureParams = z.object({ captureId: z.string().min(1).max(200) });

export const liveLineSchema = z.object({
  captureId: z.string(),
  channel: z.number().int(),
  party: z.enum(['agent', 'customer']),
  startMs: z.number().int(),
  endMs: z.number().int(),
  text: z.string(),
  language: z.string().nullable(),
});
export type LiveLineView = z.infer<typeof liveLineSchema>;

export const liveTranscriptSchema = z.object({
  captureId: z.string(),
  /** The call is still being recorded. */
  inProgress: z.boolean(),
  /** Every utterance of the ended call was recognised (the post-call transcript reuses these lines). */
  complete: z.boolean(),
  lines: z.array(liveLineSchema),
});
export type LiveTranscriptView = z.infer<typeof liveTranscriptSchema>;

export const liveAlertRoutes = [
  route({
    method: 'GET',
    path: '/live/alerts',
    summary: 'Real-time alerts of the calls in the viewer scope, unacknowledged first, newest first',
    query: liveAlertsQuerySchema,
    responses: { 200: z.object({ items: z.array(liveAlertSchema) }) },
  }),
  route({
    method: 'POST',
    path: '/live/alerts/:alertId/acknowledge',
    summary: 'Acknowledge an alert (audited; the first acknowledgement is kept)',
    params: liveAlertParams,
    responses: { 200: liveAlertSchema },
  }),
  route({
    method: 'GET',
    path: '/live/alerts/events',
    summary:
      'Server-Sent Events: `alert` (a LiveAlert) for every new alert in the viewer scope, as it is raised',
    responses: { 200: SSE },
  }),
  route({
    method: 'GET',
    path: '/calls/:id/alerts',
    summary:
      'The real-time alerts raised while the archived call was in progress, in call order, with their acknowledgement',
    params: uuidParams,
    responses: { 200: z.object({ items: z.array(liveAlertSchema) }) },
  }),
  route({
    method: 'GET',
    path: '/live/calls/:captureId/transcript',
    summary: 'The live transcript of a call in progress (or recently ended) by its capture id',
    params: captureParams,
    responses: { 200: liveTranscriptSchema },
  }),
  route({
    method: 'GET',
    path: '/live/calls/:captureId/events',
    summary: 'Server-Sent Events of one call in progress: `line` (a transcript line) and `alert` (an alert)',
    params: captureParams,
    responses: { 200: SSE },
  }),
];

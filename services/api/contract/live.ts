import { z } from 'zod';
import { CALL_SOURCES, DIRECTIONS } from '../../../models/database.ts';
import { isoTime, route, SSE } from './common.ts';

/** The live board: calls being recorded now, their events as a stream, and what each agent is doing today. */

const filter = z.string().trim().min(1).max(200).optional();

export const liveQuerySchema = z.strictObject({
  /** Only calls (and agents) of this team. */
  team: filter,
  /** Only calls (and agents) of this campaign. */
  campaign: filter,
});
export type LiveQuery = z.infer<typeof liveQuerySchema>;

export const liveCallSchema = z.object({
  /** The call's id while it is recorded (its recording's capture id once archived); `/live/calls/<captureId>` in the UI. */
  captureId: z.string(),
  source: z.enum(CALL_SOURCES),
  startedAt: isoTime,
  /** Milliseconds since the start when the answer was made (the UI ticks it on from `startedAt`). */
  durationMs: z.number().int(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  team: z.string().nullable(),
  campaign: z.string().nullable(),
  /** The customer's number (the caller of an inbound call, the callee of an outbound one), as search shows it. */
  customerNumber: z.string().nullable(),
  direction: z.enum(DIRECTIONS).nullable(),
  country: z.string().nullable(),
  language: z.string().nullable(),
  /** Recording paused (a pause key, an INFO, the call on hold) since this time; null while recording. */
  pausedSince: isoTime.nullable(),
  /** Each party's latest audio level in dBFS; null before any audio or while it is silence standing for loss. */
  levels: z.object({ agent: z.number().nullable(), customer: z.number().nullable() }),
});
export type LiveCall = z.infer<typeof liveCallSchema>;

export const liveCallsSchema = z.object({ asOf: isoTime, items: z.array(liveCallSchema) });

export const AGENT_STATES = ['on_call', 'idle'] as const;

export const agentActivitySchema = z.object({
  agentId: z.string(),
  name: z.string().nullable(),
  team: z.string().nullable(),
  campaign: z.string().nullable(),
  state: z.enum(AGENT_STATES),
  /** On a call since (its start), or idle since (the end of the last call seen); null: idle, no call known. */
  since: isoTime.nullable(),
  /** The call in progress, when on a call. */
  call: z.object({ captureId: z.string(), campaign: z.string().nullable() }).nullable(),
  /** Calls archived today (since `dayStart`), their talk time and average handle time (null without calls). */
  callsToday: z.number().int(),
  talkMsToday: z.number().int(),
  averageHandleMs: z.number().int().nullable(),
  /** Whether the agent is in the imported roster (`escucha agents import`). */
  inRoster: z.boolean(),
});
export type AgentActivity = z.infer<typeof agentActivitySchema>;

export const groupActivitySchema = z.object({
  /** The team or campaign; null for agents and calls without one. */
  key: z.string().nullable(),
  busy: z.number().int(),
  idle: z.number().int(),
  inProgress: z.number().int(),
  /** Calls started in the last 60 minutes (archived and in progress). */
  callsLastHour: z.number().int(),
  callsToday: z.number().int(),
});
export type GroupActivity = z.infer<typeof groupActivitySchema>;

export const liveAgentsSchema = z.object({
  asOf: isoTime,
  /** Where "today" starts (the server's local midnight). */
  dayStart: isoTime,
  agents: z.array(agentActivitySchema),
  teams: z.array(groupActivitySchema),
  campaigns: z.array(groupActivitySchema),
});
export type LiveAgents = z.infer<typeof liveAgentsSchema>;

/** What the event stream sends, by SSE event name (each `data:` line is one JSON object). */
export const liveStreamEvents = {
  /** First, on connecting: every call in progress in scope. */
  snapshot: liveCallsSchema,
  /** A call came into view (it started, or it is now in scope). */
  started: liveCallSchema,
  /** Metadata learnt, a pause or a resume. */
  updated: liveCallSchema,
  ended: z.object({
    captureId: z.string(),
    endedAt: isoTime,
    durationMs: z.number().int(),
    reason: z.string(),
  }),
  /** A call left the view while in progress (its metadata now puts it out of scope or out of the filter). */
  removed: z.object({ captureId: z.string() }),
  /** About once a second: the levels that changed since the last. */
  levels: z.object({
    items: z.array(
      z.object({ captureId: z.string(), agent: z.number().nullable(), customer: z.number().nullable() }),
    ),
  }),
};
export type LiveStreamEvent = {
  [K in keyof typeof liveStreamEvents]: { event: K; data: z.infer<(typeof liveStreamEvents)[K]> };
}[keyof typeof liveStreamEvents];

export const liveRoutes = [
  route({
    method: 'GET',
    path: '/live/calls',
    summary: 'Calls being recorded now, in the caller’s scope',
    query: liveQuerySchema,
    responses: { 200: liveCallsSchema },
  }),
  route({
    method: 'GET',
    path: '/live/events',
    summary:
      'Server-Sent Events of the calls in progress in the caller’s scope: snapshot, then started, updated, ended, removed (each within a second), levels about once a second, and a comment line as heartbeat every 15 s',
    query: liveQuerySchema,
    responses: { 200: SSE },
  }),
  route({
    method: 'GET',
    path: '/live/agents',
    summary:
      'What each agent in the caller’s scope is doing now (on a call or idle, since when), their calls today, and agents busy and idle, calls in progress and per hour by team and campaign',
    query: liveQuerySchema,
    responses: { 200: liveAgentsSchema },
  }),
];

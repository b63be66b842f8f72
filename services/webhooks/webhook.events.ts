import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../models/database.ts';

/**
 * The events Escucha sends to webhook subscriptions, with their typed payloads. Each is delivered as the envelope
 * `{ id, type, createdAt, data }` (webhookEnvelopeSchema), `data` being the event's payload below. The OpenAPI
 * document lists them under `webhooks` (api/contract/openapi.ts). Payloads carry identifiers and outcomes, never
 * transcript text or audio: a receiver asks the API for more with its own key.
 */

const iso = z.iso.datetime({ offset: true });

export const recordingArchivedSchema = z
  .object({
    callId: z.uuid(),
    externalId: z.string().nullable(),
    source: z.string().describe('upload, siprec, sip, pcap, hep, …'),
    startedAt: iso,
    endedAt: iso,
    durationMs: z.number().int(),
    direction: z.string().nullable(),
    agentId: z.string().nullable(),
    team: z.string().nullable(),
    campaign: z.string().nullable(),
    recording: z.object({
      format: z.string(),
      sizeBytes: z.number().int(),
      sha256: z.string(),
    }),
  })
  .describe('A recording was stored in the archive with its call.');

export const analysisDoneSchema = z
  .object({
    callId: z.uuid(),
    analyticsVersion: z.number().int(),
    language: z.enum(['es', 'en']),
    disclosure: z.object({ profile: z.string(), outcome: z.string() }),
    forbiddenPractices: z
      .array(z.string())
      .describe('the practices found (threats, insults, third parties, …)'),
    promiseToPay: z.boolean(),
    customerSentiment: z
      .string()
      .nullable()
      .describe('negative, neutral or positive; null without sentiment'),
    reviewQueues: z.array(z.string()).describe('the review queues the analysis sends the call to'),
  })
  .describe("The analytics stage stored a call's analysis (again, when it is re-run).");

export const reviewItemCreatedSchema = z
  .object({
    itemId: z.uuid(),
    callId: z.uuid(),
    queue: z.string(),
    reason: z.string(),
    priority: z.number().int(),
  })
  .describe('A call was put in a review queue.');

export const promiseRecordedSchema = z
  .object({
    callId: z.uuid(),
    ordinal: z
      .number()
      .int()
      .describe("the promise's place among the call's promises (callId + ordinal name it)"),
    account: z.string().nullable(),
    kind: z.string(),
    amount: z.number().nullable(),
    currency: z.string().nullable(),
    dueDate: z.iso.date(),
  })
  .describe(
    'A promise to pay found in a call was recorded in the promise ledger (again when it is re-analysed).',
  );

export const liveAlertSchema = z
  .object({
    alertId: z.string(),
    callId: z.uuid().nullable().describe('null while the call is in progress and not yet archived'),
    captureId: z.string(),
    kind: z.string().describe('disclosure_missing, forbidden_practice, keyword, negative_sentiment, …'),
    detail: z.string(),
    atMs: z.number().int().describe("where in the call, on the call's clock"),
    raisedAt: iso,
  })
  .describe('A real-time alert was raised on a call in progress.');

/** Every event type, with its payload schema. */
export const WEBHOOK_EVENT_SCHEMAS = {
  'recording.archived': recordingArchivedSchema,
  'analysis.done': analysisDoneSchema,
  'review.item.created': reviewItemCreatedSchema,
  'promise.recorded': promiseRecordedSchema,
  'live.alert': liveAlertSchema,
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_SCHEMAS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_SCHEMAS) as [
  WebhookEventType,
  ...WebhookEventType[],
];
export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);

export type RecordingArchived = z.infer<typeof recordingArchivedSchema>;
export type AnalysisDone = z.infer<typeof analysisDoneSchema>;
export type ReviewItemCreated = z.infer<typeof reviewItemCreatedSchema>;
export type PromiseRecorded = z.infer<typeof promiseRecordedSchema>;
export type LiveAlert = z.infer<typeof liveAlertSchema>;

/** An event as a publisher hands it over: its type and payload. */
export type WebhookEvent = {
  [T in WebhookEventType]: { type: T; data: z.infer<(typeof WEBHOOK_EVENT_SCHEMAS)[T]> };
}[WebhookEventType];

/** The body of every webhook request. */
export function webhookEnvelopeSchema<T extends WebhookEventType>(type: T) {
  return z.object({
    id: z
      .uuid()
      .describe('the event id: the same on every attempt and for every subscription (deduplicate on it)'),
    type: z.literal(type),
    createdAt: iso,
    data: WEBHOOK_EVENT_SCHEMAS[type],
  });
}

/**
 * What the parts of Escucha where events happen are given (by the composition root) to report them: the archive,
 * the analytics stage, review routing, the promise ledger, live alerts. With `trx`, the event exists only if that
 * transaction commits; its deliveries are queued in it.
 */
export interface EventPublisher {
  publish(event: WebhookEvent, trx?: Transaction<Database>): Promise<void>;
  /** Several events at once (a call's promises, its review items): one look-up and one insert for all. */
  publishAll(events: readonly WebhookEvent[], trx?: Transaction<Database>): Promise<void>;
}

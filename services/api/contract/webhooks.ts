import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, webhookEventTypeSchema } from '../../webhooks/webhook.events.ts';
import {
  DELIVERY_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from '../../webhooks/webhook.headers.ts';
import { EMPTY, isoTime, route, uuidParams } from './common.ts';

/** Webhook subscriptions, their deliveries (the delivery log) and the dead letters (admins). */

const url = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), {
    message: 'an http:// or https:// URL',
  });
const events = z.array(webhookEventTypeSchema).min(1).max(WEBHOOK_EVENT_TYPES.length);

export const webhookInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  url,
  events,
  /** Default: one the server makes (shown once, in the answer). */
  secret: z.string().min(16).max(200).optional(),
  enabled: z.boolean().default(true),
});
export const webhookPatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  url: url.optional(),
  events: events.optional(),
  enabled: z.boolean().optional(),
});
export const webhookSecretInputSchema = z.strictObject({
  /** Default: one the server makes. */
  secret: z.string().min(16).max(200).optional(),
});
export const deliveryStatusSchema = z.enum(['pending', 'delivered', 'dead']);
export const deliveriesQuerySchema = z.strictObject({
  status: deliveryStatusSchema.optional(),
  subscriptionId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const webhookSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  createdBy: z.string(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Webhook = z.infer<typeof webhookSchema>;

export const webhookListSchema = z.object({
  items: z.array(webhookSchema),
  /** Every event a subscription may choose. */
  eventTypes: z.array(webhookEventTypeSchema),
});
export type WebhookList = z.infer<typeof webhookListSchema>;

/** A subscription with its signing secret: only in the answer that sets the secret. */
export const webhookWithSecretSchema = z.object({ webhook: webhookSchema, secret: z.string() });
export type WebhookWithSecret = z.infer<typeof webhookWithSecretSchema>;

export const deliveryAttemptSchema = z.object({
  attempt: z.number().int(),
  startedAt: isoTime,
  durationMs: z.number().int(),
  /** Null: no answer (refused, timed out, the subscription disabled). */
  statusCode: z.number().int().nullable(),
  /**
   * `HTTP <status>`, `timeout`, `subscription_disabled`, `secret_unreadable`, or the network's message (refused,
   * unknown host…).
   */
  error: z.string().nullable(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export const webhookDeliverySchema = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  /** The event's `data`, as sent. */
  payload: z.record(z.string(), z.unknown()),
  eventCreatedAt: isoTime,
  subscriptionId: z.uuid(),
  subscriptionName: z.string(),
  url: z.string(),
  status: deliveryStatusSchema,
  attempts: z.number().int(),
  attemptLimit: z.number().int(),
  nextAttemptAt: isoTime.nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: isoTime,
  deliveredAt: isoTime.nullable(),
  deadAt: isoTime.nullable(),
  /** The delivery log: every attempt, oldest first. */
  log: z.array(deliveryAttemptSchema),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

export const webhookRoutes = [
  route({
    method: 'GET',
    path: '/webhooks',
    summary: 'Webhook subscriptions, and the events they may choose',
    responses: { 200: webhookListSchema },
  }),
  route({
    method: 'POST',
    path: '/webhooks',
    summary: 'Subscribes a URL to events; the answer holds the signing secret, shown this once',
    body: webhookInputSchema,
    responses: { 201: webhookWithSecretSchema },
  }),
  route({
    method: 'PATCH',
    path: '/webhooks/:id',
    summary: "Changes a subscription's name, URL, events or whether it is enabled",
    params: uuidParams,
    body: webhookPatchSchema,
    responses: { 200: webhookSchema },
  }),
  route({
    method: 'DELETE',
    path: '/webhooks/:id',
    summary: 'Deletes a subscription with its deliveries and their log',
    params: uuidParams,
    responses: { 204: EMPTY },
  }),
  route({
    method: 'POST',
    path: '/webhooks/:id/secret',
    summary: "Replaces a subscription's signing secret; the answer holds the new one, shown this once",
    params: uuidParams,
    body: webhookSecretInputSchema,
    responses: { 200: webhookWithSecretSchema },
  }),
  route({
    method: 'GET',
    path: '/webhooks/deliveries',
    summary: 'Deliveries, newest first, with their log (status=dead: the dead letters)',
    query: deliveriesQuerySchema,
    responses: { 200: z.object({ items: z.array(webhookDeliverySchema) }) },
  }),
  route({
    method: 'POST',
    path: '/webhooks/deliveries/:id/redeliver',
    summary: 'Sends a dead delivery again, with a new round of attempts',
    params: uuidParams,
    responses: { 200: webhookDeliverySchema },
  }),
];

/** The headers of every webhook request, as the OpenAPI document lists them (services/webhooks/webhook.signature.ts). */
export const WEBHOOK_REQUEST_HEADERS: Record<string, string> = {
  [EVENT_ID_HEADER]: 'the event id (as `id` in the body): the same on every attempt',
  [EVENT_TYPE_HEADER]: 'the event type (as `type` in the body)',
  [DELIVERY_HEADER]: 'the delivery id: one per event and subscription',
  [TIMESTAMP_HEADER]: 'Unix seconds when this attempt was sent',
  [SIGNATURE_HEADER]:
    '`v1=` and the hex HMAC-SHA256, keyed with the subscription secret, of `<timestamp>.<raw body>`',
};

/** How a receiver checks a webhook request, for the OpenAPI document. */
export const WEBHOOK_VERIFICATION =
  'Escucha POSTs the event as JSON to each subscribed URL. A 2xx answer within the time limit delivers it; ' +
  'anything else is retried with exponential backoff, and after the last attempt the delivery is a dead letter ' +
  '(listed at GET /webhooks/deliveries?status=dead, sent again with POST /webhooks/deliveries/{id}/redeliver). ' +
  'To verify a request: compute HMAC-SHA256 with the subscription secret over the timestamp header, a dot and ' +
  'the raw body (`<timestamp>.<body>`), hex-encode it, compare `v1=<hex>` with the signature header in constant ' +
  'time, and refuse timestamps more than 5 minutes from your clock. Deduplicate on the event id.';

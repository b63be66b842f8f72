import { retryWhileUnavailable } from '../platform/database.ts';
import { errorMessage, isEscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { exhausted, retryDelayMs, type RetryPolicy } from './webhook.backoff.ts';
import type { DeliveryQueue, WebhookJob } from './webhook.publisher.ts';
import type { AttemptOutcome, ClaimedDelivery, WebhookRepository } from './webhook.repository.ts';
import type { SecretBox } from './webhook.secrets.ts';
import {
  DELIVERY_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
} from './webhook.signature.ts';
import type { WebhookTransport } from './webhook.transport.ts';

/** How long a delivery stays taken beyond the receiver's time limit: the bookkeeping's time, outages included. */
const LEASE_EXTRA_MS = 120_000;

/** An error text kept in the delivery log is cut to this length. */
const ERROR_MAX = 500;

/** The request body of an event: its envelope `{ id, type, createdAt, data }`. */
export function envelopeOf(
  d: Pick<ClaimedDelivery, 'eventId' | 'eventType' | 'eventCreatedAt' | 'payload'>,
): string {
  return JSON.stringify({
    id: d.eventId,
    type: d.eventType,
    createdAt: d.eventCreatedAt.toISOString(),
    data: d.payload,
  });
}

/**
 * Runs one delivery job: one attempt at sending an event to a subscription, signed, within the time limit. A 2xx
 * answer delivers it; anything else is a failed attempt, logged with its status code, duration and error (`HTTP
 * <status>`, `timeout`, `subscription_disabled`, `secret_unreadable` (set a new secret), or the network's own message: refused, unknown host…), and the delivery is tried again after the
 * policy's backoff, or is dead (a dead letter) after its last attempt. Idempotent: a job whose delivery is no
 * longer pending, or is being sent by another worker, does nothing.
 */
export class WebhookDeliverer {
  constructor(
    private readonly deps: {
      webhooks: WebhookRepository;
      secrets: SecretBox;
      transport: WebhookTransport;
      queue: DeliveryQueue;
      policy: RetryPolicy;
      timeoutMs: number;
      userAgent: string;
      logger: Logger;
      random?: () => number;
    },
  ) {}

  readonly deliver = async (job: WebhookJob): Promise<void> => {
    const d = this.deps;
    // Held long enough for the request and the bookkeeping; a worker that dies holding it frees it when it lapses.
    const claimed = await d.webhooks.claim(job.deliveryId, d.timeoutMs + LEASE_EXTRA_MS);
    if (!claimed) return;
    const attempt = claimed.attempts + 1;
    const log = d.logger.child({ deliveryId: claimed.id, eventId: claimed.eventId, attempt });
    const startedAt = new Date();
    const t0 = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!claimed.subscription.enabled) {
      error = 'subscription_disabled';
    } else {
      try {
        const secret = await d.secrets.open(claimed.subscription.secretSealed, claimed.subscription.id);
        const body = envelopeOf(claimed);
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await d.transport.post(
          claimed.subscription.url,
          body,
          {
            'content-type': 'application/json',
            'user-agent': d.userAgent,
            [EVENT_ID_HEADER]: claimed.eventId,
            [EVENT_TYPE_HEADER]: claimed.eventType,
            [DELIVERY_HEADER]: claimed.id,
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
          },
          d.timeoutMs,
        );
        statusCode = response.status;
        if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
      } catch (e) {
        if ((e as { name?: unknown }).name === 'TimeoutError') error = 'timeout';
        else if (isEscuchaError(e, 'ENCRYPTION_KEY_UNKNOWN')) error = 'secret_unreadable';
        else {
          // fetch says only "fetch failed"; what failed (refused, reset, unknown host) is its cause.
          const cause = (e as { cause?: unknown }).cause;
          error = cause ? `${errorMessage(e)}: ${errorMessage(cause)}` : errorMessage(e);
        }
      }
    }
    const durationMs = Math.round(performance.now() - t0);
    const outcome: AttemptOutcome =
      error === null
        ? { status: 'delivered' }
        : exhausted(attempt, claimed.attemptLimit)
          ? { status: 'dead' }
          : { status: 'retry', at: new Date(Date.now() + retryDelayMs(attempt, d.policy, d.random)) };
    // The attempt was made: its record waits out a database outage (within the delivery's lease) rather than
    // leaving the delivery pending with no job to try it again.
    await retryWhileUnavailable(
      () =>
        d.webhooks.recordAttempt(
          claimed.id,
          { attempt, startedAt, durationMs, statusCode, error: error?.slice(0, ERROR_MAX) ?? null },
          outcome,
          outcome.status === 'retry'
            ? (trx) => d.queue.send({ deliveryId: claimed.id }, { trx, startAfter: outcome.at })
            : undefined,
        ),
      {
        giveUpMs: LEASE_EXTRA_MS,
        onWait: (err, waitMs) =>
          log.warn({ err, waitMs }, 'database unavailable; waiting to record the attempt'),
      },
    );
    if (outcome.status === 'delivered') log.info({ statusCode, durationMs }, 'webhook delivered');
    else if (outcome.status === 'dead') log.warn({ statusCode, durationMs, error }, 'webhook delivery dead');
    else
      log.info({ statusCode, durationMs, error, retryAt: outcome.at }, 'webhook attempt failed; will retry');
  };
}

import type { Transaction } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';
import type { WebhookRepository } from './webhook.repository.ts';
import { WEBHOOK_EVENT_SCHEMAS, type EventPublisher, type WebhookEvent } from './webhook.events.ts';

/** A delivery's job: one attempt at sending one event to one subscription (pipeline/jobs.ts `WebhookJob`). */
export interface WebhookJob {
  deliveryId: string;
}

/** The job queue as webhooks use it (the pipeline's pg-boss, composition.ts). */
export interface DeliveryQueue {
  /** Queues an attempt; with `trx`, the job exists only if that transaction commits. */
  send(job: WebhookJob, options?: { trx?: Transaction<Database>; startAfter?: Date }): Promise<void>;
  /** Queues the first attempt of each delivery, in one insert; with `trx`, only if it commits. */
  sendAll(jobs: readonly WebhookJob[], options?: { trx?: Transaction<Database> }): Promise<void>;
}

/**
 * The publisher the composition root hands to where events happen: an event wanted by no enabled subscription
 * leaves no trace; otherwise it is stored once with a pending delivery and a queued job per subscription, in the
 * caller's transaction when there is one (the event exists only if what it reports was stored). The events of one
 * publication cost one look-up of the subscriptions, one statement storing them and one job insert, however many.
 */
export class WebhookPublisher implements EventPublisher {
  constructor(
    private readonly deps: {
      db: Db;
      webhooks: WebhookRepository;
      queue: DeliveryQueue;
      /** Attempts each delivery gets before it is dead. */
      attempts: number;
      now?: () => Date;
    },
  ) {}

  publish(event: WebhookEvent, trx?: Transaction<Database>): Promise<void> {
    return this.publishAll([event], trx);
  }

  async publishAll(events: readonly WebhookEvent[], trx?: Transaction<Database>): Promise<void> {
    if (events.length === 0) return;
    const d = this.deps;
    const run = async (t: Transaction<Database>) => {
      const wanted = await d.webhooks.subscribersOf(t, [...new Set(events.map((e) => e.type))]);
      const createdAt = d.now?.() ?? new Date();
      const stored = [];
      for (const event of events) {
        const subscriptionIds = wanted.get(event.type) ?? [];
        if (subscriptionIds.length === 0) continue;
        // The payload is exactly what the document describes: fields the schema lacks are not sent.
        const payload = WEBHOOK_EVENT_SCHEMAS[event.type].parse(event.data) as Record<string, unknown>;
        stored.push({ type: event.type, payload, createdAt, subscriptionIds });
      }
      if (stored.length === 0) return;
      const deliveryIds = await d.webhooks.insertEvents(t, stored, d.attempts);
      await d.queue.sendAll(
        deliveryIds.map((deliveryId) => ({ deliveryId })),
        { trx: t },
      );
    };
    if (trx) await run(trx);
    else await d.db.transaction().execute(run);
  }
}

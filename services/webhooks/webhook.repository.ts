import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { WebhookDeliveryStatus } from '../../models/database.ts';
import type { Db, Trx } from '../platform/database.ts';

/** Webhook subscriptions, events, deliveries and the delivery log: the only place with their SQL. */

export interface SubscriptionRow {
  id: string;
  name: string;
  url: string;
  events: string[];
  secretSealed: string;
  enabled: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface AttemptRow {
  attempt: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface DeliveryRow {
  id: string;
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
  eventCreatedAt: Date;
  subscriptionId: string;
  subscriptionName: string;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  attemptLimit: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  deadAt: Date | null;
}

/** A delivery as the worker sends it: its event and where it goes, with the sealed secret. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  attemptLimit: number;
  eventId: string;
  eventType: string;
  payload: Record<string, unknown>;
  eventCreatedAt: Date;
  subscription: { id: string; url: string; secretSealed: string; enabled: boolean };
}

/** What one attempt came to: delivered, to be tried again at a time, or dead. */
export type AttemptOutcome = { status: 'delivered' } | { status: 'retry'; at: Date } | { status: 'dead' };

export class WebhookRepository {
  constructor(private readonly db: Db) {}

  /** The columns of a subscription, as SubscriptionRow names them. */
  private static readonly SUBSCRIPTION = [
    'id',
    'name',
    'url',
    'events',
    'secret_sealed as secretSealed',
    'enabled',
    'created_by as createdBy',
    'created_at as createdAt',
    'updated_at as updatedAt',
  ] as const;

  private subscriptions() {
    return this.db.selectFrom('webhook_subscriptions').select(WebhookRepository.SUBSCRIPTION);
  }

  async listSubscriptions(): Promise<SubscriptionRow[]> {
    return this.subscriptions().orderBy('created_at').orderBy('id').execute();
  }

  async subscription(id: string): Promise<SubscriptionRow | undefined> {
    return this.subscriptions().where('id', '=', id).executeTakeFirst();
  }

  /** The enabled subscriptions that want each of these event types (by type), in the publishing transaction. */
  async subscribersOf(trx: Db | Trx, types: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await trx
      .selectFrom('webhook_subscriptions')
      .select(['id', 'events'])
      .where('enabled', '=', true)
      .where(sql<boolean>`events && ${[...types]}::text[]`)
      .execute();
    const byType = new Map<string, string[]>();
    for (const type of types)
      byType.set(
        type,
        rows.filter((r) => r.events.includes(type)).map((r) => r.id),
      );
    return byType;
  }

  /** A new subscription; its secret is sealed by `seal` with the id it is given. */
  async createSubscription(
    s: { name: string; url: string; events: string[]; enabled: boolean; createdBy: string },
    seal: (id: string) => Promise<string>,
  ): Promise<SubscriptionRow> {
    const id = randomUUID();
    return this.db
      .insertInto('webhook_subscriptions')
      .values({
        id,
        name: s.name,
        url: s.url,
        events: s.events,
        enabled: s.enabled,
        created_by: s.createdBy,
        secret_sealed: await seal(id),
      })
      .returning(WebhookRepository.SUBSCRIPTION)
      .executeTakeFirstOrThrow();
  }

  async updateSubscription(
    id: string,
    patch: { name?: string; url?: string; events?: string[]; enabled?: boolean; secretSealed?: string },
  ): Promise<SubscriptionRow | undefined> {
    const { secretSealed, ...rest } = patch;
    return this.db
      .updateTable('webhook_subscriptions')
      .set({ ...rest, ...(secretSealed ? { secret_sealed: secretSealed } : {}), updated_at: sql`now()` })
      .where('id', '=', id)
      .returning(WebhookRepository.SUBSCRIPTION)
      .executeTakeFirst();
  }

  /** Deletes a subscription with its deliveries and their log. */
  async deleteSubscription(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('webhook_subscriptions').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * Records events, each with one pending delivery per subscription that wants it, in one statement; returns the
   * deliveries' ids.
   */
  async insertEvents(
    trx: Trx,
    events: readonly {
      type: string;
      payload: Record<string, unknown>;
      createdAt: Date;
      subscriptionIds: readonly string[];
    }[],
    attemptLimit: number,
  ): Promise<string[]> {
    const stored = events.map((e) => ({ ...e, id: randomUUID() }));
    const rows = await trx
      .with('stored_events', (db) =>
        db.insertInto('webhook_events').values(
          stored.map((e) => ({
            id: e.id,
            type: e.type,
            payload: JSON.stringify(e.payload),
            created_at: e.createdAt,
          })),
        ),
      )
      .insertInto('webhook_deliveries')
      .values(
        stored.flatMap((e) =>
          e.subscriptionIds.map((subscription_id) => ({
            event_id: e.id,
            subscription_id,
            attempt_limit: attemptLimit,
          })),
        ),
      )
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Takes a pending delivery for one attempt, for `lockMs`: no other worker takes it meanwhile (a job run twice, or
   * retried by the queue after a crash, finds it taken or finished and does nothing). Undefined: not pending, gone,
   * or being sent.
   */
  async claim(deliveryId: string, lockMs: number): Promise<ClaimedDelivery | undefined> {
    const row = await this.db
      .updateTable('webhook_deliveries as d')
      .from(['webhook_events as e', 'webhook_subscriptions as s'])
      .set({ locked_until: sql`now() + make_interval(secs => ${lockMs / 1000})` })
      .whereRef('e.id', '=', 'd.event_id')
      .whereRef('s.id', '=', 'd.subscription_id')
      .where('d.id', '=', deliveryId)
      .where('d.status', '=', 'pending')
      .where((eb) => eb.or([eb('d.locked_until', 'is', null), eb('d.locked_until', '<', sql<Date>`now()`)]))
      .returning([
        'd.id',
        'd.attempts',
        'd.attempt_limit as attemptLimit',
        'e.id as eventId',
        'e.type as eventType',
        'e.payload',
        'e.created_at as eventCreatedAt',
        's.id as subscriptionId',
        's.url',
        's.secret_sealed as secretSealed',
        's.enabled',
      ])
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      attempts: row.attempts,
      attemptLimit: row.attemptLimit,
      eventId: row.eventId,
      eventType: row.eventType,
      payload: row.payload,
      eventCreatedAt: row.eventCreatedAt,
      subscription: {
        id: row.subscriptionId,
        url: row.url,
        secretSealed: row.secretSealed,
        enabled: row.enabled,
      },
    };
  }

  /**
   * Logs an attempt and moves its delivery on (delivered, pending until `at`, or dead), releasing it; `within` runs
   * in the same transaction (the next attempt's job is queued there, so a crash cannot lose it).
   */
  async recordAttempt(
    deliveryId: string,
    attempt: AttemptRow,
    outcome: AttemptOutcome,
    within?: (trx: Trx) => Promise<void>,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: deliveryId,
          attempt: attempt.attempt,
          started_at: attempt.startedAt,
          duration_ms: attempt.durationMs,
          status_code: attempt.statusCode,
          error: attempt.error,
        })
        .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
        .execute();
      await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts: attempt.attempt,
          locked_until: null,
          last_status_code: attempt.statusCode,
          last_error: attempt.error,
          updated_at: sql`now()`,
          ...(outcome.status === 'delivered'
            ? { status: 'delivered', delivered_at: sql`now()`, next_attempt_at: null }
            : outcome.status === 'dead'
              ? { status: 'dead', dead_at: sql`now()`, next_attempt_at: null }
              : { next_attempt_at: outcome.at }),
        })
        .where('id', '=', deliveryId)
        .execute();
      if (within) await within(trx);
    });
  }

  /** Deliveries, newest first, with their log. */
  async deliveries(filter: {
    id?: string;
    status?: WebhookDeliveryStatus;
    subscriptionId?: string;
    limit: number;
  }): Promise<(DeliveryRow & { log: AttemptRow[] })[]> {
    let q = this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
      .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
      .select([
        'd.id',
        'e.id as eventId',
        'e.type as eventType',
        'e.payload',
        'e.created_at as eventCreatedAt',
        's.id as subscriptionId',
        's.name as subscriptionName',
        's.url',
        'd.status',
        'd.attempts',
        'd.attempt_limit as attemptLimit',
        'd.next_attempt_at as nextAttemptAt',
        'd.last_status_code as lastStatusCode',
        'd.last_error as lastError',
        'd.created_at as createdAt',
        'd.delivered_at as deliveredAt',
        'd.dead_at as deadAt',
      ])
      .orderBy('d.created_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(filter.limit);
    if (filter.id) q = q.where('d.id', '=', filter.id);
    if (filter.status) q = q.where('d.status', '=', filter.status);
    if (filter.subscriptionId) q = q.where('d.subscription_id', '=', filter.subscriptionId);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const attempts = await this.db
      .selectFrom('webhook_attempts')
      .select([
        'delivery_id as deliveryId',
        'attempt',
        'started_at as startedAt',
        'duration_ms as durationMs',
        'status_code as statusCode',
        'error',
      ])
      .where(
        'delivery_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('delivery_id')
      .orderBy('attempt')
      .execute();
    const logOf = new Map<string, AttemptRow[]>();
    for (const { deliveryId, ...a } of attempts) {
      const list = logOf.get(deliveryId);
      if (list) list.push(a);
      else logOf.set(deliveryId, [a]);
    }
    return rows.map((r) => ({ ...r, log: logOf.get(r.id) ?? [] }));
  }

  /**
   * Puts a dead delivery back to pending with `more` attempts, in the transaction `within` runs in (which queues
   * it); false when it is not dead (delivered, pending, or gone).
   */
  async revive(deliveryId: string, more: number, within: (trx: Trx) => Promise<void>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const revived = await trx
        .updateTable('webhook_deliveries')
        .set({
          status: 'pending',
          attempt_limit: sql`attempts + ${more}`,
          dead_at: null,
          locked_until: null,
          next_attempt_at: sql`now()`,
          updated_at: sql`now()`,
        })
        .where('id', '=', deliveryId)
        .where('status', '=', 'dead')
        .returning('id')
        .executeTakeFirst();
      if (!revived) return false;
      await within(trx);
      return true;
    });
  }
}

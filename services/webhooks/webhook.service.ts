import type { z } from 'zod';
import type { Caller, CallerAudit } from '../access/caller.ts';
import type {
  deliveriesQuerySchema,
  Webhook,
  WebhookDelivery,
  webhookInputSchema,
  WebhookList,
  webhookPatchSchema,
  WebhookWithSecret,
} from '../api/contract/webhooks.ts';
import { EscuchaError } from '../platform/errors.ts';
import { WEBHOOK_EVENT_TYPES } from './webhook.events.ts';
import type { DeliveryQueue } from './webhook.publisher.ts';
import type { DeliveryRow, SubscriptionRow, WebhookRepository, AttemptRow } from './webhook.repository.ts';
import type { SecretBox } from './webhook.secrets.ts';
import { newWebhookSecret } from './webhook.signature.ts';

type WebhookInput = z.output<typeof webhookInputSchema>;
type WebhookPatch = z.output<typeof webhookPatchSchema>;
type DeliveriesQuery = z.output<typeof deliveriesQuerySchema>;

function view(s: SubscriptionRow): Webhook {
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    events: s.events,
    enabled: s.enabled,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function deliveryView(d: DeliveryRow & { log: AttemptRow[] }): WebhookDelivery {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    payload: d.payload,
    eventCreatedAt: d.eventCreatedAt.toISOString(),
    subscriptionId: d.subscriptionId,
    subscriptionName: d.subscriptionName,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    attemptLimit: d.attemptLimit,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: iso(d.deliveredAt),
    deadAt: iso(d.deadAt),
    log: d.log.map((a) => ({
      attempt: a.attempt,
      startedAt: a.startedAt.toISOString(),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
    })),
  };
}

/** The URL as the audit trail keeps it: without credentials or query (where receivers put tokens). */
function auditedUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * Webhook subscriptions and their deliveries, for admins: what is subscribed, the delivery log, the dead letters
 * and their redelivery. Secrets are sealed before they are stored and shown only in the answer that sets them;
 * every change is audited.
 */
export class WebhookService {
  constructor(
    private readonly deps: {
      webhooks: WebhookRepository;
      secrets: SecretBox;
      /** Absent in processes without a job queue: nothing can be redelivered there. */
      queue: DeliveryQueue | null;
      auditor: CallerAudit;
      /** Attempts a redelivered dead letter gets. */
      attempts: number;
    },
  ) {}

  async list(): Promise<WebhookList> {
    const rows = await this.deps.webhooks.listSubscriptions();
    return { items: rows.map(view), eventTypes: [...WEBHOOK_EVENT_TYPES] };
  }

  async create(caller: Caller, input: WebhookInput): Promise<WebhookWithSecret> {
    const secret = input.secret ?? newWebhookSecret();
    const row = await this.deps.webhooks.createSubscription(
      {
        name: input.name,
        url: input.url,
        events: input.events,
        enabled: input.enabled,
        createdBy: caller.principal.name,
      },
      (id) => this.deps.secrets.seal(secret, id),
    );
    await this.deps.auditor.recordFor(caller, {
      action: 'webhook_create',
      targetType: 'webhook',
      targetId: row.id,
      details: { name: row.name, url: auditedUrl(row.url), events: row.events },
    });
    return { webhook: view(row), secret };
  }

  async update(caller: Caller, id: string, patch: WebhookPatch): Promise<Webhook> {
    const row = await this.deps.webhooks.updateSubscription(id, patch);
    if (!row) throw new EscuchaError('NOT_FOUND', 'no such webhook subscription');
    await this.deps.auditor.recordFor(caller, {
      action: 'webhook_update',
      targetType: 'webhook',
      targetId: id,
      details: { ...patch, ...(patch.url ? { url: auditedUrl(patch.url) } : {}) },
    });
    return view(row);
  }

  async setSecret(caller: Caller, id: string, given: string | undefined): Promise<WebhookWithSecret> {
    const secret = given ?? newWebhookSecret();
    const row = await this.deps.webhooks.updateSubscription(id, {
      secretSealed: await this.deps.secrets.seal(secret, id),
    });
    if (!row) throw new EscuchaError('NOT_FOUND', 'no such webhook subscription');
    await this.deps.auditor.recordFor(caller, {
      action: 'webhook_secret',
      targetType: 'webhook',
      targetId: id,
      details: { generated: given === undefined },
    });
    return { webhook: view(row), secret };
  }

  async delete(caller: Caller, id: string): Promise<void> {
    if (!(await this.deps.webhooks.deleteSubscription(id))) {
      throw new EscuchaError('NOT_FOUND', 'no such webhook subscription');
    }
    await this.deps.auditor.recordFor(caller, {
      action: 'webhook_delete',
      targetType: 'webhook',
      targetId: id,
    });
  }

  async deliveries(query: DeliveriesQuery): Promise<{ items: WebhookDelivery[] }> {
    const rows = await this.deps.webhooks.deliveries({
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.subscriptionId ? { subscriptionId: query.subscriptionId } : {}),
    });
    return { items: rows.map(deliveryView) };
  }

  /** A dead delivery pending again with a new round of attempts, its first queued now. */
  async redeliver(caller: Caller, id: string): Promise<WebhookDelivery> {
    const queue = this.deps.queue;
    if (!queue) throw new EscuchaError('INTERNAL', 'this process has no job queue to deliver webhooks with');
    const revived = await this.deps.webhooks.revive(id, this.deps.attempts, (trx) =>
      queue.send({ deliveryId: id }, { trx }),
    );
    if (!revived) throw new EscuchaError('CONFLICT', 'only a dead delivery can be delivered again');
    await this.deps.auditor.recordFor(caller, {
      action: 'webhook_redeliver',
      targetType: 'webhook_delivery',
      targetId: id,
    });
    const [row] = await this.deps.webhooks.deliveries({ id, limit: 1 });
    if (!row) throw new EscuchaError('NOT_FOUND', 'no such webhook delivery');
    return deliveryView(row);
  }
}

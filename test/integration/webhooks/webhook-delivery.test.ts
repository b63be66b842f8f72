import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from '../../../services/pipeline/pipeline.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import {
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhook,
} from '../../../services/webhooks/webhook.signature.ts';
import { webhookEnvelopeSchema } from '../../../services/webhooks/webhook.events.ts';
import { webhookDeliverySchema, type WebhookDelivery } from '../../../services/api/contract/webhooks.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { uploadCall } from '../web/web-support.ts';

/**
 * Webhooks end to end, through the composition root and the real job queue: a subscription made through the API, a
 * call archived, the `recording.archived` event POSTed to a real local HTTP receiver with a signature it verifies,
 * retried after a 500, a receiver that always fails left as a dead letter after its last attempt, and that dead
 * letter delivered by hand once the receiver is back; and alerts raised on the live hub sent as `live.alert`.
 */

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('webhook delivery', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let api: TestApi;
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  /** Status codes the receiver answers on each path, in turn (then 200). */
  const answers = new Map<string, number[]>();

  const admin = () => ({ Authorization: `Bearer ${api.adminKey}` });
  async function deliveries(query: Record<string, string> = {}): Promise<WebhookDelivery[]> {
    const res = await request(api.app).get('/api/v1/webhooks/deliveries').set(admin()).query(query);
    expect(res.status).toBe(200);
    return res.body.items as WebhookDelivery[];
  }
  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const next = answers.get(req.url ?? '')?.shift() ?? 200;
        res.writeHead(next).end(next === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    database = await createTestDatabase();
    pipeline = new Pipeline({
      db: database.handle.db,
      pool: database.handle.pool,
      logger: silentLogger(),
      order: [],
      retryLimit: 1,
      retryDelaySeconds: 1,
      expireInSeconds: 60,
      maintenanceIntervalSeconds: 30,
      pollingIntervalSeconds: 0.5,
    });
    await pipeline.start();
    // Three attempts, 50 to 100 ms apart at first: the backoff itself is the unit tests'.
    api = await createTestApi({
      database,
      pipeline,
      webhooks: { attempts: 3, retryBaseMs: 100, retryMaxMs: 200, timeoutMs: 5000 },
    });
    await pipeline.workWebhooks(api.services.webhooks.deliverer!.deliver, 2);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await api?.close();
    await database?.drop();
    await new Promise((r) => receiver?.close(r));
  });

  it('signs, retries after a 500, and leaves a dead letter after the last attempt that can be sent again', async () => {
    const create = (name: string, path: string, events: string[]) =>
      request(api.app)
        .post('/api/v1/webhooks')
        .set(admin())
        .send({ name, url: `${base}${path}`, events });
    const flaky = await create('crm', '/crm', ['recording.archived', 'analysis.done']);
    expect(flaky.status, JSON.stringify(flaky.body)).toBe(201);
    const secret = flaky.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const down = await create('down', '/down', ['recording.archived']);
    expect(down.status).toBe(201);
    // Not interested in archived recordings: gets nothing.
    expect((await create('alerts', '/alerts', ['live.alert'])).status).toBe(201);
    // The secret is stored sealed, never as given.
    const stored = await database.handle.db
      .selectFrom('webhook_subscriptions')
      .select('secret_sealed')
      .execute();
    expect(stored.every((s) => !s.secret_sealed.includes(secret))).toBe(true);

    answers.set('/crm', [500]);
    answers.set('/down', [500, 503, 500]);
    const callId = await uploadCall(api, { externalId: 'hook-1', campaign: 'mora-30', agentId: 'A-7' });

    const dead = await until('the dead letter', async () => (await deliveries({ status: 'dead' }))[0]);
    const delivered = await until('the delivery', async () => (await deliveries({ status: 'delivered' }))[0]);

    // The flaky receiver: a 500, then delivered on the second attempt, the same event signed each time.
    expect(delivered).toMatchObject({
      subscriptionName: 'crm',
      eventType: 'recording.archived',
      attempts: 2,
    });
    expect(delivered.log.map((a) => a.statusCode)).toEqual([500, 200]);
    expect(delivered.log[0]!.error).toMatch(/500/);
    const toCrm = received.filter((r) => r.path === '/crm');
    expect(toCrm).toHaveLength(2);
    for (const r of toCrm) {
      const headers = {
        signature: r.headers[SIGNATURE_HEADER] as string,
        timestamp: r.headers[TIMESTAMP_HEADER] as string,
      };
      expect(verifyWebhook(secret, headers, r.body)).toBe(true);
      expect(verifyWebhook(down.body.secret as string, headers, r.body)).toBe(false);
      expect(r.headers[EVENT_ID_HEADER]).toBe(delivered.eventId);
    }
    const event = webhookEnvelopeSchema('recording.archived').parse(JSON.parse(toCrm[1]!.body));
    expect(event).toMatchObject({
      id: delivered.eventId,
      data: { callId, externalId: 'hook-1', campaign: 'mora-30', agentId: 'A-7', source: 'upload' },
    });

    // The receiver that is down: three failed attempts, then dead, each in the log.
    expect(dead).toMatchObject({ subscriptionName: 'down', status: 'dead', attempts: 3, attemptLimit: 3 });
    expect(dead.log.map((a) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 503],
      [3, 500],
    ]);
    expect(dead.log.every((a) => a.durationMs >= 0 && a.error !== null)).toBe(true);
    expect(received.filter((r) => r.path === '/alerts')).toHaveLength(0);

    // Back up: delivered by hand, with a new round of attempts, and only a dead delivery can be.
    const again = await request(api.app)
      .post(`/api/v1/webhooks/deliveries/${dead.id}/redeliver`)
      .set(admin());
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ status: 'pending', attemptLimit: 6 });
    // Its answer keeps the contract (the contract test has no job queue to redeliver with).
    expect(webhookDeliverySchema.parse(again.body)).toEqual(again.body);
    const redelivered = await until('the redelivery', async () => {
      const d = (await deliveries({ subscriptionId: dead.subscriptionId }))[0];
      return d?.status === 'delivered' ? d : undefined;
    });
    expect(redelivered.log.map((a) => a.statusCode)).toEqual([500, 503, 500, 200]);
    const refused = await request(api.app)
      .post(`/api/v1/webhooks/deliveries/${dead.id}/redeliver`)
      .set(admin());
    expect(refused.status).toBe(409);
    expect(received.filter((r) => r.path === '/down')).toHaveLength(4);
  });

  // The 'alerts' subscription was made above.
  it('sends the alerts raised on the live hub of the process to the subscriptions that want them', async () => {
    const alert = {
      alertId: 'alert-1',
      captureId: 'cap-1',
      callId: null,
      kind: 'disclosure_missing',
      detail: 'no recording notice within 30 s',
      atMs: 30_000,
      raisedAt: new Date().toISOString(),
    };
    api.services.live.emit('alert', alert);
    const sent = await until('the live alert', async () => received.find((r) => r.path === '/alerts'));
    const event = webhookEnvelopeSchema('live.alert').parse(JSON.parse(sent.body));
    expect(event.data).toEqual(alert);
    expect(sent.headers[EVENT_TYPE_HEADER]).toBe('live.alert');
  });

  it('stores and queues several events of one publication together, each sent to whoever wants it', async () => {
    const promises = await request(api.app)
      .post('/api/v1/webhooks')
      .set(admin())
      .send({ name: 'ledger', url: `${base}/ledger`, events: ['promise.recorded'] });
    expect(promises.status).toBe(201);
    const callId = '0b6f5a8e-7d1c-4b0a-9a53-3c2d1e0f9a11';
    const promise = (ordinal: number) => ({
      type: 'promise.recorded' as const,
      data: {
        callId,
        ordinal,
        account: 'ACC-1',
        kind: 'statement' as const,
        amount: 1000 * (ordinal + 1),
        currency: 'COP',
        dueDate: '2026-12-05',
      },
    });
    // Two promises of a call, and an event nobody wants, in one publication.
    await api.services.webhooks.publisher!.publishAll([
      promise(0),
      promise(1),
      {
        type: 'review.item.created',
        data: { itemId: callId, callId, queue: 'qa', reason: 'x', priority: 1 },
      },
    ]);
    const sent = await until('both promises', async () => {
      const ledger = received.filter((r) => r.path === '/ledger');
      return ledger.length >= 2 ? ledger : undefined;
    });
    const ordinals = sent
      .map((r) => webhookEnvelopeSchema('promise.recorded').parse(JSON.parse(r.body)).data.ordinal)
      .sort();
    expect(ordinals).toEqual([0, 1]);
    const stored = await database.handle.db
      .selectFrom('webhook_events')
      .select('type')
      .where('type', 'in', ['promise.recorded', 'review.item.created'])
      .execute();
    expect(stored.map((e) => e.type)).toEqual(['promise.recorded', 'promise.recorded']);
  });
});

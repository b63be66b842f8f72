import { Readable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../../../services/access/caller.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';

const cli = systemCaller('cli', 'test');
const csv = (lines: string[]) => Readable.from([lines.join('\n') + '\n']);

describe('payments in (file import and API)', () => {
  let api: TestApi;
  const count = async () =>
    Number(
      (
        await api.database.handle.db
          .selectFrom('payments')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    api = await createTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('imports a CSV file, and importing it again changes nothing', async () => {
    const file = [
      'external_id,account,amount,currency,paid_at,channel',
      'P-1,ACC-1,150000,cop,2026-11-03T10:00:00-05:00,pse',
      'P-2,ACC-2,99.5,USD,2026-11-04,card',
      '"P-3","ACC-1","50000.00","COP","2026-11-05T08:00:00Z",',
    ];
    const payments = api.services.collections.payments;
    const first = await payments.importFile(cli, csv(file), 'csv');
    expect(first).toEqual({ rows: 3, imported: 3, duplicates: 0, errors: [], errorCount: 0 });
    const again = await payments.importFile(cli, csv(file), 'csv');
    expect(again).toMatchObject({ rows: 3, imported: 0, duplicates: 3, errorCount: 0 });
    expect(await count()).toBe(3);
    const stored = await api.database.handle.db
      .selectFrom('payments')
      .selectAll()
      .where('external_id', '=', 'P-1')
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      account: 'ACC-1',
      amount: '150000.00',
      currency: 'COP',
      channel: 'pse',
      source: 'file',
    });
    expect(stored.paid_at.toISOString()).toBe('2026-11-03T15:00:00.000Z');
  });

  it('refuses a file with bad rows whole, naming each bad line and why', async () => {
    const before = await count();
    const file = [
      'externalId,account,amount,currency,paidAt',
      'Q-1,ACC-9,100,COP,2026-11-03T10:00:00Z',
      'Q-2,ACC-9,-5,COP,2026-11-03T10:00:00Z',
      'Q-3,ACC-9,100,pesos,2026-11-03T10:00:00Z',
      '',
      'Q-4,,100,COP,yesterday',
      'Q-5,ACC-9,100',
      'P-1,ACC-1,1,COP,2026-11-03T15:00:00Z',
      'Q-6,ACC-9,12.345,COP,2026-11-03T10:00:00Z',
    ];
    const report = await api.services.collections.payments.importFile(cli, csv(file), 'csv');
    expect(report.imported).toBe(0);
    expect(report.rows).toBe(7);
    expect(report.errors.map((e) => e.line)).toEqual([3, 4, 6, 7, 8, 9]);
    expect(report.errors[0]!.reason).toMatch(/amount/);
    expect(report.errors[1]!.reason).toMatch(/currency/);
    expect(report.errors[2]!.reason).toMatch(/account/);
    expect(report.errors[2]!.reason).toMatch(/paidAt/);
    expect(report.errors[3]!.reason).toMatch(/fields/);
    expect(report.errors[4]!.reason).toMatch(/P-1 was imported before with other values/);
    expect(report.errors[5]!.reason).toMatch(/two decimals/);
    // Q-1 was good, and is not stored either.
    expect(await count()).toBe(before);
  });

  it('imports JSON Lines, reporting lines that are not JSON objects', async () => {
    const payments = api.services.collections.payments;
    const bad = Readable.from([
      '{"externalId":"J-1","account":"ACC-3","amount":10,"currency":"USD","paidAt":"2026-11-06T10:00:00Z"}\n',
      '\n',
      '{"externalId": "J-2"\n',
      '[1,2]\n',
    ]);
    const refused = await payments.importFile(cli, bad, 'jsonl');
    expect(refused.errors.map((e) => [e.line, e.reason.split(':')[0]])).toEqual([
      [3, 'not JSON'],
      [4, 'not a JSON object'],
    ]);
    expect(refused.imported).toBe(0);
    const good = Readable.from([
      '{"externalId":"J-1","account":"ACC-3","amount":10,"currency":"USD","paidAt":"2026-11-06T10:00:00Z"}\n',
      '{"external_id":"J-2","customer_ref":"ACC-3","amount":"5","currency":"USD","paid_at":"2026-11-07"}\n',
    ]);
    expect(await payments.importFile(cli, good, 'jsonl')).toMatchObject({ imported: 2, errorCount: 0 });
  });

  it('stores a batch from the collections system through the API, idempotently, with a scoped ingest key', async () => {
    const { key } = await api.keys.create('ingest', 'collections system', { scopes: ['payments:write'] });
    const batch = {
      payments: [
        {
          externalId: 'API-1',
          account: 'ACC-5',
          amount: 1000,
          currency: 'COP',
          paidAt: '2026-11-08T10:00:00Z',
        },
        {
          externalId: 'API-2',
          account: 'ACC-5',
          amount: 500.25,
          currency: 'COP',
          paidAt: '2026-11-08T11:00:00Z',
          channel: 'bank',
        },
      ],
    };
    const post = (body: unknown, k = key) =>
      request(api.app)
        .post('/api/v1/payments')
        .set('Authorization', `Bearer ${k}`)
        .send(body as object);
    const first = await post(batch);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ rows: 2, imported: 2, duplicates: 0 });
    expect((await post(batch)).body).toEqual({ rows: 2, imported: 0, duplicates: 2 });

    // A bad payment: 400 with the field, nothing stored.
    const before = await count();
    const bad = await post({
      payments: [batch.payments[0], { ...batch.payments[1], externalId: 'API-3', amount: 0 }],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toMatch(/payments\.1\.amount/);
    // The same external id with another amount: 409, nothing stored.
    const conflict = await post({
      payments: [
        { ...batch.payments[0], externalId: 'API-4' },
        { ...batch.payments[0], amount: 999 },
      ],
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toMatch(/#2 external id API-1/);
    expect(await count()).toBe(before);

    // An ingest key limited to recordings, and a supervisor's key, may not send payments.
    const recordingsOnly = await api.keys.create('ingest', 'recorder');
    expect((await post(batch, recordingsOnly.key)).status).toBe(403);
    const qa = await api.keys.create('qa_supervisor', 'qa');
    expect((await post(batch, qa.key)).status).toBe(403);

    const audit = await api.database.handle.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', '=', 'payments_import')
      .orderBy('id')
      .execute();
    expect(
      audit.map((a) => (a.details as { source: string }).source),
      JSON.stringify(audit),
    ).toEqual(['file', 'file', 'file', 'api', 'api']);
  });
});

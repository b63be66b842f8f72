import { Readable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { systemCaller } from '../../../services/access/caller.ts';
import { PaymentsRepository } from '../../../services/collections/payments.repository.ts';
import { PromiseLedgerService } from '../../../services/collections/promise-ledger.service.ts';
import { PromiseRepository } from '../../../services/collections/promise.repository.ts';
import { RollupRepository } from '../../../services/collections/rollup.repository.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import { analysed, detected, insertCall, type TestCall } from './collections.harness.ts';

/** The day the ledger is asked about (grace 3 days, tolerance 5 %: the defaults). */
const NOW = new Date('2026-11-20T12:00:00Z');
const cli = systemCaller('cli', 'test');

describe('promise ledger', () => {
  let api: TestApi;
  let qaKey: string;
  const calls: Record<string, TestCall> = {};

  const pay = (lines: string[]) =>
    api.services.collections.payments.importFile(
      cli,
      Readable.from(['externalId,account,amount,currency,paidAt\n', ...lines.map((l) => `${l}\n`)]),
      'csv',
    );
  const promisesOf = async (account: string) =>
    (
      await request(api.app)
        .get('/api/v1/promises')
        .query({ account })
        .set('Authorization', `Bearer ${qaKey}`)
        .expect(200)
    ).body.items as { id: string; status: string; collected: number; amount: number; ordinal: number }[];

  beforeAll(async () => {
    api = await createTestApi({ now: () => NOW });
    qaKey = (await api.keys.create('qa_supervisor', 'qa')).key;
    const promiseOn = async (
      name: string,
      account: string,
      at: string,
      amount: number | null,
      due: string | null,
    ) => {
      calls[name] = await insertCall(api, { startedAt: at, account });
      await analysed(api, calls[name]!, [detected(amount, due)]);
    };
    await promiseOn('kept', 'ACC-K', '2026-11-02T15:00:00Z', 100_000, '2026-11-06');
    await promiseOn('tolerated', 'ACC-T', '2026-11-02T15:00:00Z', 100_000, '2026-11-06');
    await promiseOn('partial', 'ACC-P', '2026-11-02T15:00:00Z', 100_000, '2026-11-06');
    await promiseOn('late', 'ACC-B', '2026-11-02T15:00:00Z', 100_000, '2026-11-06');
    await promiseOn('today', 'ACC-N', '2026-11-18T15:00:00Z', 70_000, '2026-11-20');
    await promiseOn('tomorrow', 'ACC-O', '2026-11-18T16:00:00Z', 20_000, '2026-11-21');
    await promiseOn('later', 'ACC-L', '2026-11-18T17:00:00Z', 500_000, '2026-11-30');
    // Said without a date: due 7 days after the call (2026-11-09), so broken by now.
    await promiseOn('undated', 'ACC-U', '2026-11-02T15:00:00Z', 10_000, null);
    // Two promises on one account, from two calls, served in order.
    await promiseOn('first', 'ACC-M', '2026-11-02T15:00:00Z', 50_000, '2026-11-06');
    await promiseOn('second', 'ACC-M', '2026-11-08T15:00:00Z', 50_000, '2026-11-15');
    const report = await pay([
      'K-1,ACC-K,100000,COP,2026-11-05T10:00:00Z',
      'T-1,ACC-T,96000,COP,2026-11-08T10:00:00Z', // in the grace period, within the tolerance
      'P-1,ACC-P,40000,COP,2026-11-05T10:00:00Z',
      'B-1,ACC-B,100000,COP,2026-11-12T10:00:00Z', // after the grace period
      'B-0,ACC-B,100000,COP,2026-11-01T10:00:00Z', // before the promise
      'M-1,ACC-M,50000,COP,2026-11-05T10:00:00Z',
      'M-2,ACC-M,30000,COP,2026-11-14T10:00:00Z',
    ]);
    expect(report.errorCount).toBe(0);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('keeps, partially keeps or breaks each promise by the account’s payments', async () => {
    const status = async (account: string) => (await promisesOf(account)).map((p) => [p.status, p.collected]);
    expect(await status('ACC-K')).toEqual([['kept', 100_000]]);
    expect(await status('ACC-T')).toEqual([['kept', 96_000]]);
    expect(await status('ACC-P')).toEqual([['partial', 40_000]]);
    expect(await status('ACC-B')).toEqual([['broken', 0]]);
    expect(await status('ACC-N')).toEqual([['pending', 0]]);
    expect(await status('ACC-U')).toEqual([['broken', 0]]);
    expect(await status('ACC-M')).toEqual([
      ['kept', 50_000],
      ['partial', 30_000],
    ]);
    const undated = (await promisesOf('ACC-U'))[0] as unknown as {
      dueDate: string;
      detected: { dueDate: null };
    };
    expect(undated.dueDate).toBe('2026-11-09');
    expect(undated.detected.dueDate).toBeNull();
  });

  it('follows a pending promise to kept when its payment comes in', async () => {
    await pay(['N-1,ACC-N,70000,COP,2026-11-20T09:00:00Z']);
    expect((await promisesOf('ACC-N')).map((p) => p.status)).toEqual(['kept']);
  });

  it('updates a call’s promises when it is analysed again, without duplicating them', async () => {
    const call = await insertCall(api, { startedAt: '2026-11-10T15:00:00Z', account: 'ACC-R' });
    await analysed(api, call, [
      detected(10_000, '2026-11-25', 10_000),
      detected(20_000, '2026-11-26', 50_000),
    ]);
    const before = await promisesOf('ACC-R');
    expect(before.map((p) => [p.ordinal, p.amount])).toEqual([
      [0, 10_000],
      [1, 20_000],
    ]);
    await analysed(api, call, [detected(15_000, '2026-11-25', 10_000)]);
    const after = await promisesOf('ACC-R');
    expect(after.map((p) => [p.id, p.amount])).toEqual([[before[0]!.id, 15_000]]);
  });

  it('lets a supervisor correct a promise: audited, recomputed, and kept through re-analysis', async () => {
    const [partial] = await promisesOf('ACC-P');
    const res = await request(api.app)
      .patch(`/api/v1/promises/${partial!.id}`)
      .set('Authorization', `Bearer ${qaKey}`)
      .send({ amount: 40_000, note: 'the customer agreed to 40,000' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      status: 'kept',
      amount: 40_000,
      detected: { amount: 100_000 },
      correction: { by: 'qa', note: 'the customer agreed to 40,000' },
    });
    const audit = await api.database.handle.db
      .selectFrom('audit_log')
      .select(['action', 'target_id', 'call_id', 'details', 'actor_role'])
      .where('action', '=', 'promise_correct')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      target_id: partial!.id,
      call_id: calls.partial!.id,
      actor_role: 'qa_supervisor',
      details: { before: { amount: 100_000 }, after: { amount: 40_000 } },
    });
    // The detector finds 100,000 again: the supervisor's word stands.
    await analysed(api, calls.partial!, [detected(100_000, '2026-11-06')]);
    expect((await promisesOf('ACC-P')).map((p) => [p.status, p.amount])).toEqual([['kept', 40_000]]);

    // A compliance officer reads promises but does not correct them; nor is a bad correction taken.
    const compliance = (await api.keys.create('compliance_officer', 'co')).key;
    const refused = await request(api.app)
      .patch(`/api/v1/promises/${partial!.id}`)
      .set('Authorization', `Bearer ${compliance}`)
      .send({ voided: true });
    expect(refused.status).toBe(403);
    const empty = await request(api.app)
      .patch(`/api/v1/promises/${partial!.id}`)
      .set('Authorization', `Bearer ${qaKey}`)
      .send({ note: 'nothing' });
    expect(empty.status).toBe(400);
  });

  it('voids what was no promise: the ledger leaves it out', async () => {
    const [first] = await promisesOf('ACC-M');
    await request(api.app)
      .patch(`/api/v1/promises/${first!.id}`)
      .set('Authorization', `Bearer ${qaKey}`)
      .send({ voided: true })
      .expect(200);
    expect((await promisesOf('ACC-M')).map((p) => [p.status, p.collected])).toEqual([
      ['void', 0],
      // The payment of 2026-11-05 came before this promise was made: it does not count for it.
      ['partial', 30_000],
    ]);
  });

  it('queues broken promises and those due today or tomorrow, most owed first, for the dialer', async () => {
    const res = await request(api.app)
      .get('/api/v1/promises/follow-up')
      .set('Authorization', `Bearer ${qaKey}`)
      .expect(200);
    expect(res.body.asOf).toBe('2026-11-20');
    expect(
      res.body.items.map((p: { account: string; status: string; outstanding: number }) => [
        p.account,
        p.status,
        p.outstanding,
      ]),
    ).toEqual([
      ['ACC-B', 'broken', 100_000],
      ['ACC-M', 'partial', 20_000],
      ['ACC-O', 'pending', 20_000],
      ['ACC-U', 'broken', 10_000],
    ]);
    const first = res.body.items[0];
    expect(first).toMatchObject({ callId: calls.late!.id, momentMs: 30_000, phone: '+573001112233' });
    const csv = await request(api.app)
      .get('/api/v1/promises/follow-up.csv')
      .set('Authorization', `Bearer ${qaKey}`)
      .expect(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(
      /^promise_id,account,phone,status,amount,currency,collected,outstanding,due_date/,
    );
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['ACC-B', 'ACC-M', 'ACC-O', 'ACC-U']);
  });

  it('recomputes the whole ledger to the same result', async () => {
    const before = await api.database.handle.db
      .selectFrom('payment_promises')
      .select(['id', 'collected'])
      .orderBy('id')
      .execute();
    await api.database.handle.db.updateTable('payment_promises').set({ collected: 0 }).execute();
    const done = await api.services.collections.ledger.recomputeAll();
    expect(done.promises).toBe(before.length);
    const after = await api.database.handle.db
      .selectFrom('payment_promises')
      .select(['id', 'collected'])
      .orderBy('id')
      .execute();
    expect(after).toEqual(before);
  });
});

describe('promise ledger, whole recompute', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ now: () => NOW });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('allocates a random ledger the same with ranges in parallel as account by account, and marks the summaries for a rebuild', async () => {
    const db = api.database.handle.db;
    // 2,400 promises from 2,400 calls on 600 accounts (some without an amount, some voided, two currencies),
    // against 3,000 payments.
    await sql`SELECT setseed(0.18)`.execute(db);
    await sql`
      INSERT INTO calls (started_at, ended_at, duration_ms, source, customer_ref, agent_id, currency, custom)
      SELECT t, t + interval '2 minutes', 120000, 'seed', 'R-' || lpad((i % 600)::text, 5, '0'), 'A' || (i % 7),
             'COP', '{}'
      FROM generate_series(1, 2400) i,
           lateral (select timestamptz '2026-10-01T12:00:00Z' + (random() * 40 + 0 * i) * interval '1 day' as t) x`.execute(
      db,
    );
    await sql`
      INSERT INTO payment_promises (call_id, ordinal, account, made_at, kind, amount, currency, due_date, window_end,
                                    voided)
      SELECT id, 0, customer_ref, started_at, 'statement',
             case when random() < 0.1 then null else round((1000 + random() * 99000)::numeric, 2) end,
             case when random() < 0.1 then 'USD' else 'COP' end, d, d, random() < 0.05
      FROM calls, lateral (select (started_at at time zone 'UTC')::date + (random() * 10)::int as d) x
      WHERE customer_ref LIKE 'R-%'`.execute(db);
    await sql`
      INSERT INTO payments (external_id, account, amount, currency, paid_at, source)
      SELECT 'R-' || i, 'R-' || lpad((random() * 599)::int::text, 5, '0'), round((500 + random() * 60000)::numeric, 2),
             case when random() < 0.1 then 'USD' else 'COP' end,
             timestamptz '2026-10-01T00:00:00Z' + random() * interval '50 days', 'file'
      FROM generate_series(1, 3000) i`.execute(db);
    const allocations = () =>
      sql<{
        id: string;
        collected: string;
        kept_threshold: string | null;
        window_end: string;
        last: string | null;
      }>`
        SELECT id, collected, kept_threshold, window_end::text, last_payment_at::text AS last
        FROM payment_promises WHERE account LIKE 'R-%' ORDER BY id`
        .execute(db)
        .then((r) => r.rows);
    const reset = () =>
      sql`UPDATE payment_promises SET collected = 0, kept_threshold = null, window_end = due_date,
            last_payment_at = null WHERE account LIKE 'R-%'`.execute(db);
    // Allocations above 300 at once mark the summaries for a rebuild (10,000 in service).
    const ledger = new PromiseLedgerService({
      promises: new PromiseRepository(db),
      payments: new PaymentsRepository(db),
      auditor: { recordFor: () => Promise.resolve() },
      policy: { graceDays: 3, tolerance: 0.05, defaultDueDays: 7 },
      markCellsUpTo: 300,
    });
    // Account by account (pages of the accounts named), the way an import recomputes.
    await reset();
    const accounts = (
      await sql<{
        account: string;
      }>`SELECT DISTINCT account FROM payment_promises WHERE account LIKE 'R-%'`.execute(db)
    ).rows.map((r) => r.account);
    await db.transaction().execute((trx) => ledger.recomputeAccounts(trx, accounts));
    const expected = await allocations();
    expect(expected.filter((a) => Number(a.collected) > 0).length).toBeGreaterThan(100);

    const rollups = new RollupRepository(db);
    await rollups.rebuild(ledger.calendar, '2026-11-20');
    await reset();
    // A roll count no call gives: gone if the roll were counted again.
    await sql`INSERT INTO collections_roll_totals (kind, period, a_idx, b_idx, accounts)
              VALUES ('day', '1999-01-01', 0, 0, 1)`.execute(db);
    // Ranges of 100 accounts (about 400 promises), two at a time.
    await ledger.recomputeAll(undefined, { inFlight: 2, rangeAccounts: 100 });
    expect(await allocations()).toEqual(expected);
    // Only the daily sums are marked: promises do not change the roll.
    expect(await rollups.state()).toMatchObject({ built: true, sumsBuilt: false });
    expect(await rollups.ensureFresh(ledger.calendar, '2026-11-20')).toBe('rebuilt');
    expect((await rollups.state()).sumsBuilt).toBe(true);
    const kept = await sql<{ n: string }>`
      SELECT count(*) AS n FROM collections_roll_totals WHERE period = '1999-01-01'`.execute(db);
    expect(Number(kept.rows[0]!.n)).toBe(1);
    await sql`DELETE FROM collections_roll_totals WHERE period = '1999-01-01'`.execute(db);

    await reset();
    await rollups.ensureFresh(ledger.calendar, '2026-11-20');
    // One range at a time, each with fewer changes than that: the cells are marked.
    await ledger.recomputeAll(undefined, { inFlight: 1, rangeAccounts: 50 });
    expect((await rollups.state()).dirty).toBe(1);
    expect(await allocations()).toEqual(expected);
  });
});

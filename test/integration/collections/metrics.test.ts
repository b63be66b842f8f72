import { Readable } from 'node:stream';
import { sql, type SqlBool } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemCaller } from '../../../services/access/caller.ts';
import { Calendar } from '../../../services/collections/calendar.ts';
import { MetricsRepository } from '../../../services/collections/metrics.repository.ts';
import { RollupRepository, SEGMENT_DIMS } from '../../../services/collections/rollup.repository.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import { analysed, detected, insertCall, seedAnalysis } from './collections.harness.ts';

const NOW = new Date('2026-11-20T12:00:00Z');

describe('collections metrics', () => {
  let api: TestApi;
  let key: string;
  const get = (query: Record<string, string>, path = '/api/v1/portfolio/metrics') =>
    request(api.app).get(path).query(query).set('Authorization', `Bearer ${key}`);

  beforeAll(async () => {
    api = await createTestApi({ now: () => NOW });
    key = (await api.keys.create('qa_supervisor', 'qa')).key;
    const ana = { agentId: 'A1', agentName: 'Ana', team: 't1', campaign: 'late-stage' };
    const beto = { agentId: 'A2', agentName: 'Beto', team: 't2', campaign: 'early-stage' };
    const c1 = await insertCall(api, {
      ...ana,
      startedAt: '2026-11-02T10:00:00Z',
      durationMs: 120_000,
      account: 'ACC-1',
      daysPastDue: 45,
      amountDue: 250_000,
      product: 'card',
      region: 'Bogotá',
      country: 'CO',
    });
    await seedAnalysis(api, c1.id, { contact: true, disclosure: 'disclosed', adherence: 80 });
    await analysed(api, c1, [detected(100_000, '2026-11-06')]);
    const c2 = await insertCall(api, {
      ...ana,
      startedAt: '2026-11-02T10:30:00Z',
      durationMs: 60_000,
      account: 'ACC-2',
      daysPastDue: 15,
      country: 'MX',
    });
    await seedAnalysis(api, c2.id, {
      contact: true,
      disclosure: 'partial',
      adherence: 60,
      violations: ['threat'],
    });
    await analysed(api, c2, [detected(50_000, '2026-11-06')]);
    await insertCall(api, {
      ...ana,
      startedAt: '2026-11-02T14:00:00Z',
      durationMs: 30_000,
      account: 'ACC-3',
    });
    const c4 = await insertCall(api, {
      ...beto,
      startedAt: '2026-11-03T09:00:00Z',
      durationMs: 180_000,
      account: 'ACC-4',
      daysPastDue: 5,
    });
    await seedAnalysis(api, c4.id, { contact: false, disclosure: 'disclosed', adherence: 90 });
    const c5 = await insertCall(api, {
      ...beto,
      startedAt: '2026-11-03T09:20:00Z',
      durationMs: 240_000,
      account: 'ACC-5',
      daysPastDue: 100,
    });
    await seedAnalysis(api, c5.id, { contact: true, disclosure: 'disclosed', adherence: 100 });
    await analysed(api, c5, [detected(80_000, '2026-11-25')]);
    await api.services.collections.payments.importFile(
      systemCaller('cli', 'test'),
      Readable.from([
        'externalId,account,amount,currency,paidAt\nK-1,ACC-1,100000,COP,2026-11-05T10:00:00Z\n',
      ]),
      'csv',
    );
  });
  afterAll(async () => {
    await api?.close();
  });

  it('puts productivity, effectiveness and conduct side by side per agent and week', async () => {
    const res = await get({ by: 'agent', period: 'week' }).expect(200);
    expect(res.body).toMatchObject({ by: 'agent', period: 'week', asOf: '2026-11-20' });
    expect(res.body.items).toEqual([
      {
        key: 'A1',
        label: 'Ana',
        period: '2026-11-02',
        calls: 3,
        contacts: 2,
        talkMs: 210_000,
        ahtMs: 70_000,
        callsPerAgentHour: 1.5,
        promiseRate: 1,
        promises: 2,
        amountPromised: 150_000,
        kept: 1,
        partial: 0,
        broken: 1,
        pending: 0,
        keptRate: 0.5,
        brokenRate: 0.5,
        amountCollected: 100_000,
        currencies: ['COP'],
        analysed: 2,
        disclosureRate: 0.5,
        adherenceScore: 70,
        forbiddenRate: 0.5,
      },
      {
        key: 'A2',
        label: 'Beto',
        period: '2026-11-02',
        calls: 2,
        contacts: 1,
        talkMs: 420_000,
        ahtMs: 210_000,
        callsPerAgentHour: 2,
        promiseRate: 1,
        promises: 1,
        amountPromised: 80_000,
        kept: 0,
        partial: 0,
        broken: 0,
        pending: 1,
        keptRate: null,
        brokenRate: null,
        amountCollected: 0,
        currencies: ['COP'],
        analysed: 2,
        disclosureRate: 1,
        adherenceScore: 95,
        forbiddenRate: 0,
      },
    ]);
  });

  it('segments the portfolio by days past due, per month and per day', async () => {
    const res = await get({ by: 'daysPastDue', period: 'month' }).expect(200);
    expect(
      res.body.items.map(
        (r: { key: string; period: string; calls: number; contacts: number; brokenRate: number }) => [
          r.key,
          r.period,
          r.calls,
          r.contacts,
          r.brokenRate,
        ],
      ),
    ).toEqual([
      ['1-30', '2026-11-01', 2, 1, 1],
      ['31-60', '2026-11-01', 1, 1, 0],
      ['91-180', '2026-11-01', 1, 1, null],
      [null, '2026-11-01', 1, 0, null],
    ]);
    const byCountry = await get({ by: 'country', period: 'month', team: 't1' }).expect(200);
    expect(byCountry.body.items.map((r: { key: string; calls: number }) => [r.key, r.calls])).toEqual([
      ['CO', 1],
      ['MX', 1],
      [null, 1],
    ]);
    const byDay = await get({ by: 'team', period: 'day', team: 't2' }).expect(200);
    expect(
      byDay.body.items.map((r: { key: string; period: string; calls: number }) => [r.key, r.period, r.calls]),
    ).toEqual([['t2', '2026-11-03', 2]]);
  });

  it('shows contact and promise rates by hour of day and weekday, for the best time to call', async () => {
    const byHour = await get({ by: 'hourOfDay', period: 'month', team: 't1' }).expect(200);
    expect(
      byHour.body.items.map(
        (r: { key: string; calls: number; contacts: number; promiseRate: number | null }) => [
          r.key,
          r.calls,
          r.contacts,
          r.promiseRate,
        ],
      ),
    ).toEqual([
      ['10', 2, 2, 1],
      ['14', 1, 0, null],
    ]);
    const byDay = await get({ by: 'weekday', period: 'month' }).expect(200);
    expect(byDay.body.items.map((r: { key: string; calls: number }) => [r.key, r.calls])).toEqual([
      ['1', 3],
      ['2', 2],
    ]);
  });

  it('keeps its summary rows current as days pass, payments come and time zones change', async () => {
    const rollups = new RollupRepository(api.database.handle.db);
    const metrics = new MetricsRepository(api.database.handle.db);
    const utc = new Calendar('UTC');
    const beto = async () =>
      (await metrics.metrics('agent', 'month', {}, () => [])).find((r) => r.key === 'A2')!;
    // Beto's promise is due on the 25th (window to the 28th): pending on the 20th, broken on December 1st.
    expect(await rollups.ensureFresh(utc, '2026-12-01')).toBe('refreshed');
    expect(await beto()).toMatchObject({ pending: 0, broken: 1, kept: 0 });
    await rollups.ensureFresh(utc, '2026-11-20');
    expect(await beto()).toMatchObject({ pending: 1, broken: 0 });
    // A payment: the promise's cell is summed again at the next read.
    await api.services.collections.payments.importFile(
      systemCaller('cli', 'test'),
      Readable.from([
        'externalId,account,amount,currency,paidAt\nK-5,ACC-5,80000,COP,2026-11-24T10:00:00Z\n',
      ]),
      'csv',
    );
    const now = await get({ by: 'agent', period: 'month' }).expect(200);
    expect(now.body.items.find((r: { key: string }) => r.key === 'A2')).toMatchObject({
      kept: 1,
      pending: 0,
      amountCollected: 80_000,
    });
    // What was kept current is what a rebuild sums.
    await rollups.rebuild(utc, '2026-11-20');
    expect((await get({ by: 'agent', period: 'month' }).expect(200)).body.items).toEqual(now.body.items);
    // Days and hours in Bogotá (UTC-5): Beto's 09:00 UTC calls are at 04:00; Ana's 14:00 at 09:00.
    expect(await rollups.ensureFresh(new Calendar('America/Bogota'), '2026-11-20')).toBe('rebuilt');
    const hours = await metrics.metrics('hourOfDay', 'month', {}, () => []);
    expect(hours.map((r) => [r.key, r.calls])).toEqual([
      ['04', 2],
      ['05', 2],
      ['09', 1],
    ]);
    await rollups.ensureFresh(utc, '2026-11-20');
  });

  it('follows accounts between days-past-due buckets month to month: roll, cure and normalisation', async () => {
    const moves: [string, number, number][] = [
      ['R-1', 20, 45], // rolled
      ['R-2', 40, 0], // cured (and improved)
      ['R-3', 70, 50], // improved
      ['R-4', 10, 15], // stayed
    ];
    for (const [account, october, november] of moves) {
      await insertCall(api, {
        startedAt: '2026-10-05T10:00:00Z',
        account,
        daysPastDue: october + 30,
        team: 'roll',
      });
      // The last call of the month counts.
      await insertCall(api, {
        startedAt: '2026-10-20T10:00:00Z',
        account,
        daysPastDue: october,
        team: 'roll',
      });
      await insertCall(api, {
        startedAt: '2026-11-12T10:00:00Z',
        account,
        daysPastDue: november,
        team: 'roll',
      });
    }
    await insertCall(api, {
      startedAt: '2026-10-20T10:00:00Z',
      account: 'R-5',
      daysPastDue: 10,
      team: 'roll',
    });
    const res = await get({ by: 'all', period: 'month', team: 'roll' }, '/api/v1/portfolio/roll').expect(200);
    expect(res.body.items).toEqual([
      {
        key: 'all',
        period: '2026-10-01',
        accounts: 4,
        delinquent: 4,
        rolled: 1,
        stayed: 1,
        improved: 2,
        cured: 1,
        rollRate: 0.25,
        cureRate: 0.25,
        normalisationRate: 0.5,
      },
    ]);
    const byBucket = await get(
      { by: 'daysPastDue', period: 'month', team: 'roll' },
      '/api/v1/portfolio/roll',
    ).expect(200);
    expect(
      byBucket.body.items.map((r: { key: string; rolled: number; cured: number }) => [
        r.key,
        r.rolled,
        r.cured,
      ]),
    ).toEqual([
      ['1-30', 1, 0],
      ['31-60', 0, 1],
      ['61-90', 0, 0],
    ]);
  });

  it('exports the same as CSV, audited', async () => {
    const csv = await get(
      { by: 'campaign', period: 'week', from: '2026-11-01', to: '2026-11-10' },
      '/api/v1/portfolio/metrics.csv',
    ).expect(200);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]!.split(',').slice(0, 5)).toEqual(['key', 'label', 'period', 'calls', 'contacts']);
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4).join(','))).toEqual([
      'early-stage,,2026-11-02,2',
      'late-stage,,2026-11-02,3',
    ]);
    const audit = await api.database.handle.db
      .selectFrom('audit_log')
      .select('target_type')
      .where('action', '=', 'export')
      .execute();
    expect(audit.map((a) => a.target_type)).toEqual(['collections_metrics']);
  });
});

describe('collections metrics by hour of day over the whole portfolio', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await createTestApi({ now: () => NOW });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('sums the hourly and segment rows to what the rows per agent give, and to the calls themselves', async () => {
    const db = api.database.handle.db;
    const utc = new Calendar('UTC');
    const rollups = new RollupRepository(db);
    const metrics = new MetricsRepository(db);
    await sql`SELECT setseed(0.42)`.execute(db);
    await sql`
      INSERT INTO calls (started_at, ended_at, duration_ms, source, customer_ref, agent_id, agent_name, team,
                         campaign, language, currency, days_past_due, amount_due, product, region, country, custom)
      SELECT t, t + interval '2 minutes', (random() * 600000)::int, 'seed', 'H-' || (i % 97),
             case when i % 11 = 0 then null else 'A' || (i % 9) end, 'Agent', 'T' || (i % 3), 'C' || (i % 4),
             case when i % 2 = 0 then 'es' else 'en' end, 'COP',
             case when i % 13 = 0 then null else (random() * 220)::int - 10 end, (random() * 2000000)::int,
             (array['card', 'loan', null])[1 + i % 3], (array['Antioquia', 'Jalisco'])[1 + i % 2],
             (array['CO', 'MX', 'ES', null])[1 + i % 4], '{}'
      FROM generate_series(1, 1500) i,
           lateral (select timestamptz '2026-10-20T00:00:00Z' + (random() * 40 + 0 * i) * interval '1 day' as t) x`.execute(
      db,
    );
    await sql`
      INSERT INTO call_analysis (call_id, analytics_version, language, disclosure_profile, disclosure_outcome,
                                 adherence_score, adherence_passed, promise_to_pay, classification, violations, result)
      SELECT id, 1, 'es', 'co', case when random() < 0.3 then 'partial' else 'disclosed' end, (random() * 100)::int,
             true, true, 'right_party', case when random() < 0.1 then array['threat'] else array[]::text[] end,
             case when random() < 0.7 then '{"talk":{"speakers":{"agent":{},"customer":{}}}}'::jsonb
                  else '{"talk":{"speakers":{"agent":{}}}}'::jsonb end
      FROM calls WHERE customer_ref LIKE 'H-%' AND random() < 0.9`.execute(db);
    await sql`
      INSERT INTO payment_promises (call_id, ordinal, account, made_at, kind, amount, currency, due_date, window_end,
                                    collected)
      SELECT id, 0, customer_ref, started_at, 'statement', (1 + (random() * 50)::int) * 1000, 'COP',
             started_at::date + 3, started_at::date + 6, case when random() < 0.4 then 1000 else 0 end
      FROM calls WHERE customer_ref LIKE 'H-%' AND random() < 0.3`.execute(db);
    const perAgent = () => [sql<SqlBool>`true`];
    const compare = async () => {
      await rollups.ensureFresh(utc, '2026-11-20');
      for (const period of ['day', 'week', 'month'] as const) {
        const filter = { from: '2026-10-26', to: '2026-11-23' };
        const hourly = await metrics.metrics('hourOfDay', period, filter, () => []);
        expect(hourly.length).toBeGreaterThan(period === 'day' ? 200 : 20);
        expect(hourly).toEqual(await metrics.metrics('hourOfDay', period, filter, perAgent));
        // The portfolio segments over every agent (collections_segments) as the rows per agent give them.
        for (const dim of SEGMENT_DIMS) {
          const segments = await metrics.metrics(dim, period, filter, () => []);
          expect(segments.length, dim).toBeGreaterThan(period === 'day' ? 40 : 2);
          expect(segments, `${dim} ${period}`).toEqual(await metrics.metrics(dim, period, filter, perAgent));
        }
      }
      // Calls and agent-hours per hour of day, from the calls.
      const direct = (
        await sql<{ hour: string; calls: number }>`
          SELECT to_char(started_at AT TIME ZONE 'UTC', 'HH24') AS hour, count(*)::int AS calls
          FROM calls WHERE started_at >= '2026-10-26T00:00:00Z' AND started_at < '2026-11-23T00:00:00Z'
          GROUP BY 1 ORDER BY 1`.execute(db)
      ).rows;
      const hourly = await metrics.metrics(
        'hourOfDay',
        'month',
        { from: '2026-10-26', to: '2026-11-23' },
        () => [],
      );
      const summed = new Map<string, number>();
      for (const r of hourly) summed.set(r.key!, (summed.get(r.key!) ?? 0) + r.calls);
      expect([...summed].sort()).toEqual(direct.map((d) => [d.hour, d.calls]));
      const month = await metrics.metrics(
        'hourOfDay',
        'month',
        { from: '2026-11-01', to: '2026-12-01' },
        () => [],
      );
      const directMonth = (
        await sql<{ hour: string; agent_calls: number; agent_hours: number }>`
          SELECT to_char(started_at AT TIME ZONE 'UTC', 'HH24') AS hour,
                 count(*) FILTER (WHERE agent_id IS NOT NULL)::int AS agent_calls,
                 count(DISTINCT (agent_id, (started_at AT TIME ZONE 'UTC')::date))
                   FILTER (WHERE agent_id IS NOT NULL)::int AS agent_hours
          FROM calls WHERE started_at >= '2026-11-01T00:00:00Z' AND started_at < '2026-12-01T00:00:00Z'
          GROUP BY 1 ORDER BY 1`.execute(db)
      ).rows;
      expect(month.map((r) => [r.key, r.callsPerAgentHour])).toEqual(
        directMonth.map((d) => [d.hour, d.agent_calls / d.agent_hours]),
      );
    };
    await rollups.rebuild(utc, '2026-11-20');
    await compare();
    // Changes summed again cell by cell: calls moved to another agent and hour, analyses and promises changed.
    await sql`UPDATE calls SET agent_id = 'A1', started_at = started_at + interval '1 hour', ended_at = ended_at + interval '1 hour'
              WHERE customer_ref LIKE 'H-%' AND agent_id = 'A2' AND started_at < '2026-11-05'`.execute(db);
    await sql`UPDATE call_analysis SET disclosure_outcome = 'disclosed'
              WHERE call_id IN (SELECT id FROM calls WHERE agent_id = 'A3')`.execute(db);
    await sql`UPDATE payment_promises SET collected = amount WHERE account = 'H-5'`.execute(db);
    expect(await rollups.ensureFresh(utc, '2026-11-20')).toBe('refreshed');
    await compare();
  });
});

import { chmod, mkdir } from 'node:fs/promises';
import { sql } from 'kysely';
import { buildCollections } from '../../services/composition.ts';
import { MetricsRepository, type MetricDimension } from '../../services/collections/metrics.repository.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { percentile, round } from './stats.ts';

/**
 * The promise ledger recomputed whole (`escucha payments recompute`): N promises, one per call, on N/2 accounts,
 * against 2N payments (default N = 1,000,000; target under 60 s), then the collections metrics queries over those
 * calls (p95 per grouping; target under 300 ms). Seeded with SQL into ESCUCHA_BENCH_DIR/ledger (default
 * /tmp/escucha-bench/ledger) and kept for later runs of the same size.
 */
export interface LedgerBenchResult {
  promises: number;
  payments: number;
  accounts: number;
  recomputeSeconds: number;
  promisesPerSecond: number;
  outcomes: Record<string, number>;
  metrics: { by: string; period: string; p50Ms: number; p95Ms: number }[];
}

const QUERIES: { by: MetricDimension; period: 'day' | 'week' | 'month' }[] = [
  { by: 'agent', period: 'week' },
  { by: 'team', period: 'month' },
  { by: 'campaign', period: 'day' },
  { by: 'daysPastDue', period: 'month' },
  { by: 'all', period: 'week' },
];

export async function run(options: { promises?: number; rounds?: number } = {}): Promise<LedgerBenchResult> {
  const n = options.promises ?? 1_000_000;
  const rounds = options.rounds ?? 10;
  const accounts = Math.max(1, Math.floor(n / 2));
  const dir = `${process.env.ESCUCHA_BENCH_DIR ?? '/tmp/escucha-bench'}/ledger-${n}`;
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const config = loadConfig({ env: {}, overrides: { dataDir: dir } });
  const logger = silentLogger();
  const database = await openDatabase(config, logger, { as: 'owner' });
  const db = database.db;
  try {
    await migrateToLatest(db, logger);
    const have = Number(
      (await sql<{ n: string }>`select count(*) as n from payment_promises`.execute(db)).rows[0]!.n,
    );
    if (have < n) {
      console.error(`seeding ${n} calls and promises and ${2 * n} payments into ${dir}...`);
      await sql`truncate payment_promises, payments, calls cascade`.execute(db);
      await sql`
        insert into calls (started_at, ended_at, duration_ms, source, customer_ref, agent_id, agent_name, team,
                           campaign, currency, days_past_due, custom)
        select t, t + interval '3 minutes', 60000 + (i % 300) * 1000, 'seed', 'ACC-' || (i % ${accounts}),
               'A' || (i % 300), 'Agent ' || (i % 300), 'T' || (i % 20), 'C' || (i % 6), 'COP', i % 200, '{}'
        from generate_series(1, ${n}) i,
             lateral (select timestamptz '2026-09-01T13:00:00Z' + (i % 60) * interval '1 day'
                             + (i % 600) * interval '1 minute' as t) x`.execute(db);
      await sql`
        insert into payment_promises (call_id, ordinal, account, made_at, kind, amount, currency, due_date, window_end)
        select id, 0, customer_ref, started_at, 'statement', 10000 * (1 + abs(hashtext(id::text)) % 20), 'COP',
               (started_at at time zone 'UTC')::date + 3, (started_at at time zone 'UTC')::date + 3
        from calls`.execute(db);
      await sql`
        insert into payments (external_id, account, amount, currency, paid_at, source)
        select 'P-' || i, 'ACC-' || (i % ${accounts}), 5000 * (1 + i % 30), 'COP',
               timestamptz '2026-09-01T00:00:00Z' + (i % 70) * interval '1 day' + (i % 1440) * interval '1 minute', 'file'
        from generate_series(1, ${2 * n}) i`.execute(db);
      await sql`analyze`.execute(db);
    }
    const audit = { recordFor: () => Promise.resolve() };
    const now = () => new Date('2026-11-15T12:00:00Z');
    const { ledger } = buildCollections(config, db, audit, now);
    const started = performance.now();
    const done = await ledger.recomputeAll();
    const seconds = (performance.now() - started) / 1000;
    const outcomes = Object.fromEntries(
      (
        await sql<{ status: string; n: string }>`
          select case when collected >= kept_threshold then 'kept'
                      when window_end >= date '2026-11-15' then 'pending'
                      when collected > 0 then 'partial' else 'broken' end as status, count(*) as n
          from payment_promises group by 1`.execute(db)
      ).rows.map((r) => [r.status, Number(r.n)]),
    );
    const metrics = new MetricsRepository(db);
    // An admin's view: every call.
    const unrestricted = () => [];
    const filter = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-11-01T00:00:00Z') };
    const results: LedgerBenchResult['metrics'] = [];
    for (const q of QUERIES) {
      await metrics.metrics(q.by, q.period, filter, '2026-11-15', unrestricted);
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const t = performance.now();
        await metrics.metrics(q.by, q.period, filter, '2026-11-15', unrestricted);
        times.push(performance.now() - t);
      }
      results.push({ ...q, p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)) });
    }
    return {
      promises: done.promises,
      payments: 2 * n,
      accounts: done.accounts,
      recomputeSeconds: round(seconds),
      promisesPerSecond: Math.round(done.promises / seconds),
      outcomes,
      metrics: results,
    };
  } finally {
    await database.close();
  }
}

import { chmod, mkdir, readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { buildCollections } from '../../services/composition.ts';
import { Calendar } from '../../services/collections/calendar.ts';
import {
  MetricsRepository,
  type MetricDimension,
  type RollDimension,
} from '../../services/collections/metrics.repository.ts';
import { RollupRepository } from '../../services/collections/rollup.repository.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { round, timeRounds } from './stats.ts';

/**
 * The promise ledger recomputed whole (`escucha payments recompute`): N promises, one per analysed call, on N/2
 * accounts, against 2N payments (default N = 1,000,000; target under 60 s): once from scratch (every promise
 * changes) and once more (nothing changes). Then the collections dashboards over those calls: the summary rows
 * rebuilt (`escucha payments rollup`), the cells of one day's changes summed again, and each dashboard query's p50
 * and p95 over one month (target p95 under 300 ms at 10,000,000 calls), roll included. Seeded with SQL into
 * ESCUCHA_BENCH_DIR/ledger-N (default /tmp/escucha-bench) and kept for later runs of the same size.
 */
export interface LedgerBenchResult {
  /** Seconds spent seeding in this run (0: the seeded database of an earlier run was used). */
  seedSeconds: number;
  /** The machine's load averages (1, 5, 15 min) as the recompute started and as it ended. */
  loadBefore: number[];
  loadAfter: number[];
  /** CPU seconds the recompute took in this process and in the database's processes (less load-dependent). */
  recomputeCpu: { node: number; postgres: number };
  promises: number;
  payments: number;
  accounts: number;
  recomputeSeconds: number;
  promisesPerSecond: number;
  /** The same recompute again, with nothing to change. */
  recomputeAgainSeconds: number;
  outcomes: Record<string, number>;
  rollupRebuildSeconds: number;
  summaryRows: number;
  /** The analyses of 5 agents' calls on one day changed (this many), then the dashboards' refresh. */
  rollupRefreshCalls: number;
  rollupRefreshMs: number;
  /** Rows of the roll summary (transitions by period, days, buckets, agent, team and campaign). */
  rollRows: number;
  /** The same without the days (what a range that cuts no period reads). */
  rollTotalsRows: number;
  /** Days past due changed on this many calls (and so on their accounts), then the dashboards' refresh. */
  rollRefreshCalls: number;
  rollRefreshMs: number;
  metrics: { by: string; period: string; p50Ms: number; p95Ms: number }[];
}

export const QUERIES: { by: MetricDimension; period: 'day' | 'week' | 'month'; team?: string }[] = [
  { by: 'agent', period: 'week' },
  { by: 'team', period: 'month' },
  { by: 'campaign', period: 'day' },
  { by: 'daysPastDue', period: 'month' },
  { by: 'all', period: 'week' },
  { by: 'country', period: 'month' },
  { by: 'hourOfDay', period: 'month' },
  { by: 'weekday', period: 'month' },
  // One team's hours: read from the rows per agent, not the hourly ones.
  { by: 'hourOfDay', period: 'month', team: 'T1' },
];

export const ROLLS: { by: RollDimension; period: 'day' | 'week' | 'month' }[] = [
  { by: 'daysPastDue', period: 'week' },
  { by: 'agent', period: 'week' },
  { by: 'team', period: 'month' },
  { by: 'campaign', period: 'day' },
];

/** CPU seconds of the embedded PostgreSQL whose data directory this is: its postmaster, live and ended children. */
export async function postgresCpuSeconds(dataDir: string): Promise<number> {
  const tick = 100;
  const pid = Number((await readFile(`${dataDir}/postgres/postmaster.pid`, 'utf8')).split('\n')[0]);
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Fields after the command's closing parenthesis: state ppid ... utime(14) stime(15) cutime(16) cstime(17).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) === pid) total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    else if (Number(f[1]) === pid) total += Number(f[11]) + Number(f[12]);
  }
  return total / tick;
}

export const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const load = () => loadavg().map((l) => round(l));

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
    let seedSeconds = 0;
    if (have < n) {
      const seedStarted = performance.now();
      console.error(`seeding ${n} calls and promises and ${2 * n} payments into ${dir}...`);
      await sql`truncate payment_promises, payments, calls cascade`.execute(db);
      await sql`
        insert into calls (started_at, ended_at, duration_ms, source, customer_ref, agent_id, agent_name, team,
                           campaign, currency, days_past_due, amount_due, product, country, custom)
        select t, t + interval '3 minutes', 60000 + (i % 300) * 1000, 'seed', 'ACC-' || (i % ${accounts}),
               'A' || (i % 300), 'Agent ' || (i % 300), 'T' || (i % 20), 'C' || (i % 6), 'COP', i % 200,
               (i % 97) * 10000, (array['card', 'loan', 'mortgage'])[1 + i % 3],
               (array['CO', 'MX', 'ES', 'US'])[1 + i % 4], '{}'
        from generate_series(1, ${n}) i,
             -- Every agent calls on every day of the 60, over ten hours.
             lateral (select timestamptz '2026-09-01T13:00:00Z' + ((i / 300) % 60) * interval '1 day'
                             + (i % 601) * interval '1 minute' as t) x`.execute(db);
      await sql`
        insert into call_analysis (call_id, analytics_version, language, disclosure_profile, disclosure_outcome,
                                   adherence_score, adherence_passed, promise_to_pay, classification, violations,
                                   result)
        select id, 1, 'es', 'co', case when i % 5 = 0 then 'partial' else 'disclosed' end, 50 + i % 50,
               50 + i % 50 >= 70, true, 'right_party',
               case when i % 25 = 0 then array['threat'] else array[]::text[] end,
               '{"talk":{"speakers":{"agent":{},"customer":{}}}}'::jsonb
        from (select id, row_number() over () as i from calls) c`.execute(db);
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
      seedSeconds = (performance.now() - seedStarted) / 1000;
      console.error(`seeded in ${round(seedSeconds)} s`);
    }
    const audit = { recordFor: () => Promise.resolve() };
    const now = () => new Date('2026-11-15T12:00:00Z');
    const { ledger } = buildCollections(config, db, audit, now);
    // From scratch: every promise's allocation changes.
    await sql`update payment_promises set collected = 0, kept_threshold = null, window_end = due_date,
              last_payment_at = null where collected <> 0 or kept_threshold is not null`.execute(db);
    await sql`vacuum analyze payment_promises`.execute(db);
    const loadBefore = load();
    const cpuBefore = { node: cpuSeconds(), postgres: await postgresCpuSeconds(dir) };
    let started = performance.now();
    const done = await ledger.recomputeAll();
    const seconds = (performance.now() - started) / 1000;
    const recomputeCpu = {
      node: round(cpuSeconds() - cpuBefore.node),
      postgres: round((await postgresCpuSeconds(dir)) - cpuBefore.postgres),
    };
    const loadAfter = load();
    console.error(
      `recomputed ${done.promises} promises in ${round(seconds)} s (load ${loadAfter.join(' ')})`,
    );
    started = performance.now();
    await ledger.recomputeAll();
    const againSeconds = (performance.now() - started) / 1000;
    const outcomes = Object.fromEntries(
      (
        await sql<{ status: string; n: string }>`
          select case when collected >= kept_threshold then 'kept'
                      when window_end >= date '2026-11-15' then 'pending'
                      when collected > 0 then 'partial' else 'broken' end as status, count(*) as n
          from payment_promises group by 1`.execute(db)
      ).rows.map((r) => [r.status, Number(r.n)]),
    );
    const calendar = new Calendar('UTC');
    const rollups = new RollupRepository(db);
    started = performance.now();
    await rollups.rebuild(calendar, '2026-11-15');
    const rebuildSeconds = (performance.now() - started) / 1000;
    const summaryRows = Number(
      (await sql<{ n: string }>`select count(*) as n from collections_daily`.execute(db)).rows[0]!.n,
    );
    await sql`vacuum analyze collections_daily`.execute(db);
    // New analyses of 5 agents' calls of one day, then the refresh the next dashboard read does.
    const changed = await sql`update call_analysis set adherence_score = adherence_score + 1
              where call_id in (select id from calls where started_at >= '2026-10-15T00:00:00Z'
                                and started_at < '2026-10-16T00:00:00Z' and agent_id in ('A1', 'A2', 'A3', 'A4', 'A5'))`.execute(
      db,
    );
    const refreshedCalls = Number(changed.numAffectedRows ?? 0);
    started = performance.now();
    await rollups.ensureFresh(calendar, '2026-11-15');
    const refreshMs = performance.now() - started;
    // Days past due changed on the same calls: the roll summaries of their accounts counted again.
    const moved = await sql`update calls set days_past_due = days_past_due + 31
              where started_at >= '2026-10-15T00:00:00Z' and started_at < '2026-10-16T00:00:00Z'
                and agent_id in ('A1', 'A2', 'A3', 'A4', 'A5')`.execute(db);
    const rollRefreshCalls = Number(moved.numAffectedRows ?? 0);
    started = performance.now();
    await rollups.ensureFresh(calendar, '2026-11-15');
    const rollRefreshMs = performance.now() - started;
    const rollRows = Number(
      (await sql<{ n: string }>`select count(*) as n from collections_roll`.execute(db)).rows[0]!.n,
    );
    const rollTotalsRows = Number(
      (await sql<{ n: string }>`select count(*) as n from collections_roll_totals`.execute(db)).rows[0]!.n,
    );
    const metrics = new MetricsRepository(db);
    // An admin's view: every call.
    const unrestricted = () => [];
    const filter = { from: '2026-10-01', to: '2026-11-01' };
    const results: LedgerBenchResult['metrics'] = [];
    const time = async (name: { by: string; period: string }, query: () => Promise<unknown>) => {
      results.push({ ...name, ...(await timeRounds(rounds, query)) });
    };
    for (const q of QUERIES) {
      await time({ by: q.team ? `${q.by} (team ${q.team})` : q.by, period: q.period }, () =>
        metrics.metrics(q.by, q.period, q.team ? { ...filter, team: q.team } : filter, unrestricted),
      );
    }
    // Roll from its summaries; and, for comparison, over the calls (what a filtered or scoped roll still reads).
    for (const q of ROLLS) {
      await time({ by: `roll:${q.by}`, period: q.period }, () =>
        metrics.roll(q.by, q.period, filter, unrestricted, calendar),
      );
    }
    await time({ by: 'roll:daysPastDue over calls', period: 'week' }, () =>
      metrics.rollOverCalls('daysPastDue', 'week', filter, unrestricted, calendar),
    );
    return {
      seedSeconds: round(seedSeconds),
      loadBefore,
      loadAfter,
      recomputeCpu,
      promises: done.promises,
      payments: 2 * n,
      accounts: done.accounts,
      recomputeSeconds: round(seconds),
      promisesPerSecond: Math.round(done.promises / seconds),
      recomputeAgainSeconds: round(againSeconds),
      outcomes,
      rollupRebuildSeconds: round(rebuildSeconds),
      summaryRows,
      rollupRefreshCalls: refreshedCalls,
      rollupRefreshMs: round(refreshMs),
      rollRows,
      rollTotalsRows,
      rollRefreshCalls,
      rollRefreshMs: round(rollRefreshMs),
      metrics: results,
    };
  } finally {
    await database.close();
  }
}

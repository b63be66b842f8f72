import { chmod, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { sql } from 'kysely';
import { scopeConditions } from '../../services/access/call-scope.ts';
import type { Principal } from '../../services/access/principal.ts';
import { insertSyntheticCalls } from '../../services/archive/synthetic-calls.repository.ts';
import { buildCollections } from '../../services/composition.ts';
import { Calendar } from '../../services/collections/calendar.ts';
import { MetricsRepository } from '../../services/collections/metrics.repository.ts';
import { RollupRepository } from '../../services/collections/rollup.repository.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase, type Db } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { cpuSeconds, postgresCpuSeconds, QUERIES, ROLLS } from './ledger.bench.ts';
import { round, timeRounds } from './stats.ts';

/**
 * The collections dashboards over a large archive (default 10,000,000 calls; target: each query's p95 under 300 ms):
 * C synthetic calls over a year, as the search benchmark seeds them (300 agents in 20 teams, 12 campaigns, days past
 * due, amounts due, 6 products, 4 countries and their regions, business hours), each analysed, one in ten with a
 * promise to pay, two payments per promise. The ledger is recomputed, the summaries rebuilt (`escucha payments
 * rollup`), and each dashboard query of the ledger benchmark timed over the archive's last whole month, as an admin
 * (every call) and as a team supervisor (the team's calls), after one warm-up. Kept in
 * ESCUCHA_BENCH_DIR/dashboards-C and topped up (calls, analyses, promises, payments) where an earlier run, or the
 * search benchmark's archive of the same size copied there, left less. BENCH_QUERIES_ONLY=1 skips the recompute and
 * the rebuild when an earlier run left them done (the refreshes and queries are still timed).
 */
export interface DashboardsBenchResult {
  calls: number;
  analyses: number;
  promises: number;
  payments: number;
  /** Seconds spent topping the archive up in this run (0: all there). */
  seedSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
  month: { from: string; to: string; calls: number };
  /** Null with BENCH_QUERIES_ONLY=1 (the ledger and summaries of an earlier run were used as they were). */
  recomputeSeconds: number | null;
  recomputeCpu: { node: number; postgres: number } | null;
  rollupRebuildSeconds: number | null;
  rollupRebuildCpu: { node: number; postgres: number } | null;
  summaryRows: number;
  rollRows: number;
  /** The analyses of 5 agents' calls of one day changed (this many), then the next read's refresh. */
  refreshCalls: number;
  refreshMs: number;
  /** Days past due changed on the same calls, then the refresh of their accounts' roll. */
  rollRefreshMs: number;
  metrics: { by: string; period: string; viewer: string; p50Ms: number; p95Ms: number }[];
}

async function count(
  db: Db,
  table: 'calls' | 'call_analysis' | 'payment_promises' | 'payments',
): Promise<number> {
  return Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!.n,
  );
}

/** Writes without marking summary cells (they are rebuilt whole afterwards), then marks them for a rebuild. */
async function unmarked(db: Db, write: (trx: Db) => Promise<number>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT set_config('escucha.rollup_marks', 'off', true)`.execute(trx);
    if ((await write(trx)) > 0) await sql`UPDATE collections_rollup_state SET built = false`.execute(trx);
  });
}

/** A signed-in user of this role, teams and languages, for the scope the API would give them. */
const viewer = (role: Principal['role'], teams: string[], languages: string[] = []): Principal => ({
  kind: 'user',
  id: 'bench',
  keyId: null,
  name: 'Bench',
  role,
  languages,
  teams,
  agentId: null,
});

export async function run(options: { calls?: number; rounds?: number } = {}): Promise<DashboardsBenchResult> {
  const target = options.calls ?? 10_000_000;
  const rounds = options.rounds ?? 10;
  const dir = `${process.env.ESCUCHA_BENCH_DIR ?? '/tmp/escucha-bench'}/dashboards-${target}`;
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const config = loadConfig({ env: {}, overrides: { dataDir: dir } });
  const logger = silentLogger();
  const database = await openDatabase(config, logger, { as: 'owner' });
  const db = database.db;
  const log = (line: string) =>
    console.error(`[dashboards] ${new Date().toISOString().slice(11, 19)} ${line}`);
  try {
    await migrateToLatest(db, logger);
    const seedStarted = performance.now();
    const existing = await count(db, 'calls');
    if (existing < target) {
      log(`seeding ${target - existing} calls into ${dir} (kept for later runs)...`);
      await insertSyntheticCalls(db, {
        count: target - existing,
        days: 365,
        onProgress: (n) => log(`${existing + n} calls`),
      });
    }
    // Every call analysed: disclosure, adherence, violations and whether the customer spoke, varied per call; a
    // month of calls at a time.
    const months = (
      await sql<{ month: string }>`
        SELECT generate_series(date_trunc('month', min(started_at)), max(started_at), interval '1 month')::text AS month
        FROM calls`.execute(db)
    ).rows.map((r) => r.month);
    const unanalysed = (await count(db, 'call_analysis')) < (await count(db, 'calls'));
    for (const month of unanalysed ? months : []) {
      await unmarked(db, async (trx) => {
        const r = await sql`
          INSERT INTO call_analysis (call_id, analytics_version, language, disclosure_profile, disclosure_outcome,
                                     adherence_score, adherence_passed, promise_to_pay, classification, violations,
                                     result)
          SELECT id, 1, coalesce(language, 'es'), lower(coalesce(country, 'co')),
                 (ARRAY['disclosed', 'disclosed', 'disclosed', 'partial', 'missing'])[1 + h % 5],
                 40 + h % 60, 40 + h % 60 >= 70, h % 10 = 0,
                 CASE WHEN h % 7 = 0 THEN 'no_contact' ELSE 'right_party' END,
                 CASE WHEN h % 25 = 0 THEN ARRAY['threat'] ELSE ARRAY[]::text[] END,
                 CASE WHEN h % 7 = 0 THEN '{"talk":{"speakers":{"agent":{}}}}'::jsonb
                      ELSE '{"talk":{"speakers":{"agent":{},"customer":{}}}}'::jsonb END
          FROM (SELECT c.id, c.language, c.country, abs(hashtext(c.id::text)) AS h
                FROM calls c
                WHERE c.started_at >= ${month}::timestamptz AND c.started_at < ${month}::timestamptz + interval '1 month'
                  AND NOT EXISTS (SELECT 1 FROM call_analysis a WHERE a.call_id = c.id)) c`.execute(trx);
        const added = Number(r.numAffectedRows ?? 0);
        if (added > 0) log(`${added} analyses added (${month.slice(0, 7)})`);
        return added;
      });
    }
    // A promise on the calls whose analysis says so, due three days later; two payments per promise around its due
    // date, so that some are kept, some partly and some broken.
    if ((await count(db, 'payment_promises')) === 0) {
      await unmarked(db, async (trx) => {
        const r = await sql`
          INSERT INTO payment_promises (call_id, ordinal, account, made_at, kind, amount, currency, due_date,
                                        window_end)
          SELECT c.id, 0, c.customer_ref, c.started_at, 'statement', round(c.amount_due * 0.2, 2), c.currency,
                 (c.started_at AT TIME ZONE 'UTC')::date + 3, (c.started_at AT TIME ZONE 'UTC')::date + 3
          FROM calls c JOIN call_analysis a ON a.call_id = c.id AND a.promise_to_pay
          WHERE c.customer_ref IS NOT NULL AND c.amount_due > 0`.execute(trx);
        return Number(r.numAffectedRows ?? 0);
      });
      log(`${await count(db, 'payment_promises')} promises`);
    }
    if ((await count(db, 'payments')) === 0) {
      await sql`
        INSERT INTO payments (external_id, account, amount, currency, paid_at, source)
        SELECT 'P-' || p.id || '-' || k, p.account, round(p.amount * (0.3 + (abs(hashtext(p.id::text || k)) % 80) / 100.0), 2),
               p.currency, p.made_at + ((abs(hashtext(p.id::text)) % 9) - 2 + k) * interval '1 day', 'file'
        FROM payment_promises p CROSS JOIN generate_series(0, 1) k
        WHERE p.amount > 0`.execute(db);
      log(`${await count(db, 'payments')} payments`);
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    if (seedSeconds > 1) await sql`ANALYZE`.execute(db);

    const bounds = (
      await sql<{ from: string; to: string; as_of: string }>`
        SELECT (date_trunc('month', max(started_at) AT TIME ZONE 'UTC') - interval '1 month')::date::text AS "from",
               date_trunc('month', max(started_at) AT TIME ZONE 'UTC')::date::text AS "to",
               (max(started_at) AT TIME ZONE 'UTC')::date::text AS as_of
        FROM calls`.execute(db)
    ).rows[0]!;
    const monthCalls = Number(
      (
        await sql<{ n: string }>`SELECT count(*) AS n FROM calls
                                 WHERE started_at >= ${bounds.from}::date AND started_at < ${bounds.to}::date`.execute(
          db,
        )
      ).rows[0]!.n,
    );
    const audit = { recordFor: () => Promise.resolve() };
    const { ledger } = buildCollections(config, db, audit, () => new Date(`${bounds.as_of}T23:00:00Z`));
    const loadBefore = loadavg().map(round);
    const cpu = async () => ({ node: cpuSeconds(), postgres: await postgresCpuSeconds(dir) });
    const spent = async (before: { node: number; postgres: number }) => {
      const now = await cpu();
      return { node: round(now.node - before.node), postgres: round(now.postgres - before.postgres) };
    };
    const calendar = new Calendar('UTC');
    const rollups = new RollupRepository(db);
    // BENCH_QUERIES_ONLY=1: an archive whose ledger and summaries an earlier run left built is only queried.
    const state = await rollups.state();
    const again = !(process.env.BENCH_QUERIES_ONLY === '1' && state.built && state.dirty === 0);
    let cpuBefore = await cpu();
    let started = performance.now();
    const done = again ? await ledger.recomputeAll() : { promises: await count(db, 'payment_promises') };
    const recomputeSeconds = again ? (performance.now() - started) / 1000 : null;
    const recomputeCpu = again ? await spent(cpuBefore) : null;
    if (again) log(`recomputed ${done.promises} promises in ${round(recomputeSeconds!)} s`);

    cpuBefore = await cpu();
    started = performance.now();
    if (again) await rollups.rebuild(calendar, bounds.as_of);
    const rollupRebuildSeconds = again ? (performance.now() - started) / 1000 : null;
    const rollupRebuildCpu = again ? await spent(cpuBefore) : null;
    if (again) {
      log(`summaries rebuilt in ${round(rollupRebuildSeconds!)} s`);
      await sql`VACUUM ANALYZE collections_daily`.execute(db);
      await sql`VACUUM ANALYZE collections_roll`.execute(db);
      await sql`VACUUM ANALYZE collections_roll_seen`.execute(db);
    }
    const summaryRows = await sql<{ n: string }>`SELECT count(*) AS n FROM collections_daily`.execute(db);
    const rollRows = await sql<{ n: string }>`SELECT count(*) AS n FROM collections_roll`.execute(db);

    // One day of 5 agents changed: analyses, then days past due; each time the next read's refresh.
    const day = `${bounds.from.slice(0, 8)}15`;
    const someCalls = sql`started_at >= ${day}::date AND started_at < ${day}::date + 1
                          AND agent_id IN ('A0001', 'A0002', 'A0003', 'A0004', 'A0005')`;
    const changed = await sql`UPDATE call_analysis SET adherence_score = adherence_score + 1
                              WHERE call_id IN (SELECT id FROM calls WHERE ${someCalls})`.execute(db);
    started = performance.now();
    await rollups.ensureFresh(calendar, bounds.as_of);
    const refreshMs = performance.now() - started;
    await sql`UPDATE calls SET days_past_due = days_past_due + 31 WHERE ${someCalls}`.execute(db);
    started = performance.now();
    await rollups.ensureFresh(calendar, bounds.as_of);
    const rollRefreshMs = performance.now() - started;

    const metrics = new MetricsRepository(db);
    const filter = { from: bounds.from, to: bounds.to };
    // A team supervisor's view: the calls of the team (and, for one, of the team in Spanish).
    const viewers = [
      { name: 'admin', scope: scopeConditions(viewer('admin', [])) },
      { name: 'team supervisor', scope: scopeConditions(viewer('qa_supervisor', ['team-01'])) },
      { name: 'team supervisor (es)', scope: scopeConditions(viewer('qa_supervisor', ['team-01'], ['es'])) },
    ];
    const results: DashboardsBenchResult['metrics'] = [];
    const time = async (
      name: { by: string; period: string; viewer: string },
      query: () => Promise<unknown>,
    ) => {
      const timed = await timeRounds(rounds, query);
      results.push({ ...name, ...timed });
      log(`${name.viewer} ${name.by} per ${name.period}: p95 ${timed.p95Ms} ms`);
    };
    for (const viewer of viewers) {
      for (const q of QUERIES) {
        const team = q.team ? 'team-01' : undefined;
        await time(
          { by: team ? `${q.by} (team ${team})` : q.by, period: q.period, viewer: viewer.name },
          () => metrics.metrics(q.by, q.period, team ? { ...filter, team } : filter, viewer.scope),
        );
      }
      for (const q of ROLLS) {
        await time({ by: `roll:${q.by}`, period: q.period, viewer: viewer.name }, () =>
          metrics.roll(q.by, q.period, filter, viewer.scope, calendar),
        );
      }
    }
    return {
      calls: await count(db, 'calls'),
      analyses: await count(db, 'call_analysis'),
      promises: done.promises,
      payments: await count(db, 'payments'),
      seedSeconds: round(seedSeconds),
      loadBefore,
      loadAfter: loadavg().map(round),
      month: { from: bounds.from, to: bounds.to, calls: monthCalls },
      recomputeSeconds: recomputeSeconds === null ? null : round(recomputeSeconds),
      recomputeCpu,
      rollupRebuildSeconds: rollupRebuildSeconds === null ? null : round(rollupRebuildSeconds),
      rollupRebuildCpu,
      summaryRows: Number(summaryRows.rows[0]!.n),
      rollRows: Number(rollRows.rows[0]!.n),
      refreshCalls: Number(changed.numAffectedRows ?? 0),
      refreshMs: round(refreshMs),
      rollRefreshMs: round(rollRefreshMs),
      metrics: results,
    };
  } finally {
    await database.close();
  }
}

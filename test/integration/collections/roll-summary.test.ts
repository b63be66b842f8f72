import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Database } from '../../../models/database.ts';
import { scopeConditions } from '../../../services/access/call-scope.ts';
import type { Principal } from '../../../services/access/principal.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Calendar } from '../../../services/collections/calendar.ts';
import {
  MetricsRepository,
  type MetricsFilter,
  type RollDimension,
} from '../../../services/collections/metrics.repository.ts';
import { RollupRepository } from '../../../services/collections/rollup.repository.ts';
import type { MetricPeriod } from '../../../services/collections/metric-dimensions.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import * as rollSteps from '../../../migrations/0025_collections_roll_steps.ts';

const DIMENSIONS: RollDimension[] = ['all', 'agent', 'team', 'campaign', 'daysPastDue'];
const PERIODS: MetricPeriod[] = ['day', 'week', 'month'];
const FILTERS: MetricsFilter[] = [
  {},
  // Inside a week and a month at both ends.
  { from: '2026-09-10', to: '2026-10-17' },
  { to: '2026-10-01' },
  { from: '2026-09-03' },
  { from: '2026-09-01', to: '2026-11-01' },
  // Ends on each day of a week (Monday 2026-10-05 begins it) and late in a month, with a start that cuts a week.
  ...['2026-10-06', '2026-10-07', '2026-10-08', '2026-10-09', '2026-10-10', '2026-10-11', '2026-10-12'].map(
    (to) => ({ from: '2026-09-09', to }),
  ),
  { to: '2026-10-31' },
  // Both ends inside one week, and inside two weeks in a row.
  { from: '2026-10-06', to: '2026-10-09' },
  { from: '2026-10-01', to: '2026-10-09' },
];

describe('roll summaries', () => {
  let database: TestDatabase;
  const calendar = new Calendar('America/Bogota');
  const unrestricted = () => [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.handle.db;
    await sql`SELECT setseed(0.42)`.execute(db);
    // 1,999 calls over two months, at distinct instants (1999 is prime), of 120 accounts (some without an account
    // or days past due), 4 agents, 3 teams and 2 campaigns drawn independently.
    await sql`
      INSERT INTO calls (started_at, ended_at, duration_ms, source, customer_ref, agent_id, agent_name, team,
                         campaign, days_past_due, custom)
      SELECT t, t + interval '2 minutes', 120000, 'seed',
             CASE WHEN random() < 0.05 THEN NULL ELSE 'ACC-' || floor(random() * 120)::int END,
             'A' || floor(random() * 4)::int, 'Agent', 'T' || floor(random() * 3)::int,
             CASE WHEN random() < 0.1 THEN NULL ELSE 'C' || floor(random() * 2)::int END,
             CASE WHEN random() < 0.05 THEN NULL ELSE floor(random() * 220)::int - 10 END, '{}'
      FROM generate_series(1, 1998) i,
           LATERAL (SELECT timestamptz '2026-09-01T00:00:00Z' + ((i * 733) % 1999) * interval '43 minutes' AS t) x`.execute(
      db,
    );
  });

  afterAll(async () => {
    await database?.drop();
  });

  const compare = async (zone = calendar, filters = FILTERS) => {
    const metrics = new MetricsRepository(database.handle.db);
    let compared = 0;
    for (const by of DIMENSIONS) {
      for (const period of PERIODS) {
        for (const filter of filters) {
          const summarised = await metrics.roll(by, period, filter, unrestricted, zone);
          const direct = await metrics.rollOverCalls(by, period, filter, unrestricted, zone);
          expect(summarised, `${by} ${period} ${JSON.stringify(filter)}`).toEqual(direct);
          compared += direct.length;
        }
      }
    }
    return compared;
  };

  it('counts what the calls give, after a rebuild and after calls are added, changed and deleted', async () => {
    const db = database.handle.db;
    const rollups = new RollupRepository(db);
    await rollups.rebuild(calendar, '2026-11-20');
    const transitions = await sql<{ n: string }>`SELECT count(*) AS n FROM collections_roll`.execute(db);
    expect(Number(transitions.rows[0]!.n)).toBeGreaterThan(100);
    // Steps that take an account out of a pair of buckets (its bucket changed within the next period) are there too.
    const steps = await sql<{ up: string; down: string }>`
      SELECT count(*) FILTER (WHERE accounts > 0) AS up, count(*) FILTER (WHERE accounts < 0) AS down
      FROM collections_roll_steps`.execute(db);
    expect(Number(steps.rows[0]!.up)).toBeGreaterThan(100);
    expect(Number(steps.rows[0]!.down)).toBeGreaterThan(10);
    expect(await compare()).toBeGreaterThan(500);

    // Days past due changed, calls moved to other accounts, agents and days, calls deleted and added.
    await sql`UPDATE calls SET days_past_due = days_past_due + 40 WHERE id IN (SELECT id FROM calls ORDER BY id LIMIT 60)`.execute(
      db,
    );
    await sql`UPDATE calls SET customer_ref = 'ACC-7', agent_id = 'A9'
              WHERE id IN (SELECT id FROM calls ORDER BY id DESC LIMIT 30)`.execute(db);
    await sql`UPDATE calls SET started_at = started_at + interval '5 days', ended_at = ended_at + interval '5 days'
              WHERE id IN (SELECT id FROM calls ORDER BY started_at LIMIT 40 OFFSET 500)`.execute(db);
    await sql`DELETE FROM calls WHERE id IN (SELECT id FROM calls ORDER BY started_at DESC LIMIT 25 OFFSET 100)`.execute(
      db,
    );
    await sql`
      INSERT INTO calls (started_at, ended_at, duration_ms, source, customer_ref, agent_id, agent_name, team,
                         campaign, days_past_due, custom)
      SELECT t, t + interval '2 minutes', 60000, 'seed', 'ACC-' || (i % 50), 'A' || (i % 3), 'Agent', 'T1', 'C0',
             (i * 37) % 200, '{}'
      FROM generate_series(1, 80) i,
           LATERAL (SELECT timestamptz '2026-09-20T00:00:30Z' + i * interval '17 hours' AS t) x`.execute(db);
    expect(await rollups.ensureFresh(calendar, '2026-11-20')).toBe('refreshed');
    expect(await compare()).toBeGreaterThan(500);

    // What was kept current is what a rebuild counts.
    const counts = async () => [
      (await sql`SELECT * FROM collections_roll ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`.execute(db)).rows,
      (await sql`SELECT * FROM collections_roll_totals ORDER BY 1, 2, 3, 4, 5, 6, 7`.execute(db)).rows,
      (await sql`SELECT * FROM collections_roll_steps ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`.execute(db)).rows,
    ];
    const kept = await counts();
    await rollups.rebuild(calendar, '2026-11-20');
    expect(await counts()).toEqual(kept);
  });

  it('fills the steps in their migration as a rebuild counts them', async () => {
    const db = database.handle.db;
    await new RollupRepository(db).rebuild(calendar, '2026-11-20');
    const steps = async () =>
      (await sql`SELECT * FROM collections_roll_steps ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`.execute(db)).rows;
    const counted = await steps();
    expect(counted.length).toBeGreaterThan(100);
    await rollSteps.down(db as never);
    await rollSteps.up(db as never);
    expect(await steps()).toEqual(counted);
  });

  const scopeOf = (p: Partial<Principal>) =>
    scopeConditions({
      kind: 'user',
      id: 'u',
      keyId: null,
      name: 'u',
      role: 'qa_supervisor',
      languages: [],
      teams: [],
      agentId: null,
      ...p,
    });

  it("counts a scoped or filtered roll from the agent, team or campaign index alone, not the calls' rows", async () => {
    // One connection, so that the session's settings apply to the EXPLAIN of what the repository ran.
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const ran: CompiledQuery[] = [];
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (event.level === 'query') ran.push(event.query);
      },
    });
    try {
      await sql`VACUUM ANALYZE calls`.execute(db);
      // A table this small is read whole otherwise; what is asked is whether an index can answer without the rows.
      await sql`SET enable_seqscan = off`.execute(db);
      await sql`SET enable_bitmapscan = off`.execute(db);
      const metrics = new MetricsRepository(db);
      const cases: [string, MetricsFilter, Parameters<MetricsRepository['roll']>[3], string][] = [
        ['team scope', {}, scopeOf({ role: 'qa_supervisor', teams: ['T1', 'T2'] }), 'calls_team_started_idx'],
        [
          'team and language scope',
          {},
          scopeOf({ role: 'qa_supervisor', teams: ['T1'], languages: ['es'] }),
          'calls_team_started_idx',
        ],
        ['agent scope', {}, scopeOf({ role: 'agent', agentId: 'A2' }), 'calls_agent_id_started_idx'],
        ['agent filter', { agentId: 'A1' }, unrestricted, 'calls_agent_id_started_idx'],
        ['campaign filter', { campaign: 'C0' }, unrestricted, 'calls_campaign_started_idx'],
      ];
      for (const [name, filter, scope, index] of cases) {
        for (const by of DIMENSIONS) {
          ran.length = 0;
          await metrics.roll(
            by,
            'week',
            { ...filter, from: '2026-09-10', to: '2026-10-17' },
            scope,
            calendar,
          );
          const query = ran.at(-1)!;
          const plan = (
            await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query.sql}`, [...query.parameters])
          ).rows
            .map((r) => r['QUERY PLAN'])
            .join('\n');
          expect(plan, `${name} by ${by}`).toContain(`Index Only Scan using ${index} on calls`);
          expect(plan, `${name} by ${by}`).not.toMatch(
            /(Seq Scan|Index Scan using \w+|Bitmap Heap Scan) on calls/,
          );
        }
      }
    } finally {
      await db.destroy();
    }
  });

  it('counts what the calls give in a time zone whose clocks skip midnight', async () => {
    // Chile moved its clocks from 00:00 to 01:00 on 2026-09-06: that day begins at 01:00 local time.
    const santiago = new Calendar('America/Santiago');
    const rollups = new RollupRepository(database.handle.db);
    await rollups.rebuild(santiago, '2026-11-20');
    try {
      expect(
        await compare(santiago, [
          { to: '2026-09-06' },
          { to: '2026-09-07' },
          { from: '2026-09-06', to: '2026-09-09' },
          { from: '2026-09-02', to: '2026-09-06' },
        ]),
      ).toBeGreaterThan(20);
    } finally {
      await rollups.rebuild(calendar, '2026-11-20');
    }
  });

  it('keeps the mark of a change committed while a refresh takes the marks', async () => {
    const db = database.handle.db;
    const rollups = new RollupRepository(db);
    await rollups.rebuild(calendar, '2026-11-20');
    const summaries = async () => [
      (
        await sql`SELECT * FROM collections_daily ORDER BY day, dim, seg, agent_id, team, campaign, language`.execute(
          db,
        )
      ).rows,
      (await sql`SELECT * FROM collections_roll ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`.execute(db)).rows,
    ];
    const call = (
      await sql<{
        id: string;
      }>`SELECT id FROM calls WHERE customer_ref IS NOT NULL AND days_past_due IS NOT NULL
                                ORDER BY started_at LIMIT 1 OFFSET 700`.execute(db)
    ).rows[0]!.id;
    // A first change, committed: its cell and account are marked.
    await sql`UPDATE calls SET days_past_due = days_past_due + 35 WHERE id = ${call}`.execute(db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let changed!: () => void;
    const made = new Promise<void>((resolve) => (changed = resolve));
    // A second change to the same call, in a transaction still open while the refresh runs.
    const writer = db.transaction().execute(async (trx) => {
      await sql`UPDATE calls SET days_past_due = days_past_due + 70, duration_ms = duration_ms + 1000
                WHERE id = ${call}`.execute(trx);
      changed();
      await held;
    });
    await made;
    let refreshed = false;
    const refresh = rollups.ensureFresh(calendar, '2026-11-20').finally(() => (refreshed = true));
    // Until the refresh is done or waits for the writer's marks.
    for (let i = 0; i < 500 && !refreshed; i++) {
      const waiting = await sql<{ n: string }>`
        SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
      if (Number(waiting.rows[0]!.n) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    release();
    await writer;
    await refresh;
    // Whatever the refresh saw, the summaries are brought to what the calls now hold.
    await rollups.ensureFresh(calendar, '2026-11-20');
    const kept = await summaries();
    expect(await compare()).toBeGreaterThan(500);
    await rollups.rebuild(calendar, '2026-11-20');
    expect(await summaries()).toEqual(kept);
  });
});

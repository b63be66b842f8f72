import { sql, type Kysely } from 'kysely';

/**
 * collections_roll_steps: the roll of a period into the next when a range ends inside that next period, kept for every
 * day it can end on. Per period kind ('week', 'month'), period (the first of the two, as in collections_roll), the day
 * of the account's last call in that period and its bucket (with its agent, team and campaign), and the bucket of the
 * account's last call in the next period before a day: from `step_day` on, `accounts` more (or fewer) accounts are in
 * that pair of buckets. Summing the rows whose step_day is on or before a range's end gives the transitions into the
 * period the end cuts, without following each account's calls (at 10,000,000 calls a year, ~150,000 accounts and 4 s
 * for a month's weekly roll). One row per change of bucket among an account's days with calls in the next period,
 * derived from collections_roll_seen (kept with the other roll summaries by RollupRepository); filled here from the
 * rows there are.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE collections_roll_steps (
      kind text NOT NULL,
      period date NOT NULL,
      step_day date NOT NULL,
      a_day date NOT NULL,
      a_idx smallint NOT NULL,
      b_idx smallint NOT NULL,
      agent_id text,
      team text,
      campaign text,
      accounts integer NOT NULL,
      UNIQUE NULLS NOT DISTINCT (kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign)
    )`.execute(db);
  await sql`CREATE INDEX collections_roll_steps_zero_idx ON collections_roll_steps (kind) WHERE accounts = 0`.execute(
    db,
  );
  await sql`INSERT INTO collections_roll_steps ${STEPS}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS collections_roll_steps`.execute(db);
}

/** The migration's own copy of what RollupRepository.countSteps counts (migrations do not import the services). */
const NEXT = (period: string) =>
  `(${period} + case a.kind when 'week' then interval '7 days' else interval '1 month' end)::date`;
const STEPS = sql`
  (kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign, accounts)
  WITH d AS (
    SELECT a.kind, a.period, a.last_day AS a_day, a.idx AS a_idx, a.agent_id, a.team, a.campaign,
           b.period + 1 AS step_day, b.idx AS b_idx, ${sql.raw(NEXT(NEXT('a.period')))} AS ends,
           lag(b.idx) OVER (PARTITION BY a.kind, a.account, a.period ORDER BY b.period) AS was_idx
    FROM collections_roll_seen a
    JOIN collections_roll_seen b ON b.account = a.account AND b.kind = 'day'
      AND b.period >= ${sql.raw(NEXT('a.period'))} AND b.period < ${sql.raw(NEXT(NEXT('a.period')))}
    WHERE a.kind IN ('week', 'month')
  ),
  s AS (
    SELECT kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign, 1 AS n
    FROM d WHERE was_idx IS DISTINCT FROM b_idx AND step_day < ends
    UNION ALL
    SELECT kind, period, step_day, a_day, a_idx, was_idx, agent_id, team, campaign, -1
    FROM d WHERE was_idx IS DISTINCT FROM b_idx AND was_idx IS NOT NULL AND step_day < ends
  )
  SELECT kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign, sum(n)
  FROM s GROUP BY kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign
  HAVING sum(n) <> 0`;

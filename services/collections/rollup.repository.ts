import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { Calendar } from './calendar.ts';
import { statusOf } from './promise.repository.ts';
import type { Trx } from './payments.repository.ts';

/** The days-past-due bucket as an order (0 current … 5 181+): the portfolio's delinquency buckets, for roll rates. */
export const DPD_ORDER = sql<number>`case
  when calls.days_past_due <= 0 then 0
  when calls.days_past_due <= 30 then 1
  when calls.days_past_due <= 60 then 2
  when calls.days_past_due <= 90 then 3
  when calls.days_past_due <= 180 then 4
  else 5 end`;
/** A bucket's order (DPD_ORDER) back to its name. */
export const DPD_BUCKET_OF = (idx: RawBuilder<number>) =>
  sql<string>`(array['current', '1-30', '31-60', '61-90', '91-180', '181+'])[${idx} + 1]`;
/** Days-past-due buckets by name (null without days past due): a segment of the portfolio. */
export const DPD_BUCKET = sql<string>`case when calls.days_past_due is null then null else ${DPD_BUCKET_OF(DPD_ORDER)} end`;
/** A period kind's length (SQL; folded when the kind is a literal). */
const PERIOD_STEP = (kind: RawBuilder<string>) =>
  sql`case ${kind} when 'day' then interval '1 day' when 'week' then interval '7 days' else interval '1 month' end`;
/** The period after one (a period kind's first day, in SQL). */
export const NEXT_PERIOD_OF = (kind: RawBuilder<string>, period: RawBuilder<string>) =>
  sql<string>`(${period} + ${PERIOD_STEP(kind)})::date`;
/** The period before one. */
export const PREVIOUS_PERIOD_OF = (kind: RawBuilder<string>, period: RawBuilder<string>) =>
  sql<string>`(${period} - ${PERIOD_STEP(kind)})::date`;
/** The portfolio segment dimensions, whose rows over every agent collections_segments also keeps. */
export const SEGMENT_DIMS = ['daysPastDue', 'amountDue', 'product', 'region', 'country'] as const;
/** Amount bands (amount due, in the call's currency): a segment of the portfolio. */
const AMOUNT_BAND = sql<string>`case
  when calls.amount_due is null then null
  when calls.amount_due < 1000 then '<1k'
  when calls.amount_due < 10000 then '1k-10k'
  when calls.amount_due < 100000 then '10k-100k'
  when calls.amount_due < 1000000 then '100k-1M'
  else '1M+' end`;

/**
 * Marked cells (day, agent) above which summing every call again is cheaper than summing each cell's calls (a year
 * of 300 agents has about 110,000 cells).
 */
const CELLS_REBUILD_ABOVE = 20_000;
/**
 * Marked accounts above which finding every account's last calls again is cheaper than finding each one's (an
 * archive of millions of calls has millions of accounts; each marked account costs a few index reads).
 */
const ACCOUNTS_REBUILD_ABOVE = 200_000;

/**
 * Suspends (or resumes) the triggers' marking of the cells that the transaction's next statements on call_analysis
 * and payment_promises touch: for writes that then call `markSumsForRebuild` instead (migration 0021).
 */
export async function suspendCellMarks(trx: Trx, suspended: boolean): Promise<void> {
  await sql`SELECT set_config('escucha.rollup_marks', ${suspended ? 'off' : 'on'}, true)`.execute(trx);
}

/**
 * Marks the daily sums (not the roll, which promises do not change) to be summed again whole at the next read, in
 * the writer's transaction. Taken last in that transaction: it waits for a rebuild in progress (which holds the state
 * row) and so is never lost to it.
 */
export async function markSumsForRebuild(trx: Trx): Promise<void> {
  await sql`UPDATE collections_rollup_state SET sums_built = false`.execute(trx);
}

export interface RollupState {
  timeZone: string;
  asOf: string;
  built: boolean;
  /** False when a bulk write of the ledger marked the daily sums to be summed again whole (migration 0023). */
  sumsBuilt: boolean;
  dirty: number;
}

/**
 * The collections metrics' summary rows (collections_daily, migration 0018): the sums of each local day, agent,
 * team, campaign and language, once for the people ('base') and once per segment or hour of day. Triggers mark the
 * cells (day, agent) whose calls, analyses or promises changed; `refresh` sums those again, `rebuild` all of them.
 * The promise statuses in the sums are those of the day the state names (`as_of`).
 */
export class RollupRepository {
  constructor(private readonly db: Db) {}

  async state(): Promise<RollupState> {
    const r = await sql<{
      time_zone: string;
      as_of: string;
      built: boolean;
      sums_built: boolean;
      dirty: boolean;
    }>`
      SELECT time_zone, as_of::text AS as_of, built, sums_built,
             EXISTS (SELECT 1 FROM collections_rollup_dirty) OR EXISTS (SELECT 1 FROM collections_roll_dirty) AS dirty
      FROM collections_rollup_state`.execute(this.db);
    const row = r.rows[0]!;
    return {
      timeZone: row.time_zone,
      asOf: row.as_of,
      built: row.built,
      sumsBuilt: row.sums_built,
      dirty: row.dirty ? 1 : 0,
    };
  }

  /**
   * Brings the sums up to date for `asOf` in `calendar`'s days: everything again when the time zone changed or they
   * were never built, else the cells marked dirty and those whose promises changed status between the day they were
   * summed on and `asOf` (all cells when more than CELLS_REBUILD_ABOVE are), and the roll of the accounts marked (all
   * accounts when more than ACCOUNTS_REBUILD_ABOVE are). One refresher at a time (the state row is locked).
   * Returns what it did ('rebuilt' when either summary was summed whole).
   */
  async ensureFresh(calendar: Calendar, asOf: string): Promise<'fresh' | 'refreshed' | 'rebuilt'> {
    const seen = await this.state();
    if (
      seen.built &&
      seen.sumsBuilt &&
      seen.timeZone === calendar.timeZone &&
      seen.asOf === asOf &&
      seen.dirty === 0
    ) {
      return 'fresh';
    }
    return this.refreshing(async (trx) => {
      const state = (
        await sql<{ time_zone: string; as_of: string; built: boolean; sums_built: boolean }>`
          SELECT time_zone, as_of::text AS as_of, built, sums_built FROM collections_rollup_state FOR UPDATE`.execute(
          trx,
        )
      ).rows[0]!;
      await this.lockMarks(trx);
      if (!state.built || state.time_zone !== calendar.timeZone) {
        await this.rebuildIn(trx, calendar, asOf);
        return 'rebuilt';
      }
      if (state.as_of !== asOf) {
        // A promise is pending while its window has not ended: between two days, those whose window ended in
        // between changed status.
        await sql`
          INSERT INTO collections_rollup_dirty (day, agent)
          SELECT DISTINCT ${calendar.day('c.started_at')}, coalesce(c.agent_id, '')
          FROM payment_promises p JOIN calls c ON c.id = p.call_id
          WHERE NOT p.voided AND p.window_end >= least(${state.as_of}::date, ${asOf}::date)
            AND p.window_end < greatest(${state.as_of}::date, ${asOf}::date)
          ON CONFLICT DO NOTHING`.execute(trx);
        await sql`UPDATE collections_rollup_state SET as_of = ${asOf}::date`.execute(trx);
      }
      const marked = (
        await sql<{ cells: string; accounts: string }>`
          SELECT (SELECT count(*) FROM collections_rollup_dirty) AS cells,
                 (SELECT count(*) FROM collections_roll_dirty) AS accounts`.execute(trx)
      ).rows[0]!;
      // Each summary brought up to date on its own: many cells marked need not rebuild the roll, nor the reverse.
      const sums = !state.sums_built || Number(marked.cells) > CELLS_REBUILD_ABOVE;
      const roll = Number(marked.accounts) > ACCOUNTS_REBUILD_ABOVE;
      if (roll) await this.rebuildRoll(trx, calendar);
      else await this.refreshRoll(trx, calendar);
      if (sums) await this.rebuildSums(trx, calendar, asOf);
      else await this.refreshSums(trx, calendar, asOf);
      return sums || roll ? 'rebuilt' : 'refreshed';
    });
  }

  /** Sums everything again (`escucha payments rollup`), in `calendar`'s days, with the statuses of `asOf`. */
  async rebuild(calendar: Calendar, asOf: string): Promise<void> {
    await this.refreshing(async (trx) => {
      await sql`SELECT 1 FROM collections_rollup_state FOR UPDATE`.execute(trx);
      await this.lockMarks(trx);
      await this.rebuildIn(trx, calendar, asOf);
    });
  }

  /**
   * A refresh or rebuild in its own transaction, tried again (up to 3 times) when PostgreSQL ends it to break a
   * deadlock with a writer: a writer's transaction of several statements may hold cell marks and then wait for an
   * account mark the refresh holds. Nothing is half-done: the transaction that lost is rolled back whole.
   */
  private async refreshing<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(work);
      } catch (error) {
        if (attempt >= 3 || (error as { code?: unknown }).code !== '40P01') throw error;
      }
    }
  }

  /**
   * Locks the marks there are now in the order writers take them (a statement on calls marks its accounts, then its
   * cells, each in key order: migration 0023), so that a writer holding some waits for the refresh, or the refresh
   * for it, and neither for the other at once.
   */
  private async lockMarks(trx: Trx): Promise<void> {
    await sql`SELECT 1 FROM collections_roll_dirty ORDER BY account FOR UPDATE`.execute(trx);
    await sql`SELECT 1 FROM collections_rollup_dirty ORDER BY day, agent FOR UPDATE`.execute(trx);
  }

  private async rebuildIn(trx: Trx, calendar: Calendar, asOf: string): Promise<void> {
    // The triggers count days in the zone the state names: set it first.
    await sql`UPDATE collections_rollup_state SET time_zone = ${calendar.timeZone}, as_of = ${asOf}::date`.execute(
      trx,
    );
    await this.rebuildSums(trx, calendar, asOf);
    await this.rebuildRoll(trx, calendar);
    await sql`UPDATE collections_rollup_state SET built = true`.execute(trx);
  }

  /** collections_daily and collections_hourly summed again from every call. */
  private async rebuildSums(trx: Trx, calendar: Calendar, asOf: string): Promise<void> {
    await sql`DELETE FROM collections_rollup_dirty`.execute(trx);
    await sql`DELETE FROM collections_daily`.execute(trx);
    const promises = sql`
      LEFT JOIN (
        SELECT payment_promises.call_id, ${PROMISE_SUMS(asOf)}
        FROM payment_promises WHERE NOT payment_promises.voided GROUP BY payment_promises.call_id
      ) p ON p.call_id = calls.id`;
    await this.sumInto(trx, calendar, sql`calls`, promises, sql``);
    await sql`DELETE FROM collections_hourly`.execute(trx);
    await this.sumHours(trx);
    await sql`DELETE FROM collections_segments`.execute(trx);
    await this.sumSegments(trx);
    await sql`UPDATE collections_rollup_state SET sums_built = true`.execute(trx);
  }

  /** The roll summaries counted again from every account's last calls. */
  private async rebuildRoll(trx: Trx, calendar: Calendar): Promise<void> {
    await sql`DELETE FROM collections_roll_dirty`.execute(trx);
    await sql`DELETE FROM collections_roll_seen`.execute(trx);
    await sql`DELETE FROM collections_roll`.execute(trx);
    await sql`DELETE FROM collections_roll_totals`.execute(trx);
    await sql`DELETE FROM collections_roll_steps`.execute(trx);
    await this.seeLastCalls(trx, calendar);
    await this.countTransitions(trx, 1);
  }

  /** The marked cells of collections_daily summed again, and their days' hourly rows. */
  private async refreshSums(trx: Trx, calendar: Calendar, asOf: string): Promise<void> {
    const promises = sql`
      LEFT JOIN LATERAL (
        SELECT ${PROMISE_SUMS(asOf)} FROM payment_promises
        WHERE payment_promises.call_id = calls.id AND NOT payment_promises.voided
      ) p ON true`;
    const cells = (
      await sql<{ day: string; agent: string }>`
        DELETE FROM collections_rollup_dirty RETURNING day::text AS day, agent`.execute(trx)
    ).rows;
    if (cells.length === 0) return;
    await this.sumInto(
      trx,
      calendar,
      sql`d JOIN calls ON coalesce(calls.agent_id, '') = d.agent
            AND calls.started_at >= ${calendar.dayStart(sql`d.day`)}
            AND calls.started_at < ${calendar.dayStart(sql`d.day + 1`)}`,
      promises,
      sql`WITH d AS (SELECT * FROM unnest(${cells.map((c) => c.day)}::date[], ${cells.map((c) => c.agent)}::text[])
                       AS d(day, agent)),
          gone AS (DELETE FROM collections_daily r USING d
                   WHERE r.day = d.day AND coalesce(r.agent_id, '') = d.agent RETURNING 1)`,
    );
    const days = [...new Set(cells.map((c) => c.day))];
    await sql`DELETE FROM collections_hourly WHERE day = any(${days}::date[])`.execute(trx);
    await this.sumHours(trx, days);
    await sql`DELETE FROM collections_segments WHERE day = any(${days}::date[])`.execute(trx);
    await this.sumSegments(trx, days);
  }

  /**
   * The roll summaries of the accounts whose calls changed: their transitions taken out of the counts, their last
   * calls found again, their transitions added back.
   */
  private async refreshRoll(trx: Trx, calendar: Calendar): Promise<void> {
    const accounts = (
      await sql<{ account: string }>`DELETE FROM collections_roll_dirty RETURNING account`.execute(trx)
    ).rows.map((r) => r.account);
    if (accounts.length === 0) return;
    await this.countTransitions(trx, -1, accounts);
    await sql`DELETE FROM collections_roll_seen WHERE account = any(${accounts}::text[])`.execute(trx);
    await this.seeLastCalls(trx, calendar, accounts);
    await this.countTransitions(trx, 1, accounts);
    await sql`DELETE FROM collections_roll WHERE accounts = 0`.execute(trx);
    await sql`DELETE FROM collections_roll_totals WHERE accounts = 0`.execute(trx);
    await sql`DELETE FROM collections_roll_steps WHERE accounts = 0`.execute(trx);
  }

  /** collections_roll_seen: each account's last call (with days past due) of each day, week and month. */
  private async seeLastCalls(trx: Trx, calendar: Calendar, accounts?: readonly string[]): Promise<void> {
    const local = calendar.local('calls.started_at');
    const periodOf = sql`date_trunc(k.kind, ${local})::date`;
    await sql`
      INSERT INTO collections_roll_seen (kind, period, account, last_day, idx, agent_id, team, campaign)
      SELECT DISTINCT ON (k.kind, calls.customer_ref, ${periodOf})
        k.kind, ${periodOf}, calls.customer_ref, ${local}::date, ${DPD_ORDER}, calls.agent_id, calls.team,
        calls.campaign
      FROM calls CROSS JOIN (VALUES ('day'), ('week'), ('month')) k(kind)
      WHERE calls.customer_ref IS NOT NULL AND calls.days_past_due IS NOT NULL
        ${accounts ? sql`AND calls.customer_ref = any(${accounts}::text[])` : sql``}
      ORDER BY k.kind, calls.customer_ref, ${periodOf}, calls.started_at DESC`.execute(trx);
  }

  /**
   * Adds (`sign` 1) or takes out (-1) of collections_roll, collections_roll_totals and collections_roll_steps the
   * transitions of these accounts (all when not given) as collections_roll_seen has them: each account seen in a
   * period and the next.
   */
  private async countTransitions(trx: Trx, sign: 1 | -1, accounts?: readonly string[]): Promise<void> {
    const transitions = sql`
      SELECT a.kind, a.period, a.last_day AS a_day, b.last_day AS b_day, a.idx AS a_idx, b.idx AS b_idx, a.agent_id,
             a.team, a.campaign
      FROM collections_roll_seen a
      JOIN collections_roll_seen b ON b.account = a.account AND b.kind = a.kind
        AND b.period = ${NEXT_PERIOD_OF(sql`a.kind`, sql`a.period`)}
      ${accounts ? sql`WHERE a.account = any(${accounts}::text[]) AND b.account = any(${accounts}::text[])` : sql``}`;
    await sql`
      WITH t AS MATERIALIZED (${transitions}),
      totals AS (
        INSERT INTO collections_roll_totals AS r (kind, period, a_idx, b_idx, agent_id, team, campaign, accounts)
        SELECT kind, period, a_idx, b_idx, agent_id, team, campaign, ${sql.lit(sign)} * count(*)
        FROM t GROUP BY kind, period, a_idx, b_idx, agent_id, team, campaign
        ON CONFLICT (kind, period, a_idx, b_idx, agent_id, team, campaign)
        DO UPDATE SET accounts = r.accounts + excluded.accounts
      )
      INSERT INTO collections_roll AS r (kind, period, a_day, b_day, a_idx, b_idx, agent_id, team, campaign, accounts)
      SELECT kind, period, a_day, b_day, a_idx, b_idx, agent_id, team, campaign, ${sql.lit(sign)} * count(*)
      FROM t GROUP BY kind, period, a_day, b_day, a_idx, b_idx, agent_id, team, campaign
      ON CONFLICT (kind, period, a_day, b_day, a_idx, b_idx, agent_id, team, campaign)
      DO UPDATE SET accounts = r.accounts + excluded.accounts`.execute(trx);
    await this.countSteps(trx, sign, accounts);
  }

  /**
   * collections_roll_steps (migration 0025) for these accounts (all when not given): for each week or month an account
   * was seen in and each of its days with calls in the next period (collections_roll_seen's 'day' rows), the day after
   * it, from which a range ending inside that next period sees that day's bucket as the account's last: one more
   * account in the pair (first bucket, this bucket), one fewer in the pair with the bucket of its day before, where the
   * bucket changed. The days after the next period's last are left out (a range ending there holds it whole).
   */
  private async countSteps(trx: Trx, sign: 1 | -1, accounts?: readonly string[]): Promise<void> {
    const next = (period: RawBuilder<string>) => NEXT_PERIOD_OF(sql`a.kind`, period);
    const ends = next(next(sql`a.period`));
    await sql`
      WITH d AS (
        SELECT a.kind, a.period, a.last_day AS a_day, a.idx AS a_idx, a.agent_id, a.team, a.campaign,
               b.period + 1 AS step_day, b.idx AS b_idx, ${ends} AS ends,
               lag(b.idx) OVER (PARTITION BY a.kind, a.account, a.period ORDER BY b.period) AS was_idx
        FROM collections_roll_seen a
        JOIN collections_roll_seen b ON b.account = a.account AND b.kind = 'day'
          AND b.period >= ${next(sql`a.period`)} AND b.period < ${ends}
        WHERE a.kind IN ('week', 'month')
          ${accounts ? sql`AND a.account = any(${accounts}::text[]) AND b.account = any(${accounts}::text[])` : sql``}
      ),
      s AS (
        SELECT kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign, 1 AS n
        FROM d WHERE was_idx IS DISTINCT FROM b_idx AND step_day < ends
        UNION ALL
        SELECT kind, period, step_day, a_day, a_idx, was_idx, agent_id, team, campaign, -1
        FROM d WHERE was_idx IS DISTINCT FROM b_idx AND was_idx IS NOT NULL AND step_day < ends
      )
      INSERT INTO collections_roll_steps AS r (kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign,
        accounts)
      SELECT kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign, ${sql.lit(sign)} * sum(n)
      FROM s GROUP BY kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign
      HAVING sum(n) <> 0
      ON CONFLICT (kind, period, step_day, a_day, a_idx, b_idx, agent_id, team, campaign)
      DO UPDATE SET accounts = r.accounts + excluded.accounts`.execute(trx);
  }

  /**
   * collections_hourly: the hour-of-day rows of these days (all when not given) summed over agents, teams, campaigns
   * and languages; the agents that had calls in each hour counted once each (the agent-hours of that day and hour).
   */
  private async sumHours(trx: Trx, days?: readonly string[]): Promise<void> {
    await sql`
      INSERT INTO collections_hourly (day, hour, calls, contacts, talk_ms, agent_calls, agent_hours, promising,
        promises, amount, collected, kept, partial, broken, pending, currencies, analysed, disclosed, adherence_sum,
        adherence_n, forbidden)
      SELECT day, seg, sum(calls), sum(contacts), sum(talk_ms), sum(agent_calls), count(DISTINCT agent_id),
        sum(promising), sum(promises), sum(amount), sum(collected), sum(kept), sum(partial), sum(broken),
        sum(pending), string_agg(DISTINCT currencies, ','), sum(analysed), sum(disclosed), sum(adherence_sum),
        sum(adherence_n), sum(forbidden)
      FROM collections_daily
      WHERE dim = 'hourOfDay' ${days ? sql`AND day = any(${days}::date[])` : sql``}
      GROUP BY day, seg`.execute(trx);
  }

  /**
   * collections_segments (migration 0024): the portfolio segments' rows of these days (all when not given) summed
   * over agents, teams, campaigns and languages; each agent's hours with calls counted once per agent and day, as
   * the metrics count agent-hours.
   */
  private async sumSegments(trx: Trx, days?: readonly string[]): Promise<void> {
    await sql`
      INSERT INTO collections_segments (day, dim, seg, calls, contacts, talk_ms, agent_calls, agent_hours, promising,
        promises, amount, collected, kept, partial, broken, pending, currencies, analysed, disclosed, adherence_sum,
        adherence_n, forbidden)
      SELECT day, dim, seg, sum(calls), sum(contacts), sum(talk_ms), sum(agent_calls), sum(agent_hours),
        sum(promising), sum(promises), sum(amount), sum(collected), sum(kept), sum(partial), sum(broken), sum(pending),
        string_agg(DISTINCT currencies, ','), sum(analysed), sum(disclosed), sum(adherence_sum), sum(adherence_n),
        sum(forbidden)
      FROM (
        SELECT day, dim, seg, agent_id, sum(calls) AS calls, sum(contacts) AS contacts, sum(talk_ms) AS talk_ms,
          sum(agent_calls) AS agent_calls, bit_count(bit_or(hours)::bit(24)) AS agent_hours,
          sum(promising) AS promising, sum(promises) AS promises, sum(amount) AS amount, sum(collected) AS collected,
          sum(kept) AS kept, sum(partial) AS partial, sum(broken) AS broken, sum(pending) AS pending,
          string_agg(DISTINCT currencies, ',') AS currencies, sum(analysed) AS analysed, sum(disclosed) AS disclosed,
          sum(adherence_sum) AS adherence_sum, sum(adherence_n) AS adherence_n, sum(forbidden) AS forbidden
        FROM collections_daily
        WHERE dim = any(${SEGMENT_DIMS}::text[]) ${days ? sql`AND day = any(${days}::date[])` : sql``}
        GROUP BY day, dim, seg, agent_id
      ) a
      GROUP BY day, dim, seg`.execute(trx);
  }

  /** Sums the calls of `from` (which names them `calls`), each with its analysis and its promises' sums. */
  private async sumInto(
    trx: Trx,
    calendar: Calendar,
    from: RawBuilder<unknown>,
    promises: RawBuilder<unknown>,
    prefix: RawBuilder<unknown>,
  ): Promise<void> {
    const local = calendar.local('calls.started_at');
    const pick = (column: string) => sql.raw(column);
    const dims: [string, string][] = [
      ['daysPastDue', 'dpd'],
      ['amountDue', 'amt'],
      ['product', 'product'],
      ['region', 'region'],
      ['country', 'country'],
      ['hourOfDay', 'hh'],
    ];
    const dim = sql.join(
      dims.map(([name, col]) => sql`when grouping(f.${pick(col)}) = 0 then ${sql.lit(name)}`),
      sql` `,
    );
    const seg = sql.join(
      dims.map(([, col]) => sql`when grouping(f.${pick(col)}) = 0 then f.${pick(col)}`),
      sql` `,
    );
    await sql`
      ${prefix}
      INSERT INTO collections_daily (day, dim, seg, agent_id, agent_name, team, campaign, language, calls, contacts,
        talk_ms, agent_calls, hours, promising, promises, amount, collected, kept, partial, broken, pending,
        currencies, analysed, disclosed, adherence_sum, adherence_n, forbidden)
      SELECT f.day, case ${dim} else 'base' end, case ${seg} end,
        f.agent_id, max(f.agent_name), f.team, f.campaign, f.language,
        count(*), count(*) filter (where f.contact), coalesce(sum(f.duration_ms), 0),
        count(*) filter (where f.agent_id is not null),
        coalesce(bit_or(1 << f.hour) filter (where f.agent_id is not null), 0),
        count(*) filter (where f.contact and f.n > 0), sum(f.n), sum(f.amount), sum(f.collected),
        sum(f.kept), sum(f.partial), sum(f.broken), sum(f.pending), string_agg(distinct f.currencies, ','),
        count(*) filter (where f.analysed), count(*) filter (where f.disclosed),
        coalesce(sum(f.adherence), 0), count(f.adherence), count(*) filter (where f.forbidden)
      FROM (
        SELECT ${local}::date AS day, extract(hour from ${local})::int AS hour,
               lpad(extract(hour from ${local})::int::text, 2, '0') AS hh,
               calls.agent_id, calls.agent_name, calls.team, calls.campaign, calls.language,
               ${DPD_BUCKET} AS dpd, ${AMOUNT_BAND} AS amt, calls.product, calls.region, calls.country,
               calls.duration_ms,
               coalesce((a.result -> 'talk' -> 'speakers') ? 'customer', false) AS contact,
               a.call_id IS NOT NULL AS analysed, a.disclosure_outcome = 'disclosed' AS disclosed,
               a.adherence_score::float8 AS adherence, cardinality(a.violations) > 0 AS forbidden,
               coalesce(p.n, 0) AS n, coalesce(p.amount, 0) AS amount, coalesce(p.collected, 0) AS collected,
               coalesce(p.kept, 0) AS kept, coalesce(p.partial, 0) AS partial, coalesce(p.broken, 0) AS broken,
               coalesce(p.pending, 0) AS pending, p.currencies
        FROM ${from}
        LEFT JOIN call_analysis a ON a.call_id = calls.id
        ${promises}
      ) f
      GROUP BY f.day, f.agent_id, f.team, f.campaign, f.language,
        GROUPING SETS ((), (f.dpd), (f.amt), (f.product), (f.region), (f.country), (f.hh))`.execute(trx);
  }
}

/** A call's promises summed, with their statuses on `asOf` (statusOf, the one rule). */
const PROMISE_SUMS = (asOf: string) => {
  const status = statusOf(asOf);
  return sql`count(*)::int AS n,
    coalesce(sum(payment_promises.amount), 0) AS amount,
    coalesce(sum(payment_promises.collected), 0) AS collected,
    count(*) filter (where ${status} = 'kept')::int AS kept,
    count(*) filter (where ${status} = 'partial')::int AS partial,
    count(*) filter (where ${status} = 'broken')::int AS broken,
    count(*) filter (where ${status} = 'pending')::int AS pending,
    string_agg(distinct payment_promises.currency, ',') AS currencies`;
};

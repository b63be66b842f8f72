import { expressionBuilder, sql, type RawBuilder } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';
import type { Calendar } from './calendar.ts';
import type { MetricDimension, MetricPeriod, ROLL_DIMENSIONS } from './metric-dimensions.ts';
import type { Scope } from './promise.repository.ts';
import {
  DPD_BUCKET,
  DPD_BUCKET_OF,
  DPD_ORDER,
  NEXT_PERIOD_OF,
  PREVIOUS_PERIOD_OF,
  SEGMENT_DIMS,
} from './rollup.repository.ts';

export type { MetricDimension, MetricPeriod } from './metric-dimensions.ts';

export interface MetricsFilter {
  /** First local day counted, YYYY-MM-DD. */
  from?: string | undefined;
  /** First local day no longer counted. */
  to?: string | undefined;
  agentId?: string | undefined;
  team?: string | undefined;
  campaign?: string | undefined;
}

export interface MetricsRow {
  /**
   * The agent id, team, campaign, segment (a days-past-due bucket, an amount band, a product, a region, a country),
   * hour of day (00–23), weekday (1–7) or `all`.
   */
  key: string | null;
  /** The agent's name, for `agent`. */
  label: string | null;
  /** First day of the day, week (Monday) or month, YYYY-MM-DD, in the deployment's time zone. */
  period: string;
  calls: number;
  /** Calls in which the customer spoke (analysed calls only). */
  contacts: number;
  talkMs: number;
  /** Average handle time: the average call length (wrap-up time is not recorded). */
  ahtMs: number | null;
  /** Calls per agent-hour: calls over the hours in which each agent had calls. */
  callsPerAgentHour: number | null;
  /** Calls with at least one promise to pay, over contacts. */
  promiseRate: number | null;
  promises: number;
  amountPromised: number;
  kept: number;
  partial: number;
  broken: number;
  pending: number;
  /** Kept over resolved promises (kept, partially kept, broken); pending ones are left out. */
  keptRate: number | null;
  brokenRate: number | null;
  /** What the promises collected. */
  amountCollected: number;
  /** The currencies of the amounts (several: the sums mix them). */
  currencies: string[];
  analysed: number;
  /** Analysed calls whose recording notice was complete. */
  disclosureRate: number | null;
  adherenceScore: number | null;
  /** Analysed calls with a forbidden practice. */
  forbiddenRate: number | null;
}

/** The summary rows' group of a grouping, and the SQL of its key over them (named `calls`, see `metrics`). */
function keyOf(by: MetricDimension): { dim: string; key: RawBuilder<string | null> } {
  switch (by) {
    case 'all':
      return { dim: 'base', key: sql<string>`'all'` };
    case 'agent':
      return { dim: 'base', key: sql<string | null>`calls.agent_id` };
    case 'team':
      return { dim: 'base', key: sql<string | null>`calls.team` };
    case 'campaign':
      return { dim: 'base', key: sql<string | null>`calls.campaign` };
    case 'weekday':
      return { dim: 'base', key: sql<string>`extract(isodow from calls.day)::int::text` };
    case 'daysPastDue':
    case 'amountDue':
    case 'product':
    case 'region':
    case 'country':
    case 'hourOfDay':
      return { dim: by, key: sql<string | null>`calls.seg` };
  }
}

/** The key of a roll grouping over calls. */
function rollKeyOf(by: RollDimension): RawBuilder<string | null> {
  switch (by) {
    case 'all':
      return sql<string>`'all'`;
    case 'agent':
      return sql<string | null>`calls.agent_id`;
    case 'team':
      return sql<string | null>`calls.team`;
    case 'campaign':
      return sql<string | null>`calls.campaign`;
    case 'daysPastDue':
      return DPD_BUCKET;
  }
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

export type RollDimension = (typeof ROLL_DIMENSIONS)[number];

export interface RollRow {
  /** The agent, team or campaign of the account's last call in the period, its bucket then, or `all`. */
  key: string | null;
  /** The period the accounts are followed from (to the next one), YYYY-MM-DD. */
  period: string;
  /** Accounts called in this period and the next, with days past due both times. */
  accounts: number;
  /** Of those, past due in this period. */
  delinquent: number;
  /** Moved to a later bucket. */
  rolled: number;
  stayed: number;
  /** Moved to an earlier bucket. */
  improved: number;
  /** Past due, then current. */
  cured: number;
  rollRate: number | null;
  /** Cured over delinquent. */
  cureRate: number | null;
  /** Improved over delinquent. */
  normalisationRate: number | null;
}

/** The summary table's columns a query names (read under the name `calls`). */
interface CallsLike {
  day: string;
  dim: string;
  seg: string | null;
  agent_id: string | null;
  agent_name: string | null;
  team: string | null;
  campaign: string | null;
  language: string | null;
}

/** Productivity, effectiveness and conduct per group and period (from the summary rows), and roll (over calls). */
export class MetricsRepository {
  constructor(private readonly db: Db) {}

  /**
   * The metrics from the summary rows (collections_daily, kept by RollupRepository): one pass over the days of the
   * filter, summed per agent and day first (agent-hours are the hours in which each agent had calls, a bit mask per
   * row), then per key and period. The summary table is read under the name `calls`, so the caller's call scope
   * (agent, team, language: columns it shares with calls) applies to it unchanged.
   */
  async metrics(
    by: MetricDimension,
    period: MetricPeriod,
    filter: MetricsFilter,
    scope: Scope,
  ): Promise<MetricsRow[]> {
    const { dim, key } = keyOf(by);
    const perRow = !countsEveryCall(filter, scope)
      ? undefined
      : by === 'hourOfDay'
        ? this.overAgents({ table: 'collections_hourly', key: 'hour' }, period, filter)
        : (SEGMENT_DIMS as readonly string[]).includes(by)
          ? this.overAgents({ table: 'collections_segments', key: 'seg', dim: by }, period, filter)
          : undefined;
    let q = this.db
      .selectFrom(sql<CallsLike>`collections_daily`.as('calls'))
      .where(sql.ref('calls.dim'), '=', dim)
      .where((eb) => eb.and(scope(eb as never)));
    if (filter.from) q = q.where(sql.ref('calls.day'), '>=', sql<string>`${filter.from}::date`);
    if (filter.to) q = q.where(sql.ref('calls.day'), '<', sql<string>`${filter.to}::date`);
    if (filter.agentId) q = q.where(sql.ref('calls.agent_id'), '=', filter.agentId);
    if (filter.team) q = q.where(sql.ref('calls.team'), '=', filter.team);
    if (filter.campaign) q = q.where(sql.ref('calls.campaign'), '=', filter.campaign);
    const perAgentDay = q
      .select([
        key.as('seg_key'),
        sql<string>`date_trunc(${sql.lit(period)}, calls.day)::date`.as('seg_period'),
        sql<string | null>`max(calls.agent_name)`.as('label'),
        sql<number>`sum(calls.calls)::int`.as('calls'),
        sql<number>`sum(calls.contacts)::int`.as('contacts'),
        sql<number>`sum(calls.talk_ms::float8)`.as('talk_ms'),
        sql<number>`bit_count(bit_or(calls.hours)::bit(24))`.as('agent_hours'),
        sql<number>`sum(calls.agent_calls)::int`.as('agent_calls'),
        sql<number>`sum(calls.promising)::int`.as('promising'),
        sql<number>`sum(calls.promises)::int`.as('promises'),
        sql<number>`sum(calls.amount::float8)`.as('amount'),
        sql<number>`sum(calls.collected::float8)`.as('collected'),
        sql<number>`sum(calls.kept)::int`.as('kept'),
        sql<number>`sum(calls.partial)::int`.as('partial'),
        sql<number>`sum(calls.broken)::int`.as('broken'),
        sql<number>`sum(calls.pending)::int`.as('pending'),
        sql<string | null>`string_agg(calls.currencies, ',')`.as('currencies'),
        sql<number>`sum(calls.analysed)::int`.as('analysed'),
        sql<number>`sum(calls.disclosed)::int`.as('disclosed'),
        sql<number>`sum(calls.adherence_sum::float8)`.as('adherence_sum'),
        sql<number>`sum(calls.adherence_n)::int`.as('adherence_n'),
        sql<number>`sum(calls.forbidden)::int`.as('forbidden'),
      ])
      .groupBy([sql.ref('seg_key'), sql.ref('seg_period'), sql.ref('calls.agent_id'), sql.ref('calls.day')]);
    const rows = (
      await sql<{
        seg_key: string | null;
        seg_period: string;
        label: string | null;
        calls: number;
        contacts: number;
        talk_ms: number;
        agent_hours: number;
        agent_calls: number;
        promising: number;
        promises: number;
        amount: number;
        collected: number;
        kept: number;
        partial: number;
        broken: number;
        pending: number;
        currencies: string | null;
        analysed: number;
        disclosed: number;
        adherence: number | null;
        forbidden: number;
      }>`
        SELECT seg_key, seg_period::text AS seg_period, max(label) AS label,
          sum(calls)::int AS calls, sum(contacts)::int AS contacts, sum(talk_ms)::float8 AS talk_ms,
          sum(agent_hours)::int AS agent_hours, sum(agent_calls)::int AS agent_calls,
          sum(promising)::int AS promising, sum(promises)::int AS promises, sum(amount)::float8 AS amount,
          sum(collected)::float8 AS collected, sum(kept)::int AS kept, sum(partial)::int AS partial,
          sum(broken)::int AS broken, sum(pending)::int AS pending, string_agg(currencies, ',') AS currencies,
          sum(analysed)::int AS analysed, sum(disclosed)::int AS disclosed,
          (sum(adherence_sum) / nullif(sum(adherence_n), 0))::float8 AS adherence, sum(forbidden)::int AS forbidden
        FROM (${perRow ?? perAgentDay}) x
        GROUP BY seg_key, seg_period
        ORDER BY seg_period, seg_key`.execute(this.db)
    ).rows;
    return rows.map((r) => {
      const resolved = r.kept + r.partial + r.broken;
      return {
        key: r.seg_key,
        label: by === 'agent' ? r.label : null,
        period: r.seg_period,
        calls: r.calls,
        contacts: r.contacts,
        talkMs: r.talk_ms,
        ahtMs: ratio(r.talk_ms, r.calls),
        callsPerAgentHour: ratio(r.agent_calls, r.agent_hours),
        promiseRate: ratio(r.promising, r.contacts),
        promises: r.promises,
        amountPromised: r.amount,
        kept: r.kept,
        partial: r.partial,
        broken: r.broken,
        pending: r.pending,
        keptRate: ratio(r.kept, resolved),
        brokenRate: ratio(r.broken, resolved),
        amountCollected: r.collected,
        currencies: [...new Set(r.currencies?.split(',') ?? [])].sort(),
        analysed: r.analysed,
        disclosureRate: ratio(r.disclosed, r.analysed),
        adherenceScore: r.adherence,
        forbiddenRate: ratio(r.forbidden, r.analysed),
      };
    });
  }

  /**
   * The rows of a summary over every agent as `metrics` sums them, one per day and key: collections_hourly (the
   * hour of day) or collections_segments of one dimension (a portfolio segment). What a query over every call reads;
   * a call scope or a filter on agent, team or campaign needs the rows per agent.
   */
  private overAgents(
    summary:
      | { table: 'collections_hourly'; key: 'hour' }
      | { table: 'collections_segments'; key: 'seg'; dim: string },
    period: MetricPeriod,
    filter: MetricsFilter,
  ): RawBuilder<unknown> {
    const dim = summary.table === 'collections_segments' ? sql`AND dim = ${summary.dim}` : sql``;
    const from = filter.from ? sql`AND day >= ${filter.from}::date` : sql``;
    const to = filter.to ? sql`AND day < ${filter.to}::date` : sql``;
    return sql`
      SELECT ${sql.ref(summary.key)} AS seg_key, date_trunc(${sql.lit(period)}, day)::date AS seg_period,
        NULL::text AS label, calls, contacts, talk_ms::float8 AS talk_ms, agent_hours, agent_calls, promising,
        promises, amount::float8 AS amount, collected::float8 AS collected, kept, partial, broken, pending,
        currencies, analysed, disclosed, adherence_sum, adherence_n, forbidden
      FROM ${sql.table(summary.table)} WHERE true ${dim} ${from} ${to}`;
  }

  /**
   * How accounts move between days-past-due buckets from one period to the next, from the days past due their calls
   * carry: each account's last call of a period against its last call of the next. Read from the roll summaries
   * (collections_roll_totals, collections_roll and collections_roll_steps, kept by RollupRepository) when every call
   * may be counted (no agent, team or campaign asked and an unrestricted caller): the transitions whose first call is
   * on or after `from` and whose second is before `to`; when `to` falls inside a period, the transitions into it are
   * the steps up to `to` (each account's last call before `to`, kept for every day a range can end on). Otherwise over
   * the calls (`rollOverCalls`): a filter changes which call is an account's last.
   */
  async roll(
    by: RollDimension,
    period: MetricPeriod,
    filter: MetricsFilter,
    scope: Scope,
    calendar: Calendar,
  ): Promise<RollRow[]> {
    if (!countsEveryCall(filter, scope)) return this.rollOverCalls(by, period, filter, scope, calendar);
    const kind = sql.lit(period);
    const key = (t: 'r' | 's') => {
      const col = (c: string) => sql.ref(`${t}.${c}`);
      switch (by) {
        case 'all':
          return sql<string>`'all'`;
        case 'agent':
          return col('agent_id');
        case 'team':
          return col('team');
        case 'campaign':
          return col('campaign');
        case 'daysPastDue':
          return DPD_BUCKET_OF(col('a_idx') as RawBuilder<number>);
      }
    };
    const from = filter.from ? sql`${filter.from}::date` : undefined;
    const to = filter.to ? sql`${filter.to}::date` : undefined;
    // The periods that the range holds whole, with the next: their transitions need no days.
    const whole = sql<boolean>`(${from ? sql`r.period >= ${from}` : sql`true`} AND ${
      to ? sql`${NEXT_PERIOD_OF(kind, NEXT_PERIOD_OF(kind, sql`r.period`))} <= ${to}` : sql`true`
    })`;
    // The period before the one `to` falls inside, when `to` does not begin one: its transitions into the cut period
    // are the steps up to `to`.
    const cutFrom = to
      ? sql`(CASE WHEN date_trunc(${kind}, ${to}::timestamp)::date < ${to}
                 THEN ${PREVIOUS_PERIOD_OF(kind, sql`date_trunc(${kind}, ${to}::timestamp)::date`)} END)`
      : undefined;
    const rows = await sql<RollCounts>`
      WITH t (seg_key, period, a_idx, b_idx, n) AS (
        SELECT ${key('r')}, r.period, r.a_idx, r.b_idx, sum(r.accounts)
        FROM collections_roll_totals r
        WHERE r.kind = ${kind} AND ${whole}
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT ${key('r')}, r.period, r.a_idx, r.b_idx, sum(r.accounts)
        FROM collections_roll r
        WHERE r.kind = ${kind} AND NOT ${whole}
          ${from ? sql`AND r.a_day >= ${from}` : sql``} ${to ? sql`AND r.b_day < ${to}` : sql``}
          ${cutFrom ? sql`AND r.period IS DISTINCT FROM ${cutFrom}` : sql``}
        GROUP BY 1, 2, 3, 4
        ${
          cutFrom
            ? sql`
        UNION ALL
        SELECT ${key('s')}, s.period, s.a_idx, s.b_idx, sum(s.accounts)
        FROM collections_roll_steps s
        WHERE s.kind = ${kind} AND s.period = ${cutFrom} AND s.step_day <= ${to}
          ${from ? sql`AND s.a_day >= ${from}` : sql``}
        GROUP BY 1, 2, 3, 4
        HAVING sum(s.accounts) <> 0`
            : sql``
        }
      )
      ${ROLL_COUNTS}`.execute(this.db);
    return rows.rows.map(rollRowOf);
  }

  /** `roll` over the calls themselves: each account's last call of each period, found among the filtered calls. */
  async rollOverCalls(
    by: RollDimension,
    period: MetricPeriod,
    filter: MetricsFilter,
    scope: Scope,
    calendar: Calendar,
  ): Promise<RollRow[]> {
    let q = this.db
      .selectFrom('calls')
      .where('calls.customer_ref', 'is not', null)
      .where('calls.days_past_due', 'is not', null)
      .where((eb) => eb.and(scope(eb as never)));
    if (filter.from) q = q.where('calls.started_at', '>=', calendar.startOfDay(filter.from));
    if (filter.to) q = q.where('calls.started_at', '<', calendar.startOfDay(filter.to));
    if (filter.agentId) q = q.where('calls.agent_id', '=', filter.agentId);
    if (filter.team) q = q.where('calls.team', '=', filter.team);
    if (filter.campaign) q = q.where('calls.campaign', '=', filter.campaign);
    // A literal (one of three words), so that DISTINCT ON and ORDER BY name the same expression.
    const periodOf = sql<string>`date_trunc(${sql.lit(period)}, ${calendar.local('calls.started_at')})::date`;
    const seen = q
      .select([
        'calls.customer_ref as account',
        periodOf.as('p'),
        DPD_ORDER.as('idx'),
        rollKeyOf(by).as('seg_key'),
      ])
      .distinctOn(['calls.customer_ref', periodOf])
      .orderBy('calls.customer_ref')
      .orderBy(periodOf)
      .orderBy('calls.started_at', 'desc');
    const rows = await sql<RollCounts>`
      WITH seen AS (${seen}),
      t (seg_key, period, a_idx, b_idx, n) AS (
        SELECT a.seg_key, a.p, a.idx, b.idx, count(*)
        FROM seen a
        JOIN seen b ON b.account = a.account AND b.p = ${NEXT_PERIOD_OF(sql.lit(period), sql`a.p`)}
        GROUP BY 1, 2, 3, 4
      )
      ${ROLL_COUNTS}`.execute(this.db);
    return rows.rows.map(rollRowOf);
  }
}

/**
 * Whether a query counts every call (no agent, team or campaign asked, an unrestricted caller): only then can the
 * summaries that sum over agents (collections_hourly, the roll summaries) answer it.
 */
export function countsEveryCall(filter: MetricsFilter, scope: Scope): boolean {
  return (
    !filter.agentId &&
    !filter.team &&
    !filter.campaign &&
    scope(expressionBuilder<Database, 'calls'>()).length === 0
  );
}

/** A roll row's counts, summed from `t (seg_key, period, a_idx, b_idx, n)`: accounts moving from bucket a to b. */
interface RollCounts {
  seg_key: string | null;
  period: string;
  accounts: number;
  delinquent: number;
  rolled: number;
  stayed: number;
  improved: number;
  cured: number;
}

/** What a move from bucket a_idx to b_idx counts as: the one place roll, cure and normalisation are defined. */
const ROLL_COUNTS = sql`
  SELECT seg_key, period::text AS period, sum(n)::int AS accounts,
         coalesce(sum(n) filter (where a_idx > 0), 0)::int AS delinquent,
         coalesce(sum(n) filter (where b_idx > a_idx), 0)::int AS rolled,
         coalesce(sum(n) filter (where b_idx = a_idx), 0)::int AS stayed,
         coalesce(sum(n) filter (where b_idx < a_idx), 0)::int AS improved,
         coalesce(sum(n) filter (where a_idx > 0 and b_idx = 0), 0)::int AS cured
  FROM t
  GROUP BY seg_key, period
  ORDER BY period, seg_key`;

function rollRowOf(r: RollCounts): RollRow {
  return {
    key: r.seg_key,
    period: r.period,
    accounts: r.accounts,
    delinquent: r.delinquent,
    rolled: r.rolled,
    stayed: r.stayed,
    improved: r.improved,
    cured: r.cured,
    rollRate: ratio(r.rolled, r.accounts),
    cureRate: ratio(r.cured, r.delinquent),
    normalisationRate: ratio(r.improved, r.delinquent),
  };
}

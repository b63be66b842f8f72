import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { MetricDimension, MetricPeriod, ROLL_DIMENSIONS } from './metric-dimensions.ts';
import { statusOf, type Scope } from './promise.repository.ts';

export type { MetricDimension, MetricPeriod } from './metric-dimensions.ts';

export interface MetricsFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  agentId?: string | undefined;
  team?: string | undefined;
  campaign?: string | undefined;
}

export interface MetricsRow {
  /** The agent id, team, campaign, segment (a days-past-due bucket, an amount band, a product, a region) or `all`. */
  key: string | null;
  /** The agent's name, for `agent`. */
  label: string | null;
  /** First day of the day, week (Monday) or month, YYYY-MM-DD (UTC). */
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

/** Days-past-due buckets and amount bands (amount due, in the call's currency). */
const DPD = sql<string>`case
  when calls.days_past_due is null then null
  when calls.days_past_due <= 0 then 'current'
  when calls.days_past_due <= 30 then '1-30'
  when calls.days_past_due <= 60 then '31-60'
  when calls.days_past_due <= 90 then '61-90'
  when calls.days_past_due <= 180 then '91-180'
  else '181+' end`;
const AMOUNT = sql<string>`case
  when calls.amount_due is null then null
  when calls.amount_due < 1000 then '<1k'
  when calls.amount_due < 10000 then '1k-10k'
  when calls.amount_due < 100000 then '10k-100k'
  when calls.amount_due < 1000000 then '100k-1M'
  else '1M+' end`;

function keyOf(by: MetricDimension): RawBuilder<string | null> {
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
      return DPD;
    case 'amountDue':
      return AMOUNT;
    case 'product':
      return sql<string | null>`calls.product`;
    case 'region':
      return sql<string | null>`calls.region`;
    case 'hourOfDay':
      return sql<string>`to_char(calls.started_at at time zone 'UTC', 'HH24')`;
    case 'weekday':
      return sql<string>`extract(isodow from calls.started_at at time zone 'UTC')::int::text`;
  }
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

/** The days-past-due bucket as an order (0 current … 5 181+), for roll rates. */
const DPD_ORDER = sql<number>`case
  when calls.days_past_due <= 0 then 0
  when calls.days_past_due <= 30 then 1
  when calls.days_past_due <= 60 then 2
  when calls.days_past_due <= 90 then 3
  when calls.days_past_due <= 180 then 4
  else 5 end`;
const NEXT_PERIOD = { day: '1 day', week: '7 days', month: '1 month' } as const;

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

/** Productivity, effectiveness and conduct per group and period, over calls, their analysis and their promises. */
export class MetricsRepository {
  constructor(private readonly db: Db) {}

  async metrics(
    by: MetricDimension,
    period: MetricPeriod,
    filter: MetricsFilter,
    asOf: string,
    scope: Scope,
  ): Promise<MetricsRow[]> {
    const status = statusOf(asOf);
    let q = this.db
      .selectFrom('calls')
      .leftJoin('call_analysis', 'call_analysis.call_id', 'calls.id')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('payment_promises')
            .whereRef('payment_promises.call_id', '=', 'calls.id')
            .where('payment_promises.voided', '=', false)
            .select([
              sql<number>`count(*)::int`.as('n'),
              sql<number>`coalesce(sum(payment_promises.amount), 0)::float8`.as('amount'),
              sql<number>`coalesce(sum(payment_promises.collected), 0)::float8`.as('collected'),
              sql<number>`count(*) filter (where ${status} = 'kept')::int`.as('kept'),
              sql<number>`count(*) filter (where ${status} = 'partial')::int`.as('partial'),
              sql<number>`count(*) filter (where ${status} = 'broken')::int`.as('broken'),
              sql<number>`count(*) filter (where ${status} = 'pending')::int`.as('pending'),
              sql<string | null>`string_agg(distinct payment_promises.currency, ',')`.as('currencies'),
            ])
            .as('p'),
        (join) => join.onTrue(),
      )
      .where((eb) => eb.and(scope(eb as never)));
    if (filter.from) q = q.where('calls.started_at', '>=', filter.from);
    if (filter.to) q = q.where('calls.started_at', '<', filter.to);
    if (filter.agentId) q = q.where('calls.agent_id', '=', filter.agentId);
    if (filter.team) q = q.where('calls.team', '=', filter.team);
    if (filter.campaign) q = q.where('calls.campaign', '=', filter.campaign);
    const contact = sql<boolean>`coalesce((call_analysis.result -> 'talk' -> 'speakers') ? 'customer', false)`;
    const rows = await q
      .select([
        keyOf(by).as('seg_key'),
        sql<string | null>`max(calls.agent_name)`.as('label'),
        sql<string>`date_trunc(${period}, calls.started_at at time zone 'UTC')::date::text`.as('seg_period'),
        sql<number>`count(*)::int`.as('calls'),
        sql<number>`count(*) filter (where ${contact})::int`.as('contacts'),
        sql<number>`coalesce(sum(calls.duration_ms), 0)::float8`.as('talk_ms'),
        sql<number>`count(distinct (calls.agent_id, date_trunc('hour', calls.started_at))) filter (where calls.agent_id is not null)::int`.as(
          'agent_hours',
        ),
        sql<number>`count(*) filter (where calls.agent_id is not null)::int`.as('agent_calls'),
        sql<number>`count(*) filter (where ${contact} and p.n > 0)::int`.as('promising'),
        sql<number>`coalesce(sum(p.n), 0)::int`.as('promises'),
        sql<number>`coalesce(sum(p.amount), 0)::float8`.as('amount'),
        sql<number>`coalesce(sum(p.collected), 0)::float8`.as('collected'),
        sql<number>`coalesce(sum(p.kept), 0)::int`.as('kept'),
        sql<number>`coalesce(sum(p.partial), 0)::int`.as('partial'),
        sql<number>`coalesce(sum(p.broken), 0)::int`.as('broken'),
        sql<number>`coalesce(sum(p.pending), 0)::int`.as('pending'),
        sql<string | null>`string_agg(p.currencies, ',')`.as('currencies'),
        sql<number>`count(call_analysis.call_id)::int`.as('analysed'),
        sql<number>`count(*) filter (where call_analysis.disclosure_outcome = 'disclosed')::int`.as(
          'disclosed',
        ),
        sql<number | null>`avg(call_analysis.adherence_score)::float8`.as('adherence'),
        sql<number>`count(*) filter (where cardinality(call_analysis.violations) > 0)::int`.as('forbidden'),
      ])
      .groupBy([sql.ref('seg_key'), sql.ref('seg_period')])
      .orderBy(sql.ref('seg_period'))
      .orderBy(sql.ref('seg_key'))
      .execute();
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
   * How accounts move between days-past-due buckets from one period to the next, from the days past due their calls
   * carry: each account's last call of a period against its last call of the next.
   */
  async roll(
    by: RollDimension,
    period: MetricPeriod,
    filter: MetricsFilter,
    scope: Scope,
  ): Promise<RollRow[]> {
    let q = this.db
      .selectFrom('calls')
      .where('calls.customer_ref', 'is not', null)
      .where('calls.days_past_due', 'is not', null)
      .where((eb) => eb.and(scope(eb as never)));
    if (filter.from) q = q.where('calls.started_at', '>=', filter.from);
    if (filter.to) q = q.where('calls.started_at', '<', filter.to);
    if (filter.agentId) q = q.where('calls.agent_id', '=', filter.agentId);
    if (filter.team) q = q.where('calls.team', '=', filter.team);
    if (filter.campaign) q = q.where('calls.campaign', '=', filter.campaign);
    // A literal (one of three words), so that DISTINCT ON and ORDER BY name the same expression.
    const periodOf = sql<string>`date_trunc(${sql.lit(period)}, calls.started_at at time zone 'UTC')::date`;
    const seen = q
      .select([
        'calls.customer_ref as account',
        periodOf.as('p'),
        DPD_ORDER.as('idx'),
        keyOf(by).as('seg_key'),
      ])
      .distinctOn(['calls.customer_ref', periodOf])
      .orderBy('calls.customer_ref')
      .orderBy(periodOf)
      .orderBy('calls.started_at', 'desc');
    const rows = await sql<{
      seg_key: string | null;
      period: string;
      accounts: number;
      delinquent: number;
      rolled: number;
      stayed: number;
      improved: number;
      cured: number;
    }>`
      with seen as (${seen})
      select a.seg_key, a.p::text as period, count(*)::int as accounts,
             count(*) filter (where a.idx > 0)::int as delinquent,
             count(*) filter (where b.idx > a.idx)::int as rolled,
             count(*) filter (where b.idx = a.idx)::int as stayed,
             count(*) filter (where b.idx < a.idx)::int as improved,
             count(*) filter (where a.idx > 0 and b.idx = 0)::int as cured
      from seen a
      join seen b on b.account = a.account and b.p = (a.p + ${sql.lit(NEXT_PERIOD[period])}::interval)::date
      group by a.seg_key, a.p
      order by a.p, a.seg_key`.execute(this.db);
    return rows.rows.map((r) => ({
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
    }));
  }
}

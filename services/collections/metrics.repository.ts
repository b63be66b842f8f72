import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../platform/database.ts';
import type { MetricDimension, MetricPeriod } from './metric-dimensions.ts';
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
}

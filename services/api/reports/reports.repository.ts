import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../../models/database.ts';
import type { Db } from '../../platform/database.ts';
import { AGENT_DIMENSIONS, COVERAGE_DIMENSIONS } from '../contract/reports.ts';

export { AGENT_DIMENSIONS, COVERAGE_DIMENSIONS };

/**
 * Aggregates over analysed calls (call_analysis joined with calls) for the compliance dashboard and the agents
 * page. Every query takes the caller's scope conditions, so people only count the calls they may see. Days and
 * weeks are UTC (ISO weeks starting on Monday).
 */

type CallsEb = ExpressionBuilder<Database, 'calls'>;
export type Scope = (eb: CallsEb) => Expression<SqlBool>[];

export type CoverageDimension = (typeof COVERAGE_DIMENSIONS)[number];
export type AgentDimension = (typeof AGENT_DIMENSIONS)[number];

export interface ReportFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  agentId?: string | undefined;
  team?: string | undefined;
  campaign?: string | undefined;
}

export interface CoverageRow {
  /** The day (YYYY-MM-DD), agent id, team or campaign; null for calls without one. */
  key: string | null;
  /** The agent's name, for `agent`. */
  label: string | null;
  /** Every notice given within the profile's window: the only outcome counted as given on time. */
  disclosed: number;
  /** Every notice said, one or more after the window. */
  late: number;
  partial: number;
  missing: number;
  total: number;
  disclosedPct: number;
  latePct: number;
  partialPct: number;
  missingPct: number;
}

/** The outcomes of a call whose notice was not given on time. */
export type NotOnTime = 'late' | 'partial' | 'missing';

export interface DisclosureCallRow {
  callId: string;
  startedAt: string;
  agentId: string | null;
  agentName: string | null;
  team: string | null;
  campaign: string | null;
  language: string | null;
  outcome: NotOnTime;
  /** Disclosure elements not said. */
  missingElements: string[];
  /** Disclosure elements said only after the profile's window. */
  lateElements: string[];
}

export interface AgentWeekRow {
  key: string | null;
  label: string | null;
  /** Monday of the week, YYYY-MM-DD. */
  week: string;
  calls: number;
  adherenceScore: number | null;
  disclosureRate: number | null;
  sentimentAgent: number | null;
  sentimentCustomer: number | null;
  promiseRate: number | null;
  agentTalkShare: number | null;
  silenceShare: number | null;
  overtalkMs: number | null;
  avgDurationMs: number | null;
}

const KEY: Record<CoverageDimension, RawBuilder<string | null>> = {
  day: sql<string>`to_char(calls.started_at at time zone 'UTC', 'YYYY-MM-DD')`,
  agent: sql<string | null>`calls.agent_id`,
  team: sql<string | null>`calls.team`,
  campaign: sql<string | null>`calls.campaign`,
};

const pct = (n: number, total: number) => (total === 0 ? 0 : Math.round((1000 * n) / total) / 10);
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const round = (v: unknown, digits: number): number | null => {
  const n = num(v);
  return n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits;
};

/** A number inside the analysis result, when it is one. */
const resultNumber = (path: string[]) =>
  sql<
    number | null
  >`case when jsonb_typeof(call_analysis.result #> ${path}) = 'number' then (call_analysis.result #>> ${path})::float8 end`;

export class ReportsRepository {
  constructor(private readonly db: Db) {}

  private analysed(filter: ReportFilter, scope: Scope) {
    let q = this.db
      .selectFrom('call_analysis')
      .innerJoin('calls', 'calls.id', 'call_analysis.call_id')
      .where((eb) => eb.and(scope(eb as unknown as CallsEb)));
    if (filter.from) q = q.where('calls.started_at', '>=', filter.from);
    if (filter.to) q = q.where('calls.started_at', '<', filter.to);
    if (filter.agentId) q = q.where('calls.agent_id', '=', filter.agentId);
    if (filter.team) q = q.where('calls.team', '=', filter.team);
    if (filter.campaign) q = q.where('calls.campaign', '=', filter.campaign);
    return q;
  }

  /** Disclosure outcomes counted by day, agent, team or campaign. */
  async disclosureCoverage(
    by: CoverageDimension,
    filter: ReportFilter,
    scope: Scope,
  ): Promise<CoverageRow[]> {
    const key = KEY[by];
    const rows = await this.analysed(filter, scope)
      .select((eb) => [
        key.as('key'),
        sql<string | null>`max(calls.agent_name)`.as('label'),
        eb.fn
          .countAll<string>()
          .filterWhere('call_analysis.disclosure_outcome', '=', 'disclosed')
          .as('disclosed'),
        eb.fn.countAll<string>().filterWhere('call_analysis.disclosure_outcome', '=', 'late').as('late'),
        eb.fn
          .countAll<string>()
          .filterWhere('call_analysis.disclosure_outcome', '=', 'partial')
          .as('partial'),
        eb.fn
          .countAll<string>()
          .filterWhere('call_analysis.disclosure_outcome', '=', 'missing')
          .as('missing'),
        eb.fn.countAll<string>().as('total'),
      ])
      .groupBy(key)
      .orderBy(key)
      .execute();
    return rows.map((r) => {
      const disclosed = Number(r.disclosed);
      const late = Number(r.late);
      const partial = Number(r.partial);
      const missing = Number(r.missing);
      const total = Number(r.total);
      return {
        key: r.key,
        label: by === 'agent' ? r.label : null,
        disclosed,
        late,
        partial,
        missing,
        total,
        disclosedPct: pct(disclosed, total),
        latePct: pct(late, total),
        partialPct: pct(partial, total),
        missingPct: pct(missing, total),
      };
    });
  }

  /** Calls whose disclosure was not given on time (late, partial or missing), newest first. */
  async disclosureCalls(
    filter: ReportFilter & { outcomes: NotOnTime[]; limit: number; offset: number },
    scope: Scope,
  ): Promise<DisclosureCallRow[]> {
    const rows = await this.analysed(filter, scope)
      .where('call_analysis.disclosure_outcome', 'in', filter.outcomes)
      .select([
        'calls.id',
        'calls.started_at',
        'calls.agent_id',
        'calls.agent_name',
        'calls.team',
        'calls.campaign',
        'calls.language',
        'call_analysis.disclosure_outcome',
        sql<unknown>`call_analysis.result #> '{disclosure,missing}'`.as('missing_elements'),
        sql<unknown>`call_analysis.result #> '{disclosure,late}'`.as('late_elements'),
      ])
      .orderBy('calls.started_at', 'desc')
      .orderBy('calls.id')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute();
    return rows.map((r) => ({
      callId: r.id,
      startedAt: r.started_at.toISOString(),
      agentId: r.agent_id,
      agentName: r.agent_name,
      team: r.team,
      campaign: r.campaign,
      language: r.language,
      outcome: r.disclosure_outcome as NotOnTime,
      missingElements: Array.isArray(r.missing_elements) ? r.missing_elements.map(String) : [],
      lateElements: Array.isArray(r.late_elements) ? r.late_elements.map(String) : [],
    }));
  }

  /** Per agent or team and week: adherence, disclosure rate, sentiment, promise-to-pay rate and talk metrics. */
  async agentWeeks(by: AgentDimension, filter: ReportFilter, scope: Scope): Promise<AgentWeekRow[]> {
    const key = KEY[by];
    const week = sql<string>`to_char(date_trunc('week', calls.started_at at time zone 'UTC'), 'YYYY-MM-DD')`;
    const rows = await this.analysed(filter, scope)
      .select((eb) => [
        key.as('key'),
        sql<string | null>`max(calls.agent_name)`.as('label'),
        week.as('week'),
        eb.fn.countAll<string>().as('calls'),
        sql<number | null>`avg(call_analysis.adherence_score)`.as('adherence'),
        sql<number>`avg(case when call_analysis.disclosure_outcome = 'disclosed' then 1.0 else 0.0 end)`.as(
          'disclosure',
        ),
        sql<number | null>`avg(call_analysis.sentiment_agent_score)`.as('sentiment_agent'),
        sql<number | null>`avg(call_analysis.sentiment_customer_score)`.as('sentiment_customer'),
        sql<number>`avg(case when call_analysis.promise_to_pay then 1.0 else 0.0 end)`.as('promise'),
        sql<number | null>`avg(${resultNumber(['talk', 'agentTalkShare'])})`.as('talk_share'),
        sql<number | null>`avg(${resultNumber(['talk', 'silenceShare'])})`.as('silence_share'),
        sql<number | null>`avg(${resultNumber(['talk', 'overtalk', 'totalMs'])})`.as('overtalk'),
        sql<number | null>`avg(calls.duration_ms)`.as('duration'),
      ])
      .groupBy([key, week])
      .orderBy(key)
      .orderBy(week)
      .execute();
    return rows.map((r) => ({
      key: r.key,
      label: by === 'agent' ? r.label : null,
      week: r.week,
      calls: Number(r.calls),
      adherenceScore: round(r.adherence, 1),
      disclosureRate: round(r.disclosure, 3),
      sentimentAgent: round(r.sentiment_agent, 3),
      sentimentCustomer: round(r.sentiment_customer, 3),
      promiseRate: round(r.promise, 3),
      agentTalkShare: round(r.talk_share, 3),
      silenceShare: round(r.silence_share, 3),
      overtalkMs: round(r.overtalk, 0),
      avgDurationMs: round(r.duration, 0),
    }));
  }
}

import type { Caller, CallerAudit } from '../access/caller.ts';
import { scopeConditions } from '../access/call-scope.ts';
import type { Calendar } from './calendar.ts';
import { addDays } from './ledger.ts';
import type {
  MetricDimension,
  MetricPeriod,
  MetricsFilter,
  MetricsRepository,
  MetricsRow,
  RollDimension,
  RollRow,
} from './metrics.repository.ts';
import { countsEveryCall } from './metrics.repository.ts';
import type { RollupRepository } from './rollup.repository.ts';

/** A period asked for: local days (YYYY-MM-DD) or instants, as the API accepts them. */
export interface MetricsRange {
  from?: string | Date | undefined;
  to?: string | Date | undefined;
  agentId?: string | undefined;
  team?: string | undefined;
  campaign?: string | undefined;
}

/**
 * Collections metrics by agent, team, campaign or portfolio segment, per day, week or month: productivity (calls,
 * contacts, talk time, handle time, calls per agent-hour), effectiveness (promise rate, amount promised, kept and
 * broken rates, amount collected, on the ledger as of today) and conduct (disclosure, adherence, forbidden
 * practices) side by side, read from the summary rows, which are brought up to date first. Days, weeks, months and
 * hours are the deployment's time zone's. Only calls inside the caller's scope count; an export is audited.
 */
export class MetricsService {
  constructor(
    private readonly deps: {
      metrics: MetricsRepository;
      rollups: RollupRepository;
      auditor: CallerAudit;
      calendar: Calendar;
      today: () => string;
    },
  ) {}

  /**
   * The whole local days a range touches: `from`'s day on, up to and including the day of the range's last
   * instant (a day alone as `to` is the first day left out).
   */
  days(range: MetricsRange): MetricsFilter {
    const { from, to, ...rest } = range;
    const { calendar } = this.deps;
    return {
      ...rest,
      from: from === undefined || typeof from === 'string' ? from : calendar.dayOf(from),
      to:
        to === undefined || typeof to === 'string'
          ? to
          : addDays(calendar.dayOf(new Date(to.getTime() - 1)), 1),
    };
  }

  /**
   * Brings the summaries up to date now (after a whole-ledger recompute, which marks them to be summed again), so
   * that no dashboard read has to.
   */
  bringUpToDate(): Promise<'fresh' | 'refreshed' | 'rebuilt'> {
    return this.deps.rollups.ensureFresh(this.deps.calendar, this.deps.today());
  }

  /** Sums everything again (`escucha payments rollup`). */
  rebuild(): Promise<void> {
    return this.deps.rollups.rebuild(this.deps.calendar, this.deps.today());
  }

  async metrics(
    caller: Caller,
    by: MetricDimension,
    period: MetricPeriod,
    range: MetricsRange,
  ): Promise<MetricsRow[]> {
    await this.bringUpToDate();
    return this.deps.metrics.metrics(by, period, this.days(range), scopeConditions(caller.principal));
  }

  /** Roll, cure and normalisation of accounts between days-past-due buckets, period to period. */
  async roll(
    caller: Caller,
    by: RollDimension,
    period: MetricPeriod,
    range: MetricsRange,
  ): Promise<RollRow[]> {
    const filter = this.days(range);
    const scope = scopeConditions(caller.principal);
    // Only a roll the summaries answer needs them current (one over the calls reads none).
    if (countsEveryCall(filter, scope)) await this.bringUpToDate();
    return this.deps.metrics.roll(by, period, filter, scope, this.deps.calendar);
  }

  async exportMetrics(
    caller: Caller,
    by: MetricDimension,
    period: MetricPeriod,
    range: MetricsRange,
    asked: unknown,
  ): Promise<MetricsRow[]> {
    const rows = await this.metrics(caller, by, period, range);
    await this.deps.auditor.recordFor(caller, {
      action: 'export',
      targetType: 'collections_metrics',
      details: { filter: asked },
    });
    return rows;
  }
}

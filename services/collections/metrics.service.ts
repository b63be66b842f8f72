import type { Caller, CallerAudit } from '../access/caller.ts';
import { scopeConditions } from '../access/call-scope.ts';
import type {
  MetricDimension,
  MetricPeriod,
  MetricsFilter,
  MetricsRepository,
  MetricsRow,
  RollDimension,
  RollRow,
} from './metrics.repository.ts';

/**
 * Collections metrics by agent, team, campaign or portfolio segment, per day, week or month: productivity (calls,
 * contacts, talk time, handle time, calls per agent-hour), effectiveness (promise rate, amount promised, kept and
 * broken rates, amount collected, on the ledger as of today) and conduct (disclosure, adherence, forbidden
 * practices) side by side. Only calls inside the caller's scope count; an export is audited.
 */
export class MetricsService {
  constructor(
    private readonly deps: { metrics: MetricsRepository; auditor: CallerAudit; today: () => string },
  ) {}

  metrics(
    caller: Caller,
    by: MetricDimension,
    period: MetricPeriod,
    filter: MetricsFilter,
  ): Promise<MetricsRow[]> {
    return this.deps.metrics.metrics(
      by,
      period,
      filter,
      this.deps.today(),
      scopeConditions(caller.principal),
    );
  }

  /** Roll, cure and normalisation of accounts between days-past-due buckets, period to period. */
  roll(caller: Caller, by: RollDimension, period: MetricPeriod, filter: MetricsFilter): Promise<RollRow[]> {
    return this.deps.metrics.roll(by, period, filter, scopeConditions(caller.principal));
  }

  async exportMetrics(
    caller: Caller,
    by: MetricDimension,
    period: MetricPeriod,
    filter: MetricsFilter,
    asked: unknown,
  ): Promise<MetricsRow[]> {
    const rows = await this.metrics(caller, by, period, filter);
    await this.deps.auditor.recordFor(caller, {
      action: 'export',
      targetType: 'collections_metrics',
      details: { filter: asked },
    });
    return rows;
  }
}

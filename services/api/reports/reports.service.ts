import type { Caller, CallerAudit } from '../../access/caller.ts';
import { scopeConditions } from '../../access/call-scope.ts';
import type {
  AgentDimension,
  AgentWeekRow,
  CoverageDimension,
  CoverageRow,
  DisclosureCallRow,
  NotOnTime,
  ReportFilter,
  ReportsRepository,
} from './reports.repository.ts';

export type DisclosureCallsFilter = ReportFilter & {
  outcomes: NotOnTime[];
  limit: number;
  offset: number;
};

/**
 * The compliance dashboard (disclosure coverage by day, agent, team or campaign; calls with a partial or missing
 * disclosure) and the agents page (weekly metrics per agent or team). Counts include only calls inside the caller's
 * scope. An export is audited (`export`, with the filter as asked) before its rows are returned.
 */
export class ReportsService {
  constructor(private readonly deps: { reports: ReportsRepository; auditor: CallerAudit }) {}

  disclosureCoverage(caller: Caller, by: CoverageDimension, filter: ReportFilter): Promise<CoverageRow[]> {
    return this.deps.reports.disclosureCoverage(by, filter, scopeConditions(caller.principal));
  }

  disclosureCalls(caller: Caller, filter: DisclosureCallsFilter): Promise<DisclosureCallRow[]> {
    return this.deps.reports.disclosureCalls(filter, scopeConditions(caller.principal));
  }

  agentWeeks(caller: Caller, by: AgentDimension, filter: ReportFilter): Promise<AgentWeekRow[]> {
    return this.deps.reports.agentWeeks(by, filter, scopeConditions(caller.principal));
  }

  exportDisclosureCoverage(
    caller: Caller,
    by: CoverageDimension,
    filter: ReportFilter,
    asked: unknown,
  ): Promise<CoverageRow[]> {
    return this.exported(caller, 'disclosure_coverage', asked, this.disclosureCoverage(caller, by, filter));
  }

  exportDisclosureCalls(
    caller: Caller,
    filter: DisclosureCallsFilter,
    asked: unknown,
  ): Promise<DisclosureCallRow[]> {
    return this.exported(caller, 'disclosure_calls', asked, this.disclosureCalls(caller, filter));
  }

  exportAgentWeeks(
    caller: Caller,
    by: AgentDimension,
    filter: ReportFilter,
    asked: unknown,
  ): Promise<AgentWeekRow[]> {
    return this.exported(caller, 'agent_metrics', asked, this.agentWeeks(caller, by, filter));
  }

  /** The rows, once the export of them is in the audit trail. */
  private async exported<T>(
    caller: Caller,
    targetType: string,
    filter: unknown,
    rows: Promise<T>,
  ): Promise<T> {
    const result = await rows;
    await this.deps.auditor.recordFor(caller, { action: 'export', targetType, details: { filter } });
    return result;
  }
}

import { Router, type Request, type Response } from 'express';
import {
  agentsQuerySchema as agentsSchema,
  coverageQuerySchema as coverageSchema,
  disclosureCallsCsvQuerySchema as csvCallsSchema,
  disclosureCallsQuerySchema as callsSchema,
} from '../contract/reports.ts';
import type { Auditor } from '../audit/auditor.ts';
import { csvField } from '../audit/audit.router.ts';
import { scopeConditions } from '../auth/call-scope.ts';
import { parseOrThrow } from '../validation.ts';
import {
  type AgentWeekRow,
  type CoverageRow,
  type DisclosureCallRow,
  type ReportsRepository,
} from './reports.repository.ts';

/** Numbers as they are (a negative sentiment is no spreadsheet formula); text through the audit CSV's escaping. */
const field = (v: unknown) => (typeof v === 'number' ? String(v) : csvField(v));

function sendCsv(res: Response, name: string, header: string[], rows: unknown[][]): void {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="escucha-${name}-${stamp}.csv"`,
    'Cache-Control': 'no-store',
  });
  res.send([header, ...rows].map((r) => `${r.map(field).join(',')}\r\n`).join(''));
}

const COVERAGE_CSV = [
  'key',
  'label',
  'disclosed',
  'partial',
  'missing',
  'total',
  'disclosed_pct',
  'partial_pct',
  'missing_pct',
];
const coverageCsvRow = (r: CoverageRow) => [
  r.key,
  r.label,
  r.disclosed,
  r.partial,
  r.missing,
  r.total,
  r.disclosedPct,
  r.partialPct,
  r.missingPct,
];
const CALLS_CSV = [
  'call_id',
  'started_at',
  'agent_id',
  'agent_name',
  'team',
  'campaign',
  'language',
  'outcome',
  'missing_elements',
];
const callCsvRow = (r: DisclosureCallRow) => [
  r.callId,
  r.startedAt,
  r.agentId,
  r.agentName,
  r.team,
  r.campaign,
  r.language,
  r.outcome,
  r.missingElements.join(' '),
];
const AGENTS_CSV = [
  'key',
  'label',
  'week',
  'calls',
  'adherence_score',
  'disclosure_rate',
  'sentiment_agent',
  'sentiment_customer',
  'promise_rate',
  'agent_talk_share',
  'silence_share',
  'overtalk_ms',
  'avg_duration_ms',
];
const agentCsvRow = (r: AgentWeekRow) => [
  r.key,
  r.label,
  r.week,
  r.calls,
  r.adherenceScore,
  r.disclosureRate,
  r.sentimentAgent,
  r.sentimentCustomer,
  r.promiseRate,
  r.agentTalkShare,
  r.silenceShare,
  r.overtalkMs,
  r.avgDurationMs,
];

/**
 * The compliance dashboard (disclosure coverage by day, agent, team or campaign; calls with a partial or missing
 * disclosure) and the agents page (weekly metrics per agent or team), as JSON and as CSV. Every CSV export is
 * audited (`export`) before it is sent. Counts include only calls inside the caller's scope.
 */
export function reportsRouter(deps: { reports: ReportsRepository; auditor: Auditor }): Router {
  const router = Router();
  const exported = (req: Request, targetType: string) =>
    deps.auditor.record(req, { action: 'export', targetType, details: { filter: req.query } });

  router.get('/compliance/disclosure', async (req, res) => {
    const { by, ...filter } = parseOrThrow(coverageSchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({
      by,
      items: await deps.reports.disclosureCoverage(by, filter, scopeConditions(req.principal)),
    });
  });

  router.get('/compliance/disclosure.csv', async (req, res) => {
    const { by, ...filter } = parseOrThrow(coverageSchema, req.query, 'INVALID_QUERY', 'invalid query');
    const rows = await deps.reports.disclosureCoverage(by, filter, scopeConditions(req.principal));
    await exported(req, 'disclosure_coverage');
    sendCsv(res, `disclosure-by-${by}`, [by, ...COVERAGE_CSV.slice(1)], rows.map(coverageCsvRow));
  });

  router.get('/compliance/disclosure/calls', async (req, res) => {
    const { outcome, ...rest } = parseOrThrow(callsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({
      items: await deps.reports.disclosureCalls(
        { ...rest, outcomes: outcome },
        scopeConditions(req.principal),
      ),
    });
  });

  router.get('/compliance/disclosure/calls.csv', async (req, res) => {
    const { outcome, ...rest } = parseOrThrow(csvCallsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    const rows = await deps.reports.disclosureCalls(
      { ...rest, outcomes: outcome },
      scopeConditions(req.principal),
    );
    await exported(req, 'disclosure_calls');
    sendCsv(res, 'disclosure-calls', CALLS_CSV, rows.map(callCsvRow));
  });

  router.get('/agents/metrics', async (req, res) => {
    const { by, ...filter } = parseOrThrow(agentsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({ by, items: await deps.reports.agentWeeks(by, filter, scopeConditions(req.principal)) });
  });

  router.get('/agents/metrics.csv', async (req, res) => {
    const { by, ...filter } = parseOrThrow(agentsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    const rows = await deps.reports.agentWeeks(by, filter, scopeConditions(req.principal));
    await exported(req, 'agent_metrics');
    sendCsv(res, `agents-by-${by}`, [by, ...AGENTS_CSV.slice(1)], rows.map(agentCsvRow));
  });

  return router;
}

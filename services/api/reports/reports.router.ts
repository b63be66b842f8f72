import { Router, type Response } from 'express';
import {
  agentsQuerySchema as agentsSchema,
  coverageQuerySchema as coverageSchema,
  disclosureCallsCsvQuerySchema as csvCallsSchema,
  disclosureCallsQuerySchema as callsSchema,
} from '../contract/reports.ts';
import { callerOf } from '../caller.ts';
import { sendCsv } from '../csv.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import { type AgentWeekRow, type CoverageRow, type DisclosureCallRow } from './reports.repository.ts';
import type { ReportsService } from './reports.service.ts';

/** A report's download, named with the moment it was taken. */
const sendReport = (res: Response, name: string, header: string[], rows: unknown[][]) =>
  sendCsv(res, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`, header, rows);

const COVERAGE_CSV = [
  'key',
  'label',
  'disclosed',
  'late',
  'partial',
  'missing',
  'total',
  'disclosed_pct',
  'late_pct',
  'partial_pct',
  'missing_pct',
];
const coverageCsvRow = (r: CoverageRow) => [
  r.key,
  r.label,
  r.disclosed,
  r.late,
  r.partial,
  r.missing,
  r.total,
  r.disclosedPct,
  r.latePct,
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
  'late_elements',
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
  r.lateElements.join(' '),
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

/** The compliance dashboard and the agents page, as JSON and as CSV (services/api/reports/reports.service.ts). */
export function reportsRouter(deps: { reports: ReportsService }): Router {
  const router = Router();
  const reports = deps.reports;
  const caller = callerOf;

  router.get('/compliance/disclosure', async (req, res) => {
    const { by, ...filter } = parseOrThrow(coverageSchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({ by, items: await reports.disclosureCoverage(caller(req), by, filter) });
  });

  router.get('/compliance/disclosure.csv', async (req, res) => {
    const { by, ...filter } = parseOrThrow(coverageSchema, req.query, 'INVALID_QUERY', 'invalid query');
    const rows = await reports.exportDisclosureCoverage(caller(req), by, filter, req.query);
    sendReport(res, `disclosure-by-${by}`, [by, ...COVERAGE_CSV.slice(1)], rows.map(coverageCsvRow));
  });

  router.get('/compliance/disclosure/calls', async (req, res) => {
    const { outcome, ...rest } = parseOrThrow(callsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({ items: await reports.disclosureCalls(caller(req), { ...rest, outcomes: outcome }) });
  });

  router.get('/compliance/disclosure/calls.csv', async (req, res) => {
    const { outcome, ...rest } = parseOrThrow(csvCallsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    const rows = await reports.exportDisclosureCalls(caller(req), { ...rest, outcomes: outcome }, req.query);
    sendReport(res, 'disclosure-calls', CALLS_CSV, rows.map(callCsvRow));
  });

  router.get('/agents/metrics', async (req, res) => {
    const { by, ...filter } = parseOrThrow(agentsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({ by, items: await reports.agentWeeks(caller(req), by, filter) });
  });

  router.get('/agents/metrics.csv', async (req, res) => {
    const { by, ...filter } = parseOrThrow(agentsSchema, req.query, 'INVALID_QUERY', 'invalid query');
    const rows = await reports.exportAgentWeeks(caller(req), by, filter, req.query);
    sendReport(res, `agents-by-${by}`, [by, ...AGENTS_CSV.slice(1)], rows.map(agentCsvRow));
  });

  return router;
}

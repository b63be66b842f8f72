import { Router } from 'express';
import { callerOf } from '../api/caller.ts';
import { sendCsv } from '../api/csv.ts';
import {
  followUpQuerySchema,
  metricsQuerySchema,
  rollQuerySchema,
  paymentsBatchSchema,
  promiseCorrectionSchema,
  promisesQuerySchema,
} from '../api/contract/collections.ts';
import { uuidParams } from '../api/contract/common.ts';
import { parseOrThrow } from '../platform/validation.ts';
import type { MetricsService } from './metrics.service.ts';
import type { MetricsRow } from './metrics.repository.ts';
import type { PaymentsService } from './payments.service.ts';
import type { PromiseLedgerService } from './promise-ledger.service.ts';
import type { PromiseView } from './promise.repository.ts';

/** The dialer's columns: who to call, what is owed, and the moment the promise was made. */
const FOLLOW_UP_CSV = [
  'promise_id',
  'account',
  'phone',
  'status',
  'amount',
  'currency',
  'collected',
  'outstanding',
  'due_date',
  'window_end',
  'agent_id',
  'campaign',
  'call_id',
  'moment_ms',
];
const followUpRow = (p: PromiseView) => [
  p.id,
  p.account,
  p.phone,
  p.status,
  p.amount,
  p.currency,
  p.collected,
  p.outstanding,
  p.dueDate,
  p.windowEnd,
  p.agentId,
  p.campaign,
  p.callId,
  p.momentMs,
];

const METRICS_CSV = [
  'key',
  'label',
  'period',
  'calls',
  'contacts',
  'talk_ms',
  'aht_ms',
  'calls_per_agent_hour',
  'promise_rate',
  'promises',
  'amount_promised',
  'kept',
  'partial',
  'broken',
  'pending',
  'kept_rate',
  'broken_rate',
  'amount_collected',
  'currencies',
  'analysed',
  'disclosure_rate',
  'adherence_score',
  'forbidden_rate',
];
const metricsRow = (r: MetricsRow) => [
  r.key,
  r.label,
  r.period,
  r.calls,
  r.contacts,
  r.talkMs,
  r.ahtMs,
  r.callsPerAgentHour,
  r.promiseRate,
  r.promises,
  r.amountPromised,
  r.kept,
  r.partial,
  r.broken,
  r.pending,
  r.keptRate,
  r.brokenRate,
  r.amountCollected,
  r.currencies.join(' '),
  r.analysed,
  r.disclosureRate,
  r.adherenceScore,
  r.forbiddenRate,
];

/** Payments in, the promise ledger, the follow-up queue and the collections metrics (services/collections/). */
export function collectionsRouter(deps: {
  payments: PaymentsService;
  ledger: PromiseLedgerService;
  metrics: MetricsService;
}): Router {
  const router = Router();
  const { payments, ledger, metrics } = deps;

  router.post('/payments', async (req, res) => {
    const body = parseOrThrow(paymentsBatchSchema, req.body, 'BAD_REQUEST', 'invalid payments');
    const { rows, imported, duplicates } = await payments.importBatch(callerOf(req), body.payments);
    res.json({ rows, imported, duplicates });
  });

  router.get('/promises', async (req, res) => {
    const filter = parseOrThrow(promisesQuerySchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({ asOf: ledger.today(), items: await ledger.list(callerOf(req), filter) });
  });

  router.get('/promises/follow-up', async (req, res) => {
    const filter = parseOrThrow(followUpQuerySchema, req.query, 'INVALID_QUERY', 'invalid query');
    res.json({ asOf: ledger.today(), items: await ledger.followUp(callerOf(req), filter) });
  });

  router.get('/promises/follow-up.csv', async (req, res) => {
    const filter = parseOrThrow(followUpQuerySchema, req.query, 'INVALID_QUERY', 'invalid query');
    const rows = await ledger.exportFollowUp(callerOf(req), filter, req.query);
    sendCsv(res, `follow-up-${ledger.today()}`, FOLLOW_UP_CSV, rows.map(followUpRow));
  });

  router.patch('/promises/:id', async (req, res) => {
    const { id } = parseOrThrow(uuidParams, req.params, 'BAD_REQUEST', 'invalid promise id');
    const correction = parseOrThrow(promiseCorrectionSchema, req.body, 'BAD_REQUEST', 'invalid correction');
    res.json(await ledger.correct(callerOf(req), id, correction));
  });

  router.get('/portfolio/metrics', async (req, res) => {
    const { by, period, ...filter } = parseOrThrow(
      metricsQuerySchema,
      req.query,
      'INVALID_QUERY',
      'invalid query',
    );
    const items = await metrics.metrics(callerOf(req), by, period, filter);
    res.json({ by, period, asOf: ledger.today(), items });
  });

  router.get('/portfolio/metrics.csv', async (req, res) => {
    const { by, period, ...filter } = parseOrThrow(
      metricsQuerySchema,
      req.query,
      'INVALID_QUERY',
      'invalid query',
    );
    const rows = await metrics.exportMetrics(callerOf(req), by, period, filter, req.query);
    sendCsv(res, `collections-by-${by}-${period}`, METRICS_CSV, rows.map(metricsRow));
  });

  router.get('/portfolio/roll', async (req, res) => {
    const { by, period, ...filter } = parseOrThrow(
      rollQuerySchema,
      req.query,
      'INVALID_QUERY',
      'invalid query',
    );
    res.json({ by, period, items: await metrics.roll(callerOf(req), by, period, filter) });
  });

  return router;
}

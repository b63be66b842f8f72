import { Router } from 'express';
import { csvField } from '../api/audit/audit.router.ts';
import { callerOf } from '../api/caller.ts';
import {
  followUpQuerySchema,
  paymentsBatchSchema,
  promiseCorrectionSchema,
  promisesQuerySchema,
} from '../api/contract/collections.ts';
import { uuidParams } from '../api/contract/common.ts';
import { parseOrThrow } from '../platform/validation.ts';
import type { PaymentsService } from './payments.service.ts';
import type { PromiseLedgerService } from './promise-ledger.service.ts';
import type { PromiseView } from './promise.repository.ts';

const field = (v: unknown) => (typeof v === 'number' ? String(v) : csvField(v));

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

/** Payments in, the promise ledger and the follow-up queue (services/collections/). */
export function collectionsRouter(deps: { payments: PaymentsService; ledger: PromiseLedgerService }): Router {
  const router = Router();
  const { payments, ledger } = deps;

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
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="escucha-follow-up-${ledger.today()}.csv"`,
      'Cache-Control': 'no-store',
    });
    res.send([FOLLOW_UP_CSV, ...rows.map(followUpRow)].map((r) => `${r.map(field).join(',')}\r\n`).join(''));
  });

  router.patch('/promises/:id', async (req, res) => {
    const { id } = parseOrThrow(uuidParams, req.params, 'BAD_REQUEST', 'invalid promise id');
    const correction = parseOrThrow(promiseCorrectionSchema, req.body, 'BAD_REQUEST', 'invalid correction');
    res.json(await ledger.correct(callerOf(req), id, correction));
  });

  return router;
}

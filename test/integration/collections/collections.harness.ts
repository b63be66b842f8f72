import type { CallAnalysis, PaymentPromise } from '../../../services/analytics/index.ts';
import type { AnalysisCall } from '../../../services/analysis/analysis.repository.ts';
import type { TestApi } from '../../support/api.ts';

export interface TestCall {
  id: string;
  startedAt: string;
  account: string | null;
  agentId?: string;
  agentName?: string;
  team?: string;
  campaign?: string;
  currency?: string;
  durationMs?: number;
  direction?: 'inbound' | 'outbound';
  phone?: string;
  daysPastDue?: number;
  amountDue?: number;
  product?: string;
  region?: string;
  country?: string;
}

/** A call's metadata row, as the archive stores it (no audio: the ledger needs only the metadata). */
export async function insertCall(api: TestApi, c: Omit<TestCall, 'id'>): Promise<TestCall> {
  const started = new Date(c.startedAt);
  const durationMs = c.durationMs ?? 120_000;
  const row = await api.database.handle.db
    .insertInto('calls')
    .values({
      started_at: started,
      ended_at: new Date(started.getTime() + durationMs),
      duration_ms: durationMs,
      source: 'upload',
      customer_ref: c.account,
      agent_id: c.agentId ?? 'A1',
      agent_name: c.agentName ?? 'Ana',
      team: c.team ?? 't1',
      campaign: c.campaign ?? 'late-stage',
      currency: c.currency ?? 'COP',
      direction: c.direction ?? 'outbound',
      callee_number: c.phone ?? '+573001112233',
      days_past_due: c.daysPastDue ?? null,
      amount_due: c.amountDue ?? null,
      product: c.product ?? null,
      region: c.region ?? null,
      country: c.country ?? null,
      language: 'es',
      custom: JSON.stringify({}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...c, id: row.id };
}

/** A promise as the detector stores it. */
export function detected(
  amount: number | null,
  date: string | null,
  startMs = 30_000,
  currency = 'COP',
): PaymentPromise {
  return {
    kind: 'statement',
    amount: amount === null ? null : { value: amount, currency, text: String(amount) },
    date,
    dateText: date,
    evidence: [
      {
        segmentIndex: 3,
        party: 'customer',
        startMs,
        endMs: startMs + 2000,
        matchedText: 'le pago el viernes',
        score: 1,
      },
    ],
  };
}

/** What the analytics stage hands the ledger, in its transaction, for a call whose analysis found these promises. */
export async function analysed(api: TestApi, call: TestCall, promises: PaymentPromise[]): Promise<void> {
  const analysisCall = {
    id: call.id,
    startedAt: new Date(call.startedAt),
    currency: call.currency ?? 'COP',
    customerRef: call.account,
    campaign: call.campaign ?? 'late-stage',
    agentId: call.agentId ?? 'A1',
  } as AnalysisCall;
  const analysis = {
    promise: { promised: promises.length > 0, promises, primary: promises.at(-1) ?? null },
  } as CallAnalysis;
  await api.database.handle.db
    .transaction()
    .execute((trx) => api.services.collections.ledger.recordAnalysis(trx, analysisCall, analysis));
}

/** A call_analysis row with what the collections metrics read (whether the customer spoke, notice, adherence). */
export async function seedAnalysis(
  api: TestApi,
  callId: string,
  a: {
    contact: boolean;
    disclosure: 'disclosed' | 'partial' | 'missing';
    adherence: number;
    violations?: string[];
  },
): Promise<void> {
  const speakers = a.contact
    ? { agent: { talkMs: 1000 }, customer: { talkMs: 1000 } }
    : { agent: { talkMs: 1000 } };
  await api.database.handle.db
    .insertInto('call_analysis')
    .values({
      call_id: callId,
      analytics_version: 1,
      language: 'es',
      disclosure_profile: 'co',
      disclosure_outcome: a.disclosure,
      adherence_score: a.adherence,
      promise_to_pay: false,
      classification: 'right_party',
      violations: a.violations ?? [],
      result: JSON.stringify({ talk: { speakers } }),
    })
    .execute();
}

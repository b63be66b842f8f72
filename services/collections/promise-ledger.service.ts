import type { Transaction } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Caller, CallerAudit } from '../access/caller.ts';
import { scopeConditions } from '../access/call-scope.ts';
import type { AnalysisCall } from '../analysis/analysis.repository.ts';
import type { CallAnalysis, PaymentPromise } from '../analytics/index.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { EventPublisher } from '../webhooks/webhook.events.ts';
import { UTC_CALENDAR, type Calendar } from './calendar.ts';
import { addDays, allocate, type Allocation, type LedgerPayment, type LedgerPolicy } from './ledger.ts';
import type { PaymentsRepository, Trx } from './payments.repository.ts';
import type {
  AccountRange,
  Correction,
  DetectedPromise,
  PromiseFilter,
  PromiseRepository,
  PromiseView,
  StoredPromise,
} from './promise.repository.ts';

export interface PromisePolicy extends LedgerPolicy {
  /** Days after the call a promise said without a date is due. */
  defaultDueDays: number;
}

export interface FollowUpFilter {
  sinceDays: number;
  limit: number;
  agentId?: string | undefined;
  campaign?: string | undefined;
}

/** Accounts recomputed per statement pair when a list of accounts is recomputed. */
const ACCOUNTS_PER_PAGE = 2000;
/** Accounts per range of a whole recompute. */
const RANGE_ACCOUNTS = 25_000;
/**
 * Ranges of a whole recompute in flight at once, each on its own connection and in its own transaction: one range's
 * allocation (here) runs while another's reads and writes run in the database.
 */
const RANGES_IN_FLIGHT = 2;
/**
 * Changed allocations written at once above which the collections summaries are marked to be summed again whole
 * rather than cell by cell (a whole recompute changes most of them anyway, and marking cells cost as much as writing).
 */
const MARK_CELLS_UP_TO = 10_000;
const QUOTE_MAX = 500;

const currencyCode = (v: string | null | undefined): string | null =>
  v && /^[A-Za-z]{3}$/.test(v) ? v.toUpperCase() : null;

const sameAllocation = (a: Allocation, b: Allocation | undefined) =>
  b !== undefined &&
  a.collected === b.collected &&
  a.keptThreshold === b.keptThreshold &&
  a.windowEnd === b.windowEnd &&
  (a.lastPaymentAt?.getTime() ?? null) === (b.lastPaymentAt?.getTime() ?? null);

/** The analysis's promises as the ledger tracks them (only the stored output shape of the detector is read). */
export function trackedPromises(
  call: Pick<AnalysisCall, 'startedAt' | 'currency'>,
  promises: readonly PaymentPromise[],
  defaultDueDays: number,
  calendar: Calendar = UTC_CALENDAR,
): DetectedPromise[] {
  return promises.map((p, ordinal) => {
    const moments = p.evidence.map((e) => e.startMs);
    const quote = p.evidence
      .map((e) => e.matchedText)
      .join(' … ')
      .slice(0, QUOTE_MAX);
    return {
      ordinal,
      kind: p.kind,
      momentMs: moments.length > 0 ? Math.min(...moments) : null,
      quote: quote === '' ? null : quote,
      amount: p.amount ? p.amount.value : null,
      currency: currencyCode(p.amount?.currency) ?? currencyCode(call.currency),
      detectedDueDate: p.date,
      dueDate: p.date ?? addDays(calendar.dayOf(call.startedAt), defaultDueDays),
    };
  });
}

/**
 * The promise ledger: every promise to pay found in a call is tracked (from the analytics stage's transaction,
 * `recordAnalysis`), and matched against the account's payments (ledger.ts) whenever either changes: a call
 * analysed, payments imported, a supervisor's correction (audited). Reads are limited to the caller's call scope.
 */
export class PromiseLedgerService {
  constructor(
    private readonly deps: {
      promises: PromiseRepository;
      payments: PaymentsRepository;
      auditor: CallerAudit;
      policy: PromisePolicy;
      /** The clock (tests set the day). */
      now?: () => Date;
      /** Told of every promise recorded (webhooks), in the transaction that records it. */
      events?: EventPublisher;
      /** MARK_CELLS_UP_TO unless given (tests). */
      markCellsUpTo?: number;
    },
  ) {}

  /** The deployment's calendar (its time zone's days). */
  get calendar(): Calendar {
    return this.deps.policy.calendar ?? UTC_CALENDAR;
  }

  /** Today, YYYY-MM-DD, in the deployment's time zone. */
  today(): string {
    return this.calendar.dayOf(this.deps.now?.() ?? new Date());
  }

  /**
   * Tracks the promises of a call's analysis, in the transaction that stores it: the call's promises become what
   * the analysis found (updated, not duplicated, when it is analysed again) and their accounts are recomputed.
   */
  readonly recordAnalysis = async (
    trx: Transaction<Database>,
    call: AnalysisCall,
    analysis: CallAnalysis,
  ): Promise<void> => {
    const tracked = trackedPromises(
      call,
      analysis.promise.promises,
      this.deps.policy.defaultDueDays,
      this.calendar,
    );
    const accounts = await this.deps.promises.syncCall(
      trx,
      { id: call.id, account: call.customerRef, madeAt: call.startedAt },
      tracked,
    );
    await this.recomputeAccounts(trx, accounts);
    await this.deps.events?.publishAll(
      tracked.map((p) => ({
        type: 'promise.recorded' as const,
        data: {
          callId: call.id,
          ordinal: p.ordinal,
          account: call.customerRef,
          kind: p.kind,
          amount: p.amount,
          currency: p.currency,
          dueDate: p.dueDate,
        },
      })),
      trx,
    );
  };

  /** Allocates the payments of these accounts to their promises again; returns how many promises it saw. */
  async recomputeAccounts(trx: Trx, accounts: readonly string[]): Promise<number> {
    let promisesSeen = 0;
    for (let i = 0; i < accounts.length; i += ACCOUNTS_PER_PAGE) {
      const page = accounts.slice(i, i + ACCOUNTS_PER_PAGE);
      const [promises, payments] = await this.read(trx, page);
      promisesSeen += promises.length;
      await this.write(trx, this.allocateAll(promises, payments));
    }
    return promisesSeen;
  }

  /** Stores changed allocations; the one place that chooses how the summaries learn of them. */
  private write(trx: Trx, allocations: readonly Allocation[], range?: AccountRange) {
    return this.deps.promises.writeAllocations(trx, allocations, {
      ...(range ? { range } : {}),
      rebuildSummaries: allocations.length > (this.deps.markCellsUpTo ?? MARK_CELLS_UP_TO),
    });
  }

  private read(trx: Trx | undefined, accounts: readonly string[] | AccountRange) {
    return Promise.all([
      this.deps.promises.ofAccounts(trx, accounts),
      this.deps.payments.ofAccounts(trx, accounts),
    ]);
  }

  /**
   * The ledger over promises and payments both ordered by account (a merge, one account at a time): the allocations
   * that differ from what is stored.
   */
  private allocateAll(
    promises: readonly StoredPromise[],
    payments: readonly (LedgerPayment & { account: string })[],
  ): Allocation[] {
    const out: Allocation[] = [];
    const stored = new Map(promises.map((p) => [p.id, p.stored]));
    let pay = 0;
    let start = 0;
    for (let j = 1; j <= promises.length; j++) {
      if (j < promises.length && promises[j]!.account === promises[start]!.account) continue;
      const account = promises[start]!.account;
      while (pay < payments.length && payments[pay]!.account < account) pay++;
      const first = pay;
      while (pay < payments.length && payments[pay]!.account === account) pay++;
      for (const a of allocate(promises.slice(start, j), payments.slice(first, pay), this.deps.policy)) {
        if (!sameAllocation(a, stored.get(a.id))) out.push(a);
      }
      start = j;
    }
    return out;
  }

  /**
   * Recomputes the whole ledger (after a change of policy, or nightly): ranges of accounts in key order, each read
   * with two range scans (promises, payments), allocated in memory and written back in batched statements, each
   * range read and written in one transaction (as an import's recompute of its accounts is).
   */
  async recomputeAll(
    onProgress?: (promises: number) => void,
    options: { inFlight?: number; rangeAccounts?: number } = {},
  ): Promise<{ accounts: number; promises: number }> {
    let accounts = 0;
    let promises = 0;
    const running = new Set<Promise<void>>();
    let failed: { error: unknown } | undefined;
    const recompute = async (range: AccountRange) => {
      const seen = await this.deps.promises.transaction(async (trx) => {
        const [p, pay] = await this.read(trx, range);
        await this.write(trx, this.allocateAll(p, pay), range);
        return p;
      });
      promises += seen.length;
      for (let i = 0; i < seen.length; i++) {
        if (i === 0 || seen[i]!.account !== seen[i - 1]!.account) accounts++;
      }
      onProgress?.(promises);
    };
    let after: string | null = null;
    while (!failed) {
      const range = await this.deps.promises.nextRange(after, options.rangeAccounts ?? RANGE_ACCOUNTS);
      if (!range) break;
      after = range.last;
      const job: Promise<void> = recompute(range)
        .catch((error: unknown) => void (failed ??= { error }))
        .finally(() => running.delete(job));
      running.add(job);
      if (running.size >= (options.inFlight ?? RANGES_IN_FLIGHT)) await Promise.race(running);
    }
    await Promise.all(running);
    if (failed) throw failed.error;
    return { accounts, promises };
  }

  list(caller: Caller, filter: PromiseFilter, asOf?: string): Promise<PromiseView[]> {
    return this.deps.promises.list(filter, asOf ?? this.today(), scopeConditions(caller.principal));
  }

  async get(caller: Caller, id: string): Promise<PromiseView> {
    const found = await this.deps.promises.get(id, this.today(), scopeConditions(caller.principal));
    if (!found) throw new EscuchaError('NOT_FOUND', 'no such promise');
    return found;
  }

  /**
   * A supervisor's correction of a promise (amount, currency, due date, or that it was no promise): stored, the
   * account's ledger recomputed, and recorded in the audit trail with what it was before.
   */
  async correct(
    caller: Caller,
    id: string,
    correction: Correction & { note?: string | undefined },
  ): Promise<PromiseView> {
    const before = await this.get(caller, id);
    const { note, ...change } = correction;
    const by = caller.principal.username ?? caller.principal.name ?? caller.principal.id;
    await this.deps.promises.transaction(async (trx) => {
      const row = await this.deps.promises.correct(trx, id, change, by, note ?? null);
      if (row?.account) await this.recomputeAccounts(trx, [row.account]);
    });
    await this.deps.auditor.recordFor(caller, {
      action: 'promise_correct',
      callId: before.callId,
      targetType: 'promise',
      targetId: id,
      details: {
        before: {
          amount: before.amount,
          currency: before.currency,
          dueDate: before.dueDate,
          voided: before.status === 'void',
        },
        after: change,
        ...(note ? { note } : {}),
      },
    });
    return this.get(caller, id);
  }

  followUp(caller: Caller, filter: FollowUpFilter, asOf?: string): Promise<PromiseView[]> {
    return this.deps.promises.followUp(asOf ?? this.today(), filter, scopeConditions(caller.principal));
  }

  /** The follow-up queue for the dialer; the export is audited before its rows are returned. */
  async exportFollowUp(caller: Caller, filter: FollowUpFilter, asked: unknown): Promise<PromiseView[]> {
    const rows = await this.followUp(caller, filter);
    await this.deps.auditor.recordFor(caller, {
      action: 'export',
      targetType: 'promise_follow_up',
      details: { filter: asked },
    });
    return rows;
  }
}

import type { Transaction } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Caller, CallerAudit } from '../access/caller.ts';
import { scopeConditions } from '../access/call-scope.ts';
import type { AnalysisCall } from '../analysis/analysis.repository.ts';
import type { CallAnalysis, PaymentPromise } from '../analytics/index.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { EventPublisher } from '../webhooks/webhook.events.ts';
import { addDays, allocate, dayOf, type LedgerPolicy } from './ledger.ts';
import type { PaymentsRepository, Trx } from './payments.repository.ts';
import type {
  Correction,
  DetectedPromise,
  PromiseFilter,
  PromiseRepository,
  PromiseView,
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

/** Accounts recomputed per transaction by a whole recompute. */
const ACCOUNTS_PER_PAGE = 2000;
const QUOTE_MAX = 500;

const currencyCode = (v: string | null | undefined): string | null =>
  v && /^[A-Za-z]{3}$/.test(v) ? v.toUpperCase() : null;

/** The analysis's promises as the ledger tracks them (only the stored output shape of the detector is read). */
export function trackedPromises(
  call: Pick<AnalysisCall, 'startedAt' | 'currency'>,
  promises: readonly PaymentPromise[],
  defaultDueDays: number,
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
      dueDate: p.date ?? addDays(dayOf(call.startedAt), defaultDueDays),
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
    },
  ) {}

  /** Today, YYYY-MM-DD (UTC). */
  today(): string {
    return dayOf(this.deps.now?.() ?? new Date());
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
    const tracked = trackedPromises(call, analysis.promise.promises, this.deps.policy.defaultDueDays);
    const accounts = await this.deps.promises.syncCall(
      trx,
      { id: call.id, account: call.customerRef, madeAt: call.startedAt },
      tracked,
    );
    await this.recomputeAccounts(trx, accounts);
    for (const p of tracked) {
      await this.deps.events?.publish(
        {
          type: 'promise.recorded',
          data: {
            callId: call.id,
            ordinal: p.ordinal,
            account: call.customerRef,
            kind: p.kind,
            amount: p.amount,
            currency: p.currency,
            dueDate: p.dueDate,
          },
        },
        trx,
      );
    }
  };

  /** Allocates the payments of these accounts to their promises again. */
  async recomputeAccounts(trx: Trx, accounts: readonly string[]): Promise<number> {
    let promisesSeen = 0;
    for (let i = 0; i < accounts.length; i += ACCOUNTS_PER_PAGE) {
      const page = accounts.slice(i, i + ACCOUNTS_PER_PAGE);
      const [promises, payments] = await Promise.all([
        this.deps.promises.ofAccounts(trx, page),
        this.deps.payments.ofAccounts(trx, page),
      ]);
      promisesSeen += promises.length;
      const paymentsOf = new Map<string, typeof payments>();
      for (const p of payments) {
        const list = paymentsOf.get(p.account);
        if (list) list.push(p);
        else paymentsOf.set(p.account, [p]);
      }
      const allocations = [];
      let start = 0;
      // promises come ordered by account
      for (let j = 1; j <= promises.length; j++) {
        if (j === promises.length || promises[j]!.account !== promises[start]!.account) {
          const account = promises[start]!.account;
          allocations.push(
            ...allocate(promises.slice(start, j), paymentsOf.get(account) ?? [], this.deps.policy),
          );
          start = j;
        }
      }
      await this.deps.promises.writeAllocations(trx, allocations);
    }
    return promisesSeen;
  }

  /** Recomputes the whole ledger, a page of accounts per transaction (after a change of policy, or nightly). */
  async recomputeAll(
    onProgress?: (promises: number) => void,
  ): Promise<{ accounts: number; promises: number }> {
    let after: string | null = null;
    let accounts = 0;
    let promises = 0;
    for (;;) {
      const page = await this.deps.promises.accountsAfter(after, ACCOUNTS_PER_PAGE);
      if (page.length === 0) break;
      promises += await this.deps.promises.transaction((trx) => this.recomputeAccounts(trx, page));
      accounts += page.length;
      after = page[page.length - 1]!;
      onProgress?.(promises);
    }
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

import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';
import type { Allocation, LedgerPromise, PromiseStatus } from './ledger.ts';
import type { Trx } from './payments.repository.ts';
import { markSumsForRebuild, suspendCellMarks } from './rollup.repository.ts';

type CallsEb = ExpressionBuilder<Database, 'calls'>;
/** The caller's call scope as SQL conditions (access/call-scope.ts `scopeConditions`). */
export type Scope = (eb: CallsEb) => Expression<SqlBool>[];

/**
 * A promise's status on a day: void when a supervisor said it was none; kept when what it collected reaches its
 * threshold (any payment, when no amount was promised); pending until its window (due date plus grace) has passed;
 * then partially kept or broken. The one place this is decided: every query here and in the metrics uses it.
 */
export const statusOf = (asOf: string) => sql<PromiseStatus>`case
  when payment_promises.voided then 'void'
  when payment_promises.collected > 0
    and (payment_promises.kept_threshold is null or payment_promises.collected >= payment_promises.kept_threshold)
    then 'kept'
  when payment_promises.window_end >= ${asOf}::date then 'pending'
  when payment_promises.collected > 0 then 'partial'
  else 'broken' end`;

/** A promise as the call's analysis found it, ready to be tracked. */
export interface DetectedPromise {
  ordinal: number;
  kind: string;
  momentMs: number | null;
  quote: string | null;
  amount: number | null;
  currency: string | null;
  /** The date said, if any (YYYY-MM-DD). */
  detectedDueDate: string | null;
  /** The date it is due: the one said, or the default after the call. */
  dueDate: string;
}

export interface PromiseView {
  id: string;
  callId: string;
  ordinal: number;
  account: string | null;
  madeAt: string;
  momentMs: number | null;
  kind: string;
  quote: string | null;
  amount: number | null;
  currency: string | null;
  dueDate: string;
  detected: { amount: number | null; currency: string | null; dueDate: string | null };
  status: PromiseStatus;
  collected: number;
  /** What is still owed of the amount (null without one). */
  outstanding: number | null;
  windowEnd: string;
  lastPaymentAt: string | null;
  correction: { at: string; by: string | null; note: string | null } | null;
  agentId: string | null;
  agentName: string | null;
  team: string | null;
  campaign: string | null;
  /** The customer's number: the callee of an outbound call, the caller of an inbound one. */
  phone: string | null;
}

export interface PromiseFilter {
  account?: string | undefined;
  callId?: string | undefined;
  status?: PromiseStatus | undefined;
  limit: number;
  offset: number;
}

export interface Correction {
  amount?: number | null | undefined;
  currency?: string | null | undefined;
  dueDate?: string | undefined;
  voided?: boolean | undefined;
}

/** Accounts after `after` (all from the first when null) up to and including `last`, in text order. */
export interface AccountRange {
  after: string | null;
  last: string;
}
/** A promise as the ledger reads it: its input, and the allocation stored for it (written again only if changed). */
export interface StoredPromise extends LedgerPromise {
  account: string;
  stored: Allocation;
}

/** SQL: `column` names one of these accounts, or an account of this range (the one filter of the ledger's reads). */
export function accountsCondition(
  column: string,
  accounts: readonly string[] | AccountRange,
): RawBuilder<SqlBool> {
  const ref = sql.ref(column);
  if (Array.isArray(accounts)) return sql<SqlBool>`${ref} = any(${sql.val(accounts)}::text[])`;
  const { after, last } = accounts as AccountRange;
  return after === null
    ? sql<SqlBool>`${ref} <= ${last}`
    : sql<SqlBool>`(${ref} > ${after} AND ${ref} <= ${last})`;
}

const num = (v: string | null) => (v === null ? null : Number(v));

/** The promise ledger's rows: tracked promises, synced from a call's analysis, allocated by the ledger. */
export class PromiseRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /**
   * Makes the call's tracked promises what its analysis found: one row per promise by its place in the call
   * (updated, never duplicated, when the call is analysed again), rows past the last found removed. A promise a
   * supervisor corrected keeps what the supervisor said. Returns every account the call's promises were or are on.
   */
  async syncCall(
    trx: Trx,
    call: { id: string; account: string | null; madeAt: Date },
    promises: readonly DetectedPromise[],
  ): Promise<string[]> {
    const before = await trx
      .selectFrom('payment_promises')
      .select('account')
      .distinct()
      .where('call_id', '=', call.id)
      .execute();
    if (promises.length > 0) {
      await trx
        .insertInto('payment_promises')
        .values(
          promises.map((p) => ({
            call_id: call.id,
            ordinal: p.ordinal,
            account: call.account,
            made_at: call.madeAt,
            kind: p.kind,
            moment_ms: p.momentMs,
            quote: p.quote,
            detected_amount: p.amount === null ? null : p.amount.toFixed(2),
            detected_currency: p.currency,
            detected_due_date: p.detectedDueDate,
            amount: p.amount === null ? null : p.amount.toFixed(2),
            currency: p.currency,
            due_date: p.dueDate,
            window_end: p.dueDate,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['call_id', 'ordinal']).doUpdateSet((eb) => {
            // What a supervisor corrected stays as they said.
            const unlessCorrected = (column: 'amount' | 'currency' | 'due_date') =>
              sql<string>`case when payment_promises.corrected_at is null then ${eb.ref(`excluded.${column}`)} else ${eb.ref(`payment_promises.${column}`)} end`;
            return {
              account: eb.ref('excluded.account'),
              made_at: eb.ref('excluded.made_at'),
              kind: eb.ref('excluded.kind'),
              moment_ms: eb.ref('excluded.moment_ms'),
              quote: eb.ref('excluded.quote'),
              detected_amount: eb.ref('excluded.detected_amount'),
              detected_currency: eb.ref('excluded.detected_currency'),
              detected_due_date: eb.ref('excluded.detected_due_date'),
              amount: unlessCorrected('amount'),
              currency: unlessCorrected('currency'),
              due_date: unlessCorrected('due_date'),
              updated_at: sql`now()`,
            };
          }),
        )
        .execute();
    }
    await trx
      .deleteFrom('payment_promises')
      .where('call_id', '=', call.id)
      .where('ordinal', '>=', promises.length)
      .where('corrected_at', 'is', null)
      .execute();
    const accounts = new Set(before.map((b) => b.account));
    accounts.add(call.account);
    return [...accounts].filter((a): a is string => a !== null);
  }

  /**
   * The ledger's input for these accounts (or this range of accounts), by account, with what the ledger stored for
   * each last time.
   */
  async ofAccounts(
    trx: Trx | undefined,
    accounts: readonly string[] | AccountRange,
  ): Promise<StoredPromise[]> {
    if (Array.isArray(accounts) && accounts.length === 0) return [];
    const q = (trx ?? this.db).selectFrom('payment_promises').select([
      'id',
      'account',
      // Times as epoch milliseconds: a number is read many times faster than a timestamp's text.
      sql<number>`extract(epoch from made_at)::float8 * 1000`.as('made_ms'),
      sql<string>`due_date::text`.as('due_day'),
      sql<number | null>`amount::float8`.as('amount'),
      'currency',
      'voided',
      sql<number>`collected::float8`.as('collected'),
      sql<number | null>`kept_threshold::float8`.as('kept_threshold'),
      sql<string>`window_end::text`.as('window_day'),
      sql<number | null>`extract(epoch from last_payment_at)::float8 * 1000`.as('last_payment_ms'),
    ]);
    // The order of the index on (account, due_date): read in order, no sort.
    const rows = await q
      .where(accountsCondition('account', accounts))
      .orderBy('account')
      .orderBy('due_date')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      account: r.account!,
      madeAt: new Date(r.made_ms),
      dueDate: r.due_day,
      amount: r.amount,
      currency: r.currency,
      voided: r.voided,
      stored: {
        id: r.id,
        collected: r.collected,
        keptThreshold: r.kept_threshold,
        windowEnd: r.window_day,
        lastPaymentAt: r.last_payment_ms === null ? null : new Date(r.last_payment_ms),
      },
    }));
  }

  /**
   * Stores what the ledger allocated, in one statement per 50,000 promises of arrays unnested (only rows whose
   * values changed are written). `range`, when the promises are one range of accounts, lets PostgreSQL read only
   * that range. `rebuildSummaries` marks the collections summaries to be summed again whole, in the transaction,
   * instead of the cells these statements touch one by one (the triggers' marks are suspended for them).
   */
  async writeAllocations(
    trx: Trx,
    allocations: readonly Allocation[],
    options: { range?: AccountRange; rebuildSummaries?: boolean } = {},
  ): Promise<number> {
    const { range, rebuildSummaries: bulk = false } = options;
    if (bulk) await suspendCellMarks(trx, true);
    let written = 0;
    for (let i = 0; i < allocations.length; i += 50_000) {
      const chunk = allocations.slice(i, i + 50_000);
      const inRange = range ? sql`AND ${accountsCondition('p.account', range)}` : sql``;
      const done = await sql`
        UPDATE payment_promises p SET
          collected = v.collected, kept_threshold = v.kept_threshold, window_end = v.window_end,
          last_payment_at = v.last_payment_at, updated_at = now()
        FROM unnest(${chunk.map((a) => a.id)}::uuid[], ${chunk.map((a) => a.collected)}::numeric[],
                    ${chunk.map((a) => a.keptThreshold)}::numeric[], ${chunk.map((a) => a.windowEnd)}::date[],
                    ${chunk.map((a) => a.lastPaymentAt)}::timestamptz[])
          AS v(id, collected, kept_threshold, window_end, last_payment_at)
        WHERE p.id = v.id ${inRange}
          AND (p.collected, p.kept_threshold, p.window_end, p.last_payment_at)
          IS DISTINCT FROM (v.collected, v.kept_threshold, v.window_end, v.last_payment_at)`.execute(trx);
      written += Number(done.numAffectedRows ?? 0);
    }
    if (bulk) {
      await suspendCellMarks(trx, false);
      if (written > 0) await markSumsForRebuild(trx);
    }
    return written;
  }

  /**
   * The next range of accounts with promises after `after`, about `size` accounts wide (keyset pages for a whole
   * recompute); undefined past the last.
   */
  async nextRange(after: string | null, size: number): Promise<AccountRange | undefined> {
    const row = await sql<{ last: string | null }>`
      SELECT max(account) AS last FROM (
        SELECT DISTINCT account FROM payment_promises
        WHERE account IS NOT NULL ${after === null ? sql`` : sql`AND account > ${after}`}
        ORDER BY account LIMIT ${size}) a`.execute(this.db);
    const last = row.rows[0]?.last;
    return last == null ? undefined : { after, last };
  }

  private views(asOf: string, scope: Scope) {
    return this.db
      .selectFrom('payment_promises')
      .innerJoin('calls', 'calls.id', 'payment_promises.call_id')
      .where((eb) => eb.and(scope(eb as unknown as CallsEb)))
      .select([
        'payment_promises.id',
        'payment_promises.call_id',
        'payment_promises.ordinal',
        'payment_promises.account',
        'payment_promises.made_at',
        'payment_promises.moment_ms',
        'payment_promises.kind',
        'payment_promises.quote',
        'payment_promises.amount',
        'payment_promises.currency',
        sql<string>`payment_promises.due_date::text`.as('due_date'),
        'payment_promises.detected_amount',
        'payment_promises.detected_currency',
        sql<string | null>`payment_promises.detected_due_date::text`.as('detected_due_date'),
        statusOf(asOf).as('status'),
        'payment_promises.collected',
        sql<string>`payment_promises.window_end::text`.as('window_end'),
        'payment_promises.last_payment_at',
        'payment_promises.corrected_at',
        'payment_promises.corrected_by',
        'payment_promises.correction_note',
        'calls.agent_id',
        'calls.agent_name',
        'calls.team',
        'calls.campaign',
        sql<
          string | null
        >`case when calls.direction = 'inbound' then calls.caller_number else calls.callee_number end`.as(
          'phone',
        ),
        sql<
          string | null
        >`case when payment_promises.amount is null then null else greatest(payment_promises.amount - payment_promises.collected, 0) end`.as(
          'outstanding',
        ),
      ]);
  }

  private static view(
    r: Awaited<ReturnType<ReturnType<PromiseRepository['views']>['execute']>>[number],
  ): PromiseView {
    return {
      id: r.id,
      callId: r.call_id,
      ordinal: r.ordinal,
      account: r.account,
      madeAt: r.made_at.toISOString(),
      momentMs: r.moment_ms,
      kind: r.kind,
      quote: r.quote,
      amount: num(r.amount),
      currency: r.currency,
      dueDate: r.due_date,
      detected: {
        amount: num(r.detected_amount),
        currency: r.detected_currency,
        dueDate: r.detected_due_date,
      },
      status: r.status,
      collected: Number(r.collected),
      outstanding: num(r.outstanding),
      windowEnd: r.window_end,
      lastPaymentAt: r.last_payment_at?.toISOString() ?? null,
      correction: r.corrected_at
        ? { at: r.corrected_at.toISOString(), by: r.corrected_by, note: r.correction_note }
        : null,
      agentId: r.agent_id,
      agentName: r.agent_name,
      team: r.team,
      campaign: r.campaign,
      phone: r.phone,
    };
  }

  async list(filter: PromiseFilter, asOf: string, scope: Scope): Promise<PromiseView[]> {
    let q = this.views(asOf, scope);
    if (filter.account) q = q.where('payment_promises.account', '=', filter.account);
    if (filter.callId) q = q.where('payment_promises.call_id', '=', filter.callId);
    if (filter.status) q = q.where(statusOf(asOf), '=', filter.status);
    const rows = await q
      .orderBy('payment_promises.due_date')
      .orderBy('payment_promises.made_at')
      .orderBy('payment_promises.id')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute();
    return rows.map((r) => PromiseRepository.view(r));
  }

  async get(id: string, asOf: string, scope: Scope): Promise<PromiseView | undefined> {
    const r = await this.views(asOf, scope).where('payment_promises.id', '=', id).executeTakeFirst();
    return r ? PromiseRepository.view(r) : undefined;
  }

  /**
   * The follow-up queue on a day: promises broken or partially kept whose window ended in the last `sinceDays`
   * days, and pending promises due that day or the next; most owed first.
   */
  async followUp(
    asOf: string,
    filter: { sinceDays: number; limit: number; agentId?: string | undefined; campaign?: string | undefined },
    scope: Scope,
  ): Promise<PromiseView[]> {
    const status = statusOf(asOf);
    let q = this.views(asOf, scope).where((eb) =>
      eb.or([
        eb.and([
          eb(status, 'in', ['broken', 'partial']),
          eb('payment_promises.window_end', '>=', sql<string>`${asOf}::date - ${filter.sinceDays}::int`),
        ]),
        eb.and([
          eb(status, '=', 'pending'),
          eb('payment_promises.due_date', '>=', sql<string>`${asOf}::date`),
          eb('payment_promises.due_date', '<=', sql<string>`${asOf}::date + 1`),
        ]),
      ]),
    );
    if (filter.agentId) q = q.where('calls.agent_id', '=', filter.agentId);
    if (filter.campaign) q = q.where('calls.campaign', '=', filter.campaign);
    const rows = await q
      .orderBy(sql`coalesce(greatest(payment_promises.amount - payment_promises.collected, 0), 0)`, 'desc')
      .orderBy('payment_promises.due_date')
      .orderBy('payment_promises.id')
      .limit(filter.limit)
      .execute();
    return rows.map((r) => PromiseRepository.view(r));
  }

  /** A supervisor's correction: what counts from now on (re-analysis no longer changes it). Returns the account. */
  async correct(
    trx: Trx,
    id: string,
    correction: Correction,
    by: string,
    note: string | null,
  ): Promise<{ account: string | null } | undefined> {
    const set: Record<string, unknown> = {
      corrected_at: sql`now()`,
      corrected_by: by,
      correction_note: note,
      updated_at: sql`now()`,
    };
    if (correction.amount !== undefined) {
      set.amount = correction.amount === null ? null : correction.amount.toFixed(2);
    }
    if (correction.currency !== undefined) set.currency = correction.currency;
    if (correction.dueDate !== undefined) set.due_date = correction.dueDate;
    if (correction.voided !== undefined) set.voided = correction.voided;
    return trx
      .updateTable('payment_promises')
      .set(set)
      .where('id', '=', id)
      .returning('account')
      .executeTakeFirst();
  }
}

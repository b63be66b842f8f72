import { sql } from 'kysely';
import type { PaymentSource } from '../../models/database.ts';
import type { Db, Trx } from '../platform/database.ts';
import type { PaymentInput } from './payment.ts';
import { accountsCondition, type AccountRange } from './promise.repository.ts';

export type { Trx };

/** What one batch of payments did: the ones stored, and those already there (by external id) with other values. */
export interface StoredBatch {
  inserted: number;
  /** Accounts of the payments stored (their ledgers must be recomputed). */
  accounts: string[];
  /** External ids stored before with another account, amount, currency or time. */
  conflicting: string[];
}

/** The payments table: idempotent inserts by the collections system's id. */
export class PaymentsRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }

  /** Inserts payments not stored yet (by external id); tells which of the others differ from what is stored. */
  async storeBatch(trx: Trx, rows: readonly PaymentInput[], source: PaymentSource): Promise<StoredBatch> {
    if (rows.length === 0) return { inserted: 0, accounts: [], conflicting: [] };
    const inserted = await trx
      .insertInto('payments')
      .values(
        rows.map((r) => ({
          external_id: r.externalId,
          account: r.account,
          amount: r.amount.toFixed(2),
          currency: r.currency,
          paid_at: r.paidAt,
          channel: r.channel ?? null,
          source,
        })),
      )
      .onConflict((oc) => oc.column('external_id').doNothing())
      .returning(['external_id', 'account'])
      .execute();
    const stored = new Set(inserted.map((r) => r.external_id));
    const others = rows.filter((r) => !stored.has(r.externalId));
    const conflicting: string[] = [];
    if (others.length > 0) {
      const existing = await trx
        .selectFrom('payments')
        .select(['external_id', 'account', 'amount', 'currency', 'paid_at'])
        .where(
          'external_id',
          'in',
          others.map((r) => r.externalId),
        )
        .execute();
      const byId = new Map(existing.map((e) => [e.external_id, e]));
      for (const r of others) {
        const e = byId.get(r.externalId);
        if (
          !e ||
          e.account !== r.account ||
          Number(e.amount) !== Number(r.amount.toFixed(2)) ||
          e.currency !== r.currency ||
          e.paid_at.getTime() !== r.paidAt.getTime()
        ) {
          conflicting.push(r.externalId);
        }
      }
    }
    return {
      inserted: inserted.length,
      accounts: [...new Set(inserted.map((r) => r.account))],
      conflicting,
    };
  }

  /** Payments of these accounts (or this range of accounts), by account, oldest first. */
  async ofAccounts(
    trx: Trx | undefined,
    accounts: readonly string[] | AccountRange,
  ): Promise<{ account: string; paidAt: Date; amount: number; currency: string }[]> {
    if (Array.isArray(accounts) && accounts.length === 0) return [];
    const rows = await (trx ?? this.db)
      .selectFrom('payments')
      .select([
        'account',
        sql<number>`extract(epoch from paid_at)::float8 * 1000`.as('paid_ms'),
        sql<number>`amount::float8`.as('amount'),
        'currency',
      ])
      .where(accountsCondition('account', accounts))
      .orderBy('account')
      .orderBy('paid_at')
      .execute();
    return rows.map((r) => ({
      account: r.account,
      paidAt: new Date(r.paid_ms),
      amount: r.amount,
      currency: r.currency,
    }));
  }
}

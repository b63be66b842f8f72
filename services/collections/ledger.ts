import { UTC_CALENDAR, type Calendar } from './calendar.ts';

/**
 * The promise ledger's one rule: which payments of an account keep which of its promises. Pure; the repository
 * loads an account's promises and payments and stores what this returns.
 *
 * Promises are served in order (due date, then when they were made): each takes, from the account's payments made
 * in its currency after it was made and no later than its window's end (the due date plus the grace period, a
 * local day of the deployment's calendar), what
 * is still unallocated of each payment, oldest first, until it has its amount; what a payment has left serves the
 * next promise. A promise without an amount takes the first payment it can. Voided promises take nothing.
 *
 * Whether a promise is pending, kept, partially kept or broken follows from what it collected, its threshold (the
 * amount less the tolerance) and its window's end, on the day asked about: `statusOf` in promise.repository.ts.
 */

export interface LedgerPolicy {
  /** Days after the due date in which a payment still counts. */
  graceDays: number;
  /** Share of the amount (0–1) a promise may fall short by and still be kept. */
  tolerance: number;
  /** Whose days a window's end is counted in (UTC unless given). */
  calendar?: Calendar | undefined;
}

export interface LedgerPromise {
  id: string;
  madeAt: Date;
  /** YYYY-MM-DD. */
  dueDate: string;
  /** Null: the amount was not said. */
  amount: number | null;
  /** Null: any currency. */
  currency: string | null;
  voided: boolean;
}

export interface LedgerPayment {
  paidAt: Date;
  amount: number;
  currency: string;
}

export interface Allocation {
  id: string;
  /** What the promise collected (two decimals). */
  collected: number;
  /** The amount less the tolerance; null when no amount was promised. */
  keptThreshold: number | null;
  /** YYYY-MM-DD: the due date plus the grace period. */
  windowEnd: string;
  lastPaymentAt: Date | null;
}

export type PromiseStatus = 'pending' | 'kept' | 'partial' | 'broken' | 'void';
export const PROMISE_STATUSES: readonly PromiseStatus[] = ['pending', 'kept', 'partial', 'broken', 'void'];

const cents = (v: number) => Math.round(v * 100);

const DAY_MS = 86_400_000;
/** Days already added, by the number of days (a whole recompute asks the same few hundred dates a million times). */
const added = new Map<number, Map<string, string>>();

/** YYYY-MM-DD plus whole days. */
export function addDays(date: string, days: number): string {
  let byDate = added.get(days);
  if (!byDate) added.set(days, (byDate = new Map()));
  let out = byDate.get(date);
  if (out === undefined) {
    out = new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
    if (byDate.size > 10_000) byDate.clear();
    byDate.set(date, out);
  }
  return out;
}

export function allocate(
  promises: readonly LedgerPromise[],
  payments: readonly LedgerPayment[],
  policy: LedgerPolicy,
): Allocation[] {
  const order = [...promises].sort(
    (a, b) =>
      (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0) ||
      a.madeAt.getTime() - b.madeAt.getTime() ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const paid = [...payments].sort((a, b) => a.paidAt.getTime() - b.paidAt.getTime());
  const left = paid.map((p) => cents(p.amount));
  const calendar = policy.calendar ?? UTC_CALENDAR;
  const out: Allocation[] = [];
  for (const p of order) {
    const windowEnd = addDays(p.dueDate, policy.graceDays);
    // A payment counts until the local day after the window's end begins.
    const closes = calendar.startOfDay(addDays(windowEnd, 1)).getTime();
    const keptThreshold =
      p.amount === null ? null : Math.ceil(cents(p.amount) * (1 - policy.tolerance) - 1e-9) / 100;
    let collected = 0;
    let last: Date | null = null;
    if (!p.voided) {
      const need = p.amount === null ? null : cents(p.amount);
      for (let i = 0; i < paid.length; i++) {
        if (need !== null && collected >= need) break;
        const pay = paid[i]!;
        if (left[i] === 0 || pay.paidAt < p.madeAt) continue;
        if (pay.paidAt.getTime() >= closes) break;
        if (p.currency !== null && pay.currency !== p.currency) continue;
        const take = need === null ? left[i]! : Math.min(left[i]!, need - collected);
        left[i] = left[i]! - take;
        collected += take;
        last = pay.paidAt;
        if (need === null) break;
      }
    }
    out.push({ id: p.id, collected: collected / 100, keptThreshold, windowEnd, lastPaymentAt: last });
  }
  return out;
}

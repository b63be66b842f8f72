import { describe, expect, it } from 'vitest';
import { addDays, allocate, type LedgerPromise } from '../../../services/collections/ledger.ts';

const policy = { graceDays: 3, tolerance: 0.05 };
const promise = (id: string, over: Partial<LedgerPromise> = {}): LedgerPromise => ({
  id,
  madeAt: new Date('2026-11-02T10:00:00Z'),
  dueDate: '2026-11-06',
  amount: 100,
  currency: 'COP',
  voided: false,
  ...over,
});
const pay = (at: string, amount: number, currency = 'COP') => ({ paidAt: new Date(at), amount, currency });

describe('promise ledger allocation', () => {
  it('gives each promise its window: due date plus the grace period', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    const [a] = allocate([promise('p')], [], policy);
    expect(a).toEqual({
      id: 'p',
      collected: 0,
      keptThreshold: 95,
      windowEnd: '2026-11-09',
      lastPaymentAt: null,
    });
  });

  it('counts payments after the promise and up to the end of its window, in its currency', () => {
    const payments = [
      pay('2026-11-01T12:00:00Z', 50), // before the call: not for this promise
      pay('2026-11-03T12:00:00Z', 30, 'USD'), // another currency
      pay('2026-11-04T12:00:00Z', 40),
      pay('2026-11-09T23:00:00Z', 20), // last day of grace
      pay('2026-11-10T01:00:00Z', 40), // too late
    ];
    const [a] = allocate([promise('p')], payments, policy);
    expect(a!.collected).toBe(60);
    expect(a!.lastPaymentAt).toEqual(new Date('2026-11-09T23:00:00Z'));
  });

  it('takes no more than the amount, and serves several promises in order of due date with what is left', () => {
    const promises = [
      promise('late', { dueDate: '2026-11-20', amount: 100 }),
      promise('early', { dueDate: '2026-11-06', amount: 100, madeAt: new Date('2026-11-03T09:00:00Z') }),
    ];
    const out = allocate(
      promises,
      [pay('2026-11-05T10:00:00Z', 150), pay('2026-11-15T10:00:00Z', 30)],
      policy,
    );
    expect(out.map((a) => [a.id, a.collected])).toEqual([
      ['early', 100],
      ['late', 80],
    ]);
  });

  it('lets a promise without an amount take the first payment it can, and a voided one none', () => {
    const out = allocate(
      [
        promise('void', { voided: true }),
        promise('open', { amount: null, currency: null, dueDate: '2026-11-07' }),
      ],
      [pay('2026-11-04T10:00:00Z', 70, 'USD'), pay('2026-11-05T10:00:00Z', 10)],
      policy,
    );
    expect(out).toEqual([
      expect.objectContaining({ id: 'void', collected: 0, keptThreshold: 95 }),
      expect.objectContaining({ id: 'open', collected: 70, keptThreshold: null }),
    ]);
  });

  it('rounds the threshold to cents and works in cents', () => {
    const [a] = allocate(
      [promise('p', { amount: 33.33 })],
      [pay('2026-11-04T10:00:00Z', 0.1), pay('2026-11-04T11:00:00Z', 0.2)],
      { graceDays: 0, tolerance: 0.1 },
    );
    expect(a!.collected).toBe(0.3);
    expect(a!.keptThreshold).toBe(30);
  });
});

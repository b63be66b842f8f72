import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsHarness, type AnalyticsHarness } from '../analytics/analytics.harness.ts';

/** A collections call where the customer promises 200,000 for Friday. */
const PROMISE_CALL = [
  {
    party: 'agent' as const,
    startMs: 500,
    endMs: 6000,
    text: 'buenos días le habla laura de cobranzas del norte le informo que esta llamada está siendo grabada',
  },
  {
    party: 'agent' as const,
    startMs: 6500,
    endMs: 9000,
    text: 'cuándo puede hacer el pago de su obligación',
  },
  { party: 'customer' as const, startMs: 9500, endMs: 13000, text: 'el viernes le pago doscientos mil' },
  { party: 'agent' as const, startMs: 13500, endMs: 15000, text: 'perfecto muchas gracias' },
];

describe('promise ledger from the analytics stage', () => {
  let h: AnalyticsHarness;
  let callId: string;
  const promises = () =>
    h.database.handle.db
      .selectFrom('payment_promises')
      .select(['id', 'account', 'amount', 'currency', 'due_date', 'moment_ms'])
      .select((eb) => eb.fn<string>('to_char', [eb.ref('due_date'), eb.val('YYYY-MM-DD')]).as('due'))
      .where('call_id', '=', callId)
      .execute();

  beforeAll(async () => {
    h = await createAnalyticsHarness();
    callId = await h.upload(PROMISE_CALL, {
      startedAt: '2026-11-04T10:15:00-05:00',
      region: 'CO',
      language: 'es',
      campaign: 'mora-30',
      agentId: 'A-7',
      currency: 'COP',
      customerRef: 'ACC-77',
    });
    await h.settled(callId);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
  });

  it('tracks the promise the analysis found, and analysing the call again does not duplicate it', async () => {
    const first = await promises();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      account: 'ACC-77',
      amount: '200000.00',
      currency: 'COP',
      due: '2026-11-06',
    });
    expect(first[0]!.moment_ms).toBeGreaterThanOrEqual(9500);

    await h.pipeline.enqueue('analytics', { callId, rerun: true });
    const until = Date.now() + 90_000;
    for (;;) {
      const row = await h.database.handle.db
        .selectFrom('call_analysis')
        .select('revision')
        .where('call_id', '=', callId)
        .executeTakeFirstOrThrow();
      if (row.revision >= 2) break;
      if (Date.now() > until) throw new Error('the call was not analysed again');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await promises()).map((p) => p.id)).toEqual([first[0]!.id]);
  });
});

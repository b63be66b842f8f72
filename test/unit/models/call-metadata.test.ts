import { describe, expect, it } from 'vitest';
import { callMetadataSchema, callSearchSchema, normalizeNumber } from '../../../models/call.ts';

describe(normalizeNumber.name, () => {
  it('keeps digits and a leading plus', () => {
    expect(normalizeNumber('+57 (300) 123-4567')).toBe('+573001234567');
    expect(normalizeNumber(' 601.555.0101 ')).toBe('6015550101');
  });
});

describe('callMetadataSchema', () => {
  it('accepts every documented field and normalises numbers and currency', () => {
    const m = callMetadataSchema.parse({
      startedAt: '2026-11-23T10:15:02-05:00',
      direction: 'inbound',
      callerNumber: '+57 300 123 4567',
      currency: 'cop',
      daysPastDue: 30,
      amountDue: 1200.5,
      custom: { tier: 'gold', score: 7, vip: false, note: null },
    });
    expect(m.startedAt?.toISOString()).toBe('2026-11-23T15:15:02.000Z');
    expect(m.callerNumber).toBe('+573001234567');
    expect(m.currency).toBe('COP');
  });

  it('refuses unknown fields, bad enums and hostile custom keys', () => {
    expect(callMetadataSchema.safeParse({ objectKey: '../../etc/passwd' }).success).toBe(false);
    expect(callMetadataSchema.safeParse({ direction: 'both' }).success).toBe(false);
    expect(callMetadataSchema.safeParse(JSON.parse('{"custom": {"__proto__": 1}}')).success).toBe(false);
    expect(callMetadataSchema.safeParse({ custom: { nested: { a: 1 } } }).success).toBe(false);
    expect(callMetadataSchema.safeParse({ callerNumber: 'DROP TABLE calls' }).success).toBe(false);
  });
});

describe('callSearchSchema', () => {
  it('accepts comma-separated and repeated multi-value filters', () => {
    expect(callSearchSchema.parse({ disposition: 'PTP, PAID' }).disposition).toEqual(['PTP', 'PAID']);
    expect(callSearchSchema.parse({ campaign: ['a', 'b'] }).campaign).toEqual(['a', 'b']);
  });

  it('defaults to newest first, 50 per page', () => {
    const q = callSearchSchema.parse({});
    expect(q.sort).toBe('-startedAt');
    expect(q.limit).toBe(50);
  });

  it('refuses an inverted time range and too-short partial numbers', () => {
    expect(
      callSearchSchema.safeParse({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }).success,
    ).toBe(false);
    expect(callSearchSchema.safeParse({ number: '12' }).success).toBe(false);
  });
});

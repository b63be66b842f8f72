import { describe, expect, it } from 'vitest';
import { Calendar } from '../../../services/collections/calendar.ts';
import { allocate } from '../../../services/collections/ledger.ts';
import { loadConfig } from '../../../services/platform/config.ts';

describe('the collections calendar', () => {
  it('counts in the configured time zone, UTC unless set, and refuses a zone it does not know', () => {
    expect(loadConfig({ env: {} }).collections.timeZone).toBe('UTC');
    expect(loadConfig({ env: { ESCUCHA_TIME_ZONE: 'America/Bogota' } }).collections.timeZone).toBe(
      'America/Bogota',
    );
    expect(() => loadConfig({ env: { ESCUCHA_TIME_ZONE: 'Mars/Olympus_Mons' } })).toThrow(
      /ESCUCHA_TIME_ZONE/,
    );
  });

  it('tells the local day and hour of an instant, and when a local day begins', () => {
    const bogota = new Calendar('America/Bogota');
    expect(bogota.dayOf(new Date('2026-11-03T02:00:00Z'))).toBe('2026-11-02');
    expect(bogota.hourOf(new Date('2026-11-03T02:00:00Z'))).toBe(21);
    expect(bogota.startOfDay('2026-11-03').toISOString()).toBe('2026-11-03T05:00:00.000Z');
    const utc = new Calendar();
    expect(utc.dayOf(new Date('2026-11-03T02:00:00Z'))).toBe('2026-11-03');
    expect(utc.startOfDay('2026-11-03').toISOString()).toBe('2026-11-03T00:00:00.000Z');
  });

  it('follows changes of offset: a day that begins in summer time', () => {
    const madrid = new Calendar('Europe/Madrid');
    // Summer time ends on 2026-10-25: that day began at 00:00 CEST (UTC+2), the next at 00:00 CET (UTC+1).
    expect(madrid.startOfDay('2026-10-25').toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(madrid.startOfDay('2026-10-26').toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(madrid.dayOf(new Date('2026-10-25T22:30:00Z'))).toBe('2026-10-25');
  });

  it('begins a day whose midnight the clocks skip when they jump, as PostgreSQL reads that midnight', () => {
    const santiago = new Calendar('America/Santiago');
    // 2026-09-06: 00:00 (UTC-4) became 01:00 (UTC-3); 23:00 the evening before was 03:00Z.
    expect(santiago.startOfDay('2026-09-06').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(santiago.dayOf(new Date('2026-09-06T03:59:00Z'))).toBe('2026-09-05');
    expect(santiago.startOfDay('2026-09-05').toISOString()).toBe('2026-09-05T04:00:00.000Z');
    expect(santiago.startOfDay('2026-09-07').toISOString()).toBe('2026-09-07T03:00:00.000Z');
  });

  it("closes a promise's window at the end of its last local day", () => {
    const promise = {
      id: 'p',
      madeAt: new Date('2026-11-02T15:00:00Z'),
      dueDate: '2026-11-06',
      amount: 100,
      currency: 'COP',
      voided: false,
    };
    // 2026-11-10T03:00Z is still the 9th (the window's last day) in Bogotá, already the 10th in UTC.
    const late = [{ paidAt: new Date('2026-11-10T03:00:00Z'), amount: 100, currency: 'COP' }];
    const policy = { graceDays: 3, tolerance: 0 };
    expect(
      allocate([promise], late, { ...policy, calendar: new Calendar('America/Bogota') })[0]!.collected,
    ).toBe(100);
    expect(allocate([promise], late, policy)[0]!.collected).toBe(0);
  });
});

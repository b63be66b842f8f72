import { describe, expect, it } from 'vitest';
import { callCountry } from '../../../../services/analytics/call-country.ts';
import { colombianHolidays, localDateTime } from '../../../../services/analytics/collections/calendar.ts';
import { checkContactTime } from '../../../../services/analytics/collections/contact-rules.ts';

const rules = (r: ReturnType<typeof checkContactTime>) => r.violations.map((v) => v.rule);

describe(checkContactTime.name, () => {
  it('applies Colombian hours (Ley 2300): weekdays 7–19, Saturday 8–15, no Sundays or holidays', () => {
    expect(checkContactTime({ startedAt: '2024-03-13T18:59:00-05:00', country: 'CO' }).allowed).toBe(true);
    expect(rules(checkContactTime({ startedAt: '2024-03-13T19:05:00-05:00', country: 'CO' }))).toEqual([
      'outside_hours',
    ]);
    expect(rules(checkContactTime({ startedAt: '2024-03-16T15:30:00-05:00', country: 'CO' }))).toEqual([
      'outside_hours',
    ]);
    expect(rules(checkContactTime({ startedAt: '2024-03-17T10:00:00-05:00', country: 'CO' }))).toEqual([
      'sunday',
    ]);
    // Monday 25 March 2024 is San José moved to Monday; 28–29 March are Holy Thursday and Friday
    expect(rules(checkContactTime({ startedAt: '2024-03-25T10:00:00-05:00', country: 'CO' }))).toEqual([
      'holiday',
    ]);
    expect(rules(checkContactTime({ startedAt: '2024-03-29T10:00:00-05:00', country: 'CO' }))).toEqual([
      'holiday',
    ]);
  });

  it('uses the customer’s time zone over the offset written in the timestamp', () => {
    const r = checkContactTime({
      startedAt: '2024-03-13T23:30:00Z',
      timeZone: 'America/Bogota',
      country: 'CO',
    });
    expect(r.local).toMatchObject({ date: '2024-03-13', time: '18:30' });
    expect(r.allowed).toBe(true);
  });

  it('limits Colombian contacts to one a day and one channel a week after a direct contact', () => {
    const history = [{ at: '2024-03-13T09:00:00-05:00', channel: 'call', connected: true }];
    expect(
      rules(checkContactTime({ startedAt: '2024-03-13T15:00:00-05:00', country: 'CO' }, { history })),
    ).toEqual(['per_day']);
    const sms = [{ at: '2024-03-11T09:00:00-05:00', channel: 'sms', connected: true }];
    expect(
      rules(
        checkContactTime(
          { startedAt: '2024-03-13T15:00:00-05:00', country: 'CO', channel: 'call' },
          { history: sms },
        ),
      ),
    ).toEqual(['channels_per_week']);
  });

  it('applies the US 8:00–21:00 window and Regulation F frequency caps', () => {
    expect(rules(checkContactTime({ startedAt: '2025-01-10T07:45:00-05:00', country: 'US' }))).toEqual([
      'outside_hours',
    ]);
    // seven attempts in the six days before plus this morning: this call is the eighth within seven days
    const attempts = [4, 5, 6, 7, 8, 9].map((d) => ({
      at: `2025-01-0${d}T12:00:00-05:00`,
      channel: 'call',
      connected: false,
    }));
    attempts.push({ at: '2025-01-10T09:00:00-05:00', channel: 'call', connected: false });
    expect(
      checkContactTime(
        { startedAt: '2025-01-10T12:00:00-05:00', country: 'US' },
        { history: attempts.slice(1) },
      ).allowed,
    ).toBe(true);
    expect(
      rules(
        checkContactTime({ startedAt: '2025-01-10T12:00:00-05:00', country: 'US' }, { history: attempts }),
      ),
    ).toEqual(['attempts_per_7_days']);
  });

  it("takes the policy and the local time from the call's ISO country, never from the spelling of its region", () => {
    // 20:30 UTC is 15:30 in Bogotá (allowed on a weekday) and 20:30 in UTC
    expect(checkContactTime({ startedAt: '2024-03-13T20:30:00Z', country: 'co' })).toMatchObject({
      policy: 'CO',
      local: { time: '15:30', zone: 'America/Bogota' },
      allowed: true,
    });
    for (const region of ['Colorado', 'Costa Rica', 'Bogotá']) {
      expect(checkContactTime({ startedAt: '2024-03-13T20:30:00Z', region })).toMatchObject({
        policy: null,
        local: { time: '20:30', zone: 'UTC' },
      });
    }
    expect(
      checkContactTime({ startedAt: '2024-03-13T20:30:00Z', country: 'CR', region: 'Colorado' }).policy,
    ).toBe(null);
  });

  it('allows Mexican calls from 7:00 to 22:00 any day', () => {
    expect(checkContactTime({ startedAt: '2024-11-24T21:30:00-06:00', country: 'MX' }).allowed).toBe(true);
    expect(checkContactTime({ startedAt: '2024-11-24T22:10:00-06:00', country: 'MX' }).allowed).toBe(false);
  });
});

describe(colombianHolidays.name, () => {
  it('moves Emiliani holidays to Monday and derives Easter holidays', () => {
    const h = colombianHolidays(2025);
    for (const d of [
      '2025-01-01',
      '2025-01-06',
      '2025-03-24',
      '2025-04-17',
      '2025-04-18',
      '2025-06-02',
      '2025-06-23',
      '2025-06-30',
      '2025-08-18',
      '2025-11-03',
      '2025-11-17',
      '2025-12-08',
    ]) {
      expect(h.has(d), d).toBe(true);
    }
    expect(h.has('2025-03-19')).toBe(false);
  });
});

describe(localDateTime.name, () => {
  it('reads the offset of an ISO timestamp', () => {
    expect(localDateTime('2024-03-13T23:30:00-05:00')).toMatchObject({
      year: 2024,
      month: 3,
      day: 13,
      hour: 23,
      weekday: 3,
    });
  });
});

describe(callCountry.name, () => {
  it("is the call's ISO country, else the user's region table, never a guess from the region", () => {
    expect(callCountry({ country: 'mx', region: 'Bogotá' })).toBe('MX');
    expect(callCountry({ country: null, region: 'CO-DC' })).toBeNull();
    expect(callCountry({ country: 'XX', region: 'Colorado' })).toBeNull();
    expect(callCountry({ region: ' Bogotá ' }, { bogotá: 'co' })).toBe('CO');
    expect(callCountry({ region: 'Antioquia' }, { bogotá: 'CO' })).toBeNull();
  });
});

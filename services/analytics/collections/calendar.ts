/**
 * Calendar helpers for the call's local time: plain dates (no time zone arithmetic surprises), the local date and
 * time of a call from its offset or IANA zone, and Colombian public holidays (Ley 51 de 1983 "Ley Emiliani").
 */

export interface CalendarDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

export interface LocalDateTime extends CalendarDate {
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  hour: number;
  minute: number;
  /** The zone or offset used. */
  zone: string;
}

const DAY_MS = 86_400_000;

export function toEpochDay(d: CalendarDate): number {
  return Math.floor(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

export function fromEpochDay(n: number): CalendarDate {
  const dt = new Date(n * DAY_MS);
  return { year: dt.getUTCFullYear(), month: dt.getUTCMonth() + 1, day: dt.getUTCDate() };
}

export function addDays(d: CalendarDate, days: number): CalendarDate {
  return fromEpochDay(toEpochDay(d) + days);
}

export function weekdayOf(d: CalendarDate): number {
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isoDate(d: CalendarDate): string {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

export function sameDate(a: CalendarDate, b: CalendarDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** Default zones of countries (ISO 3166), for calls that carry neither zone nor offset. */
export const COUNTRY_ZONES: Record<string, string> = {
  CO: 'America/Bogota',
  MX: 'America/Mexico_City',
  US: 'America/New_York',
  ES: 'Europe/Madrid',
  PE: 'America/Lima',
  CL: 'America/Santiago',
  AR: 'America/Argentina/Buenos_Aires',
  EC: 'America/Guayaquil',
  GT: 'America/Guatemala',
  DO: 'America/Santo_Domingo',
};

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    // bounded: a zone name that does not exist throws above and is never stored
    if (formatters.size < 1000) formatters.set(zone, f);
  }
  return f;
}

function fromZone(instant: Date, zone: string): LocalDateTime {
  const parts = formatterFor(zone).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0');
  const d = { year: get('year'), month: get('month'), day: get('day') };
  return { ...d, weekday: weekdayOf(d), hour: get('hour') % 24, minute: get('minute'), zone };
}

/**
 * The call's local date and time. Order of preference: an IANA zone, the offset written in `startedAt`, the default
 * zone of the call's country (ISO 3166 code, as callCountry decides it), UTC.
 */
export function localDateTime(
  startedAt: string | Date,
  timeZone?: string | null,
  country?: string | null,
): LocalDateTime {
  const instant = typeof startedAt === 'string' ? new Date(startedAt) : startedAt;
  if (Number.isNaN(instant.getTime())) throw new RangeError(`invalid call start: ${String(startedAt)}`);
  if (timeZone) return fromZone(instant, timeZone);
  if (typeof startedAt === 'string') {
    const m = /([+-])(\d{2}):?(\d{2})$/.exec(startedAt.trim());
    if (m) {
      const offsetMin = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
      const local = new Date(instant.getTime() + offsetMin * 60_000);
      const d = { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
      return {
        ...d,
        weekday: weekdayOf(d),
        hour: local.getUTCHours(),
        minute: local.getUTCMinutes(),
        zone: `${m[1]}${m[2]}:${m[3]}`,
      };
    }
  }
  const zone = country ? COUNTRY_ZONES[country] : undefined;
  return fromZone(instant, zone ?? 'UTC');
}

/** Easter Sunday (Gregorian), anonymous algorithm. */
export function easterSunday(year: number): CalendarDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { year, month, day };
}

function nextMonday(d: CalendarDate): CalendarDate {
  const wd = weekdayOf(d);
  return wd === 1 ? d : addDays(d, (8 - wd) % 7);
}

const coCache = new Map<number, Set<string>>();

/** Colombian public holidays of a year (fixed, moved to Monday, and Easter-based). */
export function colombianHolidays(year: number): Set<string> {
  const cached = coCache.get(year);
  if (cached) return cached;
  const out = new Set<string>();
  const add = (d: CalendarDate) => out.add(isoDate(d));
  for (const [m, d] of [
    [1, 1],
    [5, 1],
    [7, 20],
    [8, 7],
    [12, 8],
    [12, 25],
  ] as const) {
    add({ year, month: m, day: d });
  }
  for (const [m, d] of [
    [1, 6],
    [3, 19],
    [6, 29],
    [8, 15],
    [10, 12],
    [11, 1],
    [11, 11],
  ] as const) {
    add(nextMonday({ year, month: m, day: d }));
  }
  const easter = easterSunday(year);
  add(addDays(easter, -3)); // Jueves Santo
  add(addDays(easter, -2)); // Viernes Santo
  add(addDays(easter, 43)); // Ascensión (Monday)
  add(addDays(easter, 64)); // Corpus Christi (Monday)
  add(addDays(easter, 71)); // Sagrado Corazón (Monday)
  coCache.set(year, out);
  return out;
}

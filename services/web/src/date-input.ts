import type { Lang } from './i18n.ts';

/**
 * Dates as people type them, in the UI's language rather than the browser's: Spanish writes day/month/year
 * (23/11/2026), English month/day/year (11/23/2026); both may type ISO (2026-11-23). A date and time adds hh:mm on
 * a 24-hour clock (English may add am/pm). Values are the ones date inputs use: `YYYY-MM-DD` for a date,
 * `YYYY-MM-DDTHH:MM` (local time) for a date and time.
 */
export type DateKind = 'date' | 'datetime';

/** Why a text is not a date: not written as one, no such day, no such time. */
/** What can be wrong with a typed date: each has a message in every language (`dateProblem_<problem>`). */
export const DATE_PROBLEMS = ['format', 'date', 'time'] as const;
export type DateProblem = (typeof DATE_PROBLEMS)[number];
export type DateParse = { ok: true; value: string } | { ok: false; problem: DateProblem };

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** What to type, as the field's hint shows it: `dd/mm/aaaa hh:mm`, `mm/dd/yyyy`. */
export function datePattern(lang: Lang, kind: DateKind): string {
  const date = lang === 'es' ? 'dd/mm/aaaa' : 'mm/dd/yyyy';
  return kind === 'datetime' ? `${date} hh:mm` : date;
}

/** A value (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`) written the way the language types it; '' for no or a bad value. */
export function formatDateInput(value: string, lang: Lang, kind: DateKind): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(value);
  if (!m) return '';
  const [, y, mo, d, h, mi] = m;
  const date = lang === 'es' ? `${d}/${mo}/${y}` : `${mo}/${d}/${y}`;
  return kind === 'datetime' ? `${date} ${h ?? '00'}:${mi ?? '00'}` : date;
}

function validDay(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || y < 1000 || y > 9999) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * What someone typed, as a value: '' when empty. The time may be left out (`at` says which: the start of the day,
 * 00:00, or its end, 23:59, for an "until" field).
 */
export function parseDateInput(
  text: string,
  lang: Lang,
  kind: DateKind,
  at: 'start' | 'end' = 'start',
): DateParse {
  const s = text.trim().toLowerCase();
  if (s === '') return { ok: true, value: '' };
  const m =
    /^(\d{1,4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{1,4})(?:(?:\s+|\s*[t,]\s*)(\d{1,2})(?:[:.h](\d{2}))?(?::\d{2})?\s*(a\.?\s*m\.?|p\.?\s*m\.?)?)?$/.exec(
      s,
    );
  if (!m) return { ok: false, problem: 'format' };
  const [, a, b, c, hour, minute, meridiem] = m;
  let y: number, mo: number, d: number;
  if (a!.length === 4) [y, mo, d] = [Number(a), Number(b), Number(c)];
  else if (c!.length === 4 && a!.length <= 2)
    [y, mo, d] = lang === 'es' ? [Number(c), Number(b), Number(a)] : [Number(c), Number(a), Number(b)];
  else return { ok: false, problem: 'format' };
  if (!validDay(y, mo, d)) return { ok: false, problem: 'date' };
  const date = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
  if (kind === 'date')
    return hour === undefined ? { ok: true, value: date } : { ok: false, problem: 'format' };
  if (hour === undefined) return { ok: true, value: `${date}T${at === 'end' ? '23:59' : '00:00'}` };
  let h = Number(hour);
  const mi = minute === undefined ? 0 : Number(minute);
  if (meridiem) {
    if (h < 1 || h > 12) return { ok: false, problem: 'time' };
    h = (h % 12) + (meridiem.startsWith('p') ? 12 : 0);
  }
  if (h > 23 || mi > 59) return { ok: false, problem: 'time' };
  return { ok: true, value: `${date}T${pad(h)}:${pad(mi)}` };
}

/** A value moved by whole days (the field's ↑ and ↓ keys), its time kept. */
export function addDays(value: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(value);
  if (!m) return value;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${m[4] ?? ''}`;
}

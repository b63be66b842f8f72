import { parseDayAt, parseNumberAt } from '../matching/numbers.ts';
import type { Language } from '../matching/transcript.types.ts';
import { addDays, daysInMonth, toEpochDay, weekdayOf, type CalendarDate } from './calendar.ts';
import { MONTHS } from '../text/months.ts';
import { wordTable } from '../text/word-table.ts';

/**
 * Spoken dates resolved against the call's local date: "mañana", "el viernes 15", "el quince de diciembre", "fin
 * de mes", "en ocho días", "next Monday", "on the 5th", "january fifteenth". Rules (test/fixtures/analytics/
 * LABELLING.md): a weekday is its next occurrence after the call day; a bare day of the month is this month's
 * unless already past; a day and month already past is next year's.
 */

export interface DateMention {
  /** Token range [start, end). */
  start: number;
  end: number;
  /** Null when the time is vague ("la otra semana", "next month"). */
  date: CalendarDate | null;
}

export const ES_WEEKDAYS = wordTable<number>({
  domingo: 0,
  lunes: 1,
  martes: 2,
  miercoles: 3,
  jueves: 4,
  viernes: 5,
  sabado: 6,
});
/**
 * Weekdays as an ASR writes them on phone audio ("el bienes 15", "el marte"), read only after "el", "este" or
 * "próximo" ("sus bienes" stays goods).
 */
const ES_MISHEARD_WEEKDAYS = wordTable<number>({
  marte: 2,
  miercole: 3,
  juebes: 4,
  bienes: 5,
  vierne: 5,
  biernes: 5,
  sabados: 6,
});
const WEEKDAY_LEAD = new Set(['el', 'este', 'proximo', 'para']);
export const EN_WEEKDAYS = wordTable<number>({
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
});
const ES_MONTHS = MONTHS.es;
const EN_MONTHS = MONTHS.en;

const AMOUNT_AFTER = new Set([
  'mil',
  'millon',
  'millones',
  'pesos',
  'pesitos',
  'dolares',
  'dollars',
  'dollar',
  'bucks',
  'lucas',
  'thousand',
  'hundred',
  'percent',
  'porciento',
  'por',
]);

function nextWeekday(today: CalendarDate, wd: number): CalendarDate {
  const diff = (wd - weekdayOf(today) + 7) % 7;
  return addDays(today, diff === 0 ? 7 : diff);
}

/** Day D: this month unless already past, then next month (clamped to the month's length). */
function dayOfMonth(today: CalendarDate, day: number): CalendarDate {
  let { year, month } = today;
  if (day < today.day) {
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
  return { year, month, day: Math.min(day, daysInMonth(year, month)) };
}

function dayAndMonth(today: CalendarDate, day: number, month: number, year?: number): CalendarDate {
  if (year) return { year, month, day: Math.min(day, daysInMonth(year, month)) };
  let y = today.year;
  const candidate = { year: y, month, day: Math.min(day, daysInMonth(y, month)) };
  if (toEpochDay(candidate) < toEpochDay(today)) y++;
  return { year: y, month, day: Math.min(day, daysInMonth(y, month)) };
}

/** The date with this weekday and day of month, closest ahead (within three months); else the bare day rule. */
function weekdayAndDay(today: CalendarDate, wd: number, day: number): CalendarDate {
  for (let k = 0; k < 92; k++) {
    const d = addDays(today, k);
    if (d.day === day && weekdayOf(d) === wd) return d;
  }
  return dayOfMonth(today, day);
}

function endOfMonth(today: CalendarDate): CalendarDate {
  return { year: today.year, month: today.month, day: daysInMonth(today.year, today.month) };
}

function yearAt(
  norms: readonly string[],
  i: number,
  language: Language,
): { year: number; end: number } | undefined {
  const w = norms[i];
  if (w && /^\d{4}$/.test(w)) return { year: Number(w), end: i + 1 };
  const n = parseNumberAt(norms, i, language);
  if (n && n.value >= 2000 && n.value <= 2100) return { year: n.value, end: n.end };
  return undefined;
}

export function findDates(norms: readonly string[], language: Language, today: CalendarDate): DateMention[] {
  const out: DateMention[] = [];
  for (let i = 0; i < norms.length;) {
    const m = language === 'es' ? spanishAt(norms, i, today) : englishAt(norms, i, today);
    if (m) {
      out.push(m);
      i = m.end;
    } else i++;
  }
  return out;
}

function spanishAt(w: readonly string[], i: number, today: CalendarDate): DateMention | undefined {
  const t = w[i]!;
  if (t === 'hoy') return { start: i, end: i + 1, date: today };
  if (t === 'pasado' && w[i + 1] === 'manana') return { start: i, end: i + 2, date: addDays(today, 2) };
  if (t === 'manana') {
    // "en la mañana", "por la mañana" is the morning, not tomorrow
    if (w[i - 1] === 'la' || (w[i - 1] === 'esta' && i > 0)) return undefined;
    return { start: i, end: i + 1, date: addDays(today, 1) };
  }
  if (
    (t === 'fin' || t === 'finales' || t === 'final') &&
    (w[i + 1] === 'de' || w[i + 1] === 'del') &&
    (w[i + 2] === 'mes' || w[i + 2] === 'mes')
  ) {
    return { start: i, end: i + 3, date: endOfMonth(today) };
  }
  if (t === 'fin' && w[i + 1] === 'del' && w[i + 2] === 'mes')
    return { start: i, end: i + 3, date: endOfMonth(today) };
  // en / dentro de N días / semanas
  if (t === 'en' || (t === 'dentro' && w[i + 1] === 'de')) {
    const k = t === 'en' ? i + 1 : i + 2;
    const n = w[k] === 'una' || w[k] === 'un' ? { value: 1, end: k + 1 } : parseNumberAt(w, k, 'es');
    const unit = n ? w[n.end] : undefined;
    if (n && (unit === 'dias' || unit === 'dia')) {
      const days = n.value === 8 ? 7 : n.value === 15 ? 14 : n.value;
      return { start: i, end: n.end + 1, date: addDays(today, days) };
    }
    if (n && (unit === 'semanas' || unit === 'semana'))
      return { start: i, end: n.end + 1, date: addDays(today, 7 * n.value) };
  }
  if (
    (t === 'la' || t === 'esta') &&
    (w[i + 1] === 'otra' || w[i + 1] === 'proxima') &&
    w[i + 2] === 'semana'
  ) {
    return { start: i, end: i + 3, date: null };
  }
  if (t === 'la' && w[i + 1] === 'semana' && w[i + 2] === 'que' && w[i + 3] === 'viene')
    return { start: i, end: i + 4, date: null };
  if (
    (t === 'el' || t === 'este' || t === 'otro') &&
    (w[i + 1] === 'mes' || w[i + 1] === 'proximo') &&
    (w[i + 1] === 'mes' || w[i + 2] === 'mes')
  ) {
    return { start: i, end: i + (w[i + 1] === 'mes' ? 2 : 3), date: null };
  }
  // weekday [day] [de la otra/próxima semana]
  const misheard = t in ES_MISHEARD_WEEKDAYS && WEEKDAY_LEAD.has(w[i - 1] ?? '');
  if (t in ES_WEEKDAYS || misheard) {
    const wd = misheard ? ES_MISHEARD_WEEKDAYS[t]! : ES_WEEKDAYS[t]!;
    const day = parseDayAt(w, i + 1, 'es');
    if (day && !AMOUNT_AFTER.has(w[day.end] ?? ''))
      return { start: i, end: day.end, date: weekdayAndDay(today, wd, day.value) };
    let date = nextWeekday(today, wd);
    let end = i + 1;
    if (
      w[i + 1] === 'de' &&
      w[i + 2] === 'la' &&
      (w[i + 3] === 'otra' || w[i + 3] === 'proxima') &&
      w[i + 4] === 'semana'
    ) {
      const mondayThisWeek = addDays(today, -((weekdayOf(today) + 6) % 7));
      if (toEpochDay(date) < toEpochDay(mondayThisWeek) + 7) date = addDays(date, 7);
      end = i + 5;
    }
    return { start: i, end, date };
  }
  // [el] [día] N [de <mes> [de <año>]]  /  primero de <mes>
  const lead = t === 'el' ? (w[i + 1] === 'dia' ? 2 : 1) : t === 'dia' ? 1 : 0;
  const day = parseDayAt(w, i + lead, 'es');
  if (day) {
    const after = w[day.end];
    if (after === 'de' && w[day.end + 1]! in ES_MONTHS) {
      const month = ES_MONTHS[w[day.end + 1]!]!;
      let end = day.end + 2;
      let year: number | undefined;
      if ((w[end] === 'de' || w[end] === 'del') && w[end + 1]) {
        const y = yearAt(w, end + 1, 'es');
        if (y) {
          year = y.year;
          end = y.end;
        }
      }
      return { start: i, end, date: dayAndMonth(today, day.value, month, year) };
    }
    if (lead > 0 && !AMOUNT_AFTER.has(after ?? '') && !(after === 'y' && w[day.end + 1] === 'medio')) {
      return { start: i, end: day.end, date: dayOfMonth(today, day.value) };
    }
  }
  return undefined;
}

function englishAt(w: readonly string[], i: number, today: CalendarDate): DateMention | undefined {
  const t = w[i]!;
  if (t === 'today' || t === 'tonight') return { start: i, end: i + 1, date: today };
  if (t === 'tomorrow') return { start: i, end: i + 1, date: addDays(today, 1) };
  if (t === 'day' && w[i + 1] === 'after' && w[i + 2] === 'tomorrow')
    return { start: i, end: i + 3, date: addDays(today, 2) };
  if (
    t === 'end' &&
    w[i + 1] === 'of' &&
    (w[i + 2] === 'the' ? w[i + 3] === 'month' : w[i + 2] === 'month')
  ) {
    return { start: i, end: i + (w[i + 2] === 'the' ? 4 : 3), date: endOfMonth(today) };
  }
  if (t === 'month' && w[i + 1] === 'end') return { start: i, end: i + 2, date: endOfMonth(today) };
  if (t === 'in') {
    const n = w[i + 1] === 'a' ? { value: 1, end: i + 2 } : parseNumberAt(w, i + 1, 'en');
    const unit = n ? w[n.end] : undefined;
    if (n && (unit === 'days' || unit === 'day'))
      return { start: i, end: n.end + 1, date: addDays(today, n.value) };
    if (n && (unit === 'weeks' || unit === 'week'))
      return { start: i, end: n.end + 1, date: addDays(today, 7 * n.value) };
  }
  if ((t === 'next' || t === 'this') && (w[i + 1] === 'week' || w[i + 1] === 'month'))
    return { start: i, end: i + 2, date: null };
  if ((t === 'next' || t === 'this' || t === 'on' || t === 'by') && w[i + 1]! in EN_WEEKDAYS) {
    return { start: i, end: i + 2, date: nextWeekday(today, EN_WEEKDAYS[w[i + 1]!]!) };
  }
  if (t in EN_WEEKDAYS) {
    const wd = EN_WEEKDAYS[t]!;
    const lead = w[i + 1] === 'the' ? 2 : 1;
    const day = parseDayAt(w, i + lead, 'en');
    if (day && !AMOUNT_AFTER.has(w[day.end] ?? ''))
      return { start: i, end: day.end, date: weekdayAndDay(today, wd, day.value) };
    return { start: i, end: i + 1, date: nextWeekday(today, wd) };
  }
  // <month> [the] <day>
  if (t in EN_MONTHS) {
    const lead = w[i + 1] === 'the' ? 2 : 1;
    const day = parseDayAt(w, i + lead, 'en');
    if (day) {
      let end = day.end;
      let year: number | undefined;
      const y = w[end] ? yearAt(w, end, 'en') : undefined;
      if (y) {
        year = y.year;
        end = y.end;
      }
      return { start: i, end, date: dayAndMonth(today, day.value, EN_MONTHS[t]!, year) };
    }
    return undefined;
  }
  // [on] the <ordinal> [of <month>]
  const lead = t === 'on' && w[i + 1] === 'the' ? 2 : t === 'the' ? 1 : 0;
  const ordinalLike = (k: number): boolean => {
    const x = w[k];
    return !!x && (/^\d{1,2}(st|nd|rd|th)$/.test(x) || /(first|second|third|th|^st|^nd|^rd)$/.test(x));
  };
  const day = parseDayAt(w, i + lead, 'en');
  if (day) {
    if (w[day.end] === 'of' && w[day.end + 1]! in EN_MONTHS) {
      return { start: i, end: day.end + 2, date: dayAndMonth(today, day.value, EN_MONTHS[w[day.end + 1]!]!) };
    }
    const ordinal = ordinalLike(day.end - 1);
    if ((lead > 0 || ordinal) && ordinal && !AMOUNT_AFTER.has(w[day.end] ?? '')) {
      return { start: i, end: day.end, date: dayOfMonth(today, day.value) };
    }
  }
  return undefined;
}

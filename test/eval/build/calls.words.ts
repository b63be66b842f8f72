/**
 * Numbers and dates as the whole-call development set (calls.builder.ts) writes them: amounts in words or digits
 * the way each country writes and says them, and calendar arithmetic for the dates a customer names. Labels are
 * the numbers and dates themselves; these functions only render them.
 */
import type { Lang } from './noise.ts';

const ES_UNITS = [
  '',
  'un',
  'dos',
  'tres',
  'cuatro',
  'cinco',
  'seis',
  'siete',
  'ocho',
  'nueve',
  'diez',
  'once',
  'doce',
  'trece',
  'catorce',
  'quince',
  'dieciséis',
  'diecisiete',
  'dieciocho',
  'diecinueve',
  'veinte',
  'veintiún',
  'veintidós',
  'veintitrés',
  'veinticuatro',
  'veinticinco',
  'veintiséis',
  'veintisiete',
  'veintiocho',
  'veintinueve',
];
const ES_TENS = ['', '', '', 'treinta', 'cuarenta', 'cincuenta', 'sesenta', 'setenta', 'ochenta', 'noventa'];
const ES_HUNDREDS = [
  '',
  'ciento',
  'doscientos',
  'trescientos',
  'cuatrocientos',
  'quinientos',
  'seiscientos',
  'setecientos',
  'ochocientos',
  'novecientos',
];

function es999(n: number): string {
  if (n === 100) return 'cien';
  const h = Math.floor(n / 100);
  const rest = n % 100;
  const parts: string[] = [];
  if (h) parts.push(ES_HUNDREDS[h]!);
  if (rest > 0 && rest < 30) parts.push(ES_UNITS[rest]!);
  else if (rest >= 30) {
    const t = Math.floor(rest / 10);
    const u = rest % 10;
    parts.push(u ? `${ES_TENS[t]} y ${ES_UNITS[u]}` : ES_TENS[t]!);
  }
  return parts.join(' ');
}

/** Spanish words for 1 … 999 999 999 ("un millón doscientos mil"). */
export function esWords(n: number): string {
  if (n === 0) return 'cero';
  const millions = Math.floor(n / 1e6);
  const thousands = Math.floor((n % 1e6) / 1000);
  const rest = n % 1000;
  const parts: string[] = [];
  if (millions) parts.push(millions === 1 ? 'un millón' : `${es999(millions)} millones`);
  if (thousands) parts.push(thousands === 1 ? 'mil' : `${es999(thousands)} mil`);
  if (rest) parts.push(es999(rest));
  return parts.join(' ');
}

const EN_SMALL = [
  '',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function en999(n: number): string {
  const h = Math.floor(n / 100);
  const rest = n % 100;
  const parts: string[] = [];
  if (h) parts.push(`${EN_SMALL[h]} hundred`);
  if (rest > 0 && rest < 20) parts.push(EN_SMALL[rest]!);
  else if (rest >= 20) {
    const t = Math.floor(rest / 10);
    const u = rest % 10;
    parts.push(u ? `${EN_TENS[t]}-${EN_SMALL[u]}` : EN_TENS[t]!);
  }
  return parts.join(' ');
}

/** English words for 1 … 999 999 ("two thousand five hundred"). */
export function enWords(n: number): string {
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  const parts: string[] = [];
  if (thousands) parts.push(`${en999(thousands)} thousand`);
  if (rest) parts.push(en999(rest));
  return parts.join(' ');
}

export function numberWords(lang: Lang, n: number): string {
  return lang === 'es' ? esWords(n) : enWords(n);
}

/** 1234567 → "1.234.567" (sep "."), "1,234,567" (sep ","). */
export function grouped(n: number, sep: string): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

const EN_ORDINALS: Record<number, string> = {
  1: 'first',
  2: 'second',
  3: 'third',
  5: 'fifth',
  8: 'eighth',
  9: 'ninth',
  12: 'twelfth',
  20: 'twentieth',
  30: 'thirtieth',
};

/** "fifteenth", "twenty-first". */
export function enOrdinal(n: number): string {
  if (EN_ORDINALS[n]) return EN_ORDINALS[n];
  if (n > 20 && n % 10 !== 0) {
    const t = Math.floor(n / 10) * 10;
    return `${EN_TENS[t / 10]}-${enOrdinal(n % 10)}`;
  }
  return `${en999(n)}th`;
}

export function enSuffix(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Spanish day-of-month words ("quince", "primero", "treinta y uno"). */
export function esDay(n: number): string {
  if (n === 1) return 'primero';
  if (n === 21) return 'veintiuno';
  return es999(n);
}

export const ES_WEEKDAYS = ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'];
export const EN_WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
export const ES_MONTHS = [
  'enero',
  'febrero',
  'marzo',
  'abril',
  'mayo',
  'junio',
  'julio',
  'agosto',
  'septiembre',
  'octubre',
  'noviembre',
  'diciembre',
];
export const EN_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A local calendar day as a UTC date (only its Y-M-D and weekday are used). */
export interface Day {
  y: number;
  m: number;
  d: number;
}

export const toDate = (x: Day): Date => new Date(Date.UTC(x.y, x.m - 1, x.d));
export const fromDate = (t: Date): Day => ({
  y: t.getUTCFullYear(),
  m: t.getUTCMonth() + 1,
  d: t.getUTCDate(),
});
export const plusDays = (x: Day, n: number): Day => fromDate(new Date(toDate(x).getTime() + n * 86_400_000));
export const weekday = (x: Day): number => toDate(x).getUTCDay();
export const iso = (x: Day): string =>
  `${x.y}-${String(x.m).padStart(2, '0')}-${String(x.d).padStart(2, '0')}`;
export const monthLength = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

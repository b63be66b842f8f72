import type { Language } from './transcript.types.ts';
import { wordTable } from '../text/word-table.ts';

/**
 * Numbers as an ASR writes them, over folded tokens: words ("quinientos cincuenta y tres mil", "un millon
 * doscientos mil", "fifteen hundred", "a hundred and fifty"), digits with thousands separators ("200.000",
 * "1,200"), digits with a scale word ("250 mil", "1.5 millones") and split words ("veinti seis").
 */

export interface ParsedNumber {
  value: number;
  /** Token range [start, end). */
  start: number;
  end: number;
  /** True when written with digits only. */
  digits: boolean;
}

const ES_UNITS = wordTable<number>({
  cero: 0,
  un: 1,
  uno: 1,
  una: 1,
  dos: 2,
  tres: 3,
  cuatro: 4,
  cinco: 5,
  seis: 6,
  siete: 7,
  ocho: 8,
  nueve: 9,
});
const ES_TEENS = wordTable<number>({
  diez: 10,
  once: 11,
  doce: 12,
  trece: 13,
  catorce: 14,
  quince: 15,
  dieciseis: 16,
  diecisiete: 17,
  dieciocho: 18,
  diecinueve: 19,
  veinte: 20,
  veintiun: 21,
  veintiuno: 21,
  veintiuna: 21,
  veintidos: 22,
  veintitres: 23,
  veinticuatro: 24,
  veinticinco: 25,
  veintiseis: 26,
  veintisiete: 27,
  veintiocho: 28,
  veintinueve: 29,
});
const ES_TENS = wordTable<number>({
  treinta: 30,
  cuarenta: 40,
  cincuenta: 50,
  sesenta: 60,
  setenta: 70,
  ochenta: 80,
  noventa: 90,
});
const ES_HUNDREDS = wordTable<number>({
  cien: 100,
  ciento: 100,
  doscientos: 200,
  doscientas: 200,
  trescientos: 300,
  trescientas: 300,
  cuatrocientos: 400,
  cuatrocientas: 400,
  quinientos: 500,
  quinientas: 500,
  seiscientos: 600,
  seiscientas: 600,
  setecientos: 700,
  setecientas: 700,
  ochocientos: 800,
  ochocientas: 800,
  novecientos: 900,
  novecientas: 900,
});
const EN_UNITS = wordTable<number>({
  zero: 0,
  oh: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
});
const EN_TEENS = wordTable<number>({
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
});
const EN_TENS = wordTable<number>({
  twenty: 20,
  thirty: 30,
  forty: 40,
  fourty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
});

/** Common ASR spellings of Spanish number words. */
const ES_ALIASES = wordTable<string>({
  docientos: 'doscientos',
  quinentos: 'quinientos',
  setesientos: 'setecientos',
  sietecientos: 'setecientos',
  novesientos: 'novecientos',
  nuevecientos: 'novecientos',
  millon: 'millon',
  sincuenta: 'cincuenta',
  sinco: 'cinco',
  dies: 'diez',
  setenta: 'setenta',
  // seseo as a recognizer writes it (c and z heard as s)
  dosientos: 'doscientos',
  tresientos: 'trescientos',
  cuatrosientos: 'cuatrocientos',
  seisientos: 'seiscientos',
  ochosientos: 'ochocientos',
  sero: 'cero',
  onse: 'once',
  dose: 'doce',
  trese: 'trece',
  catorse: 'catorce',
  quinse: 'quince',
});

type Cat = 'unit' | 'teen' | 'tens' | 'hundred' | 'thousand' | 'million' | 'digits';

function buildTable(
  units: Record<string, number>,
  teens: Record<string, number>,
  tens: Record<string, number>,
  extra: [string, Cat, number][],
): Map<string, { cat: Cat; value: number }> {
  const m = new Map<string, { cat: Cat; value: number }>();
  for (const [w, v] of Object.entries(units)) m.set(w, { cat: 'unit', value: v });
  for (const [w, v] of Object.entries(teens)) m.set(w, { cat: 'teen', value: v });
  for (const [w, v] of Object.entries(tens)) m.set(w, { cat: 'tens', value: v });
  for (const [w, cat, v] of extra) m.set(w, { cat, value: v });
  return m;
}

const ES_TABLE = buildTable(ES_UNITS, ES_TEENS, ES_TENS, [
  ...Object.entries(ES_HUNDREDS).map(([w, v]) => [w, 'hundred', v] as [string, Cat, number]),
  ['mil', 'thousand', 1000],
  ['lucas', 'thousand', 1000],
  ['luca', 'thousand', 1000],
  ['millon', 'million', 1e6],
  ['millones', 'million', 1e6],
  ['palos', 'million', 1e6],
  ['palo', 'million', 1e6],
]);
for (const [alias, word] of Object.entries(ES_ALIASES)) {
  const hit = ES_TABLE.get(word);
  if (hit) ES_TABLE.set(alias, hit);
}
const EN_TABLE = buildTable(EN_UNITS, EN_TEENS, EN_TENS, [
  ['hundred', 'hundred', 100],
  ['thousand', 'thousand', 1000],
  ['grand', 'thousand', 1000],
  ['k', 'thousand', 1000],
  ['million', 'million', 1e6],
  ['millions', 'million', 1e6],
]);

function esWord(w: string): { cat: Cat; value: number } | undefined {
  return ES_TABLE.get(w);
}

function enWord(w: string): { cat: Cat; value: number } | undefined {
  return EN_TABLE.get(w);
}

/** Whether a folded word is a number word of the language (cheap check before parsing). */
export function isNumberWord(w: string, language: Language): boolean {
  return (language === 'es' ? ES_TABLE : EN_TABLE).has(w) || /^\d/.test(w);
}

/** Value of a digit token: "200.000" / "200,000" / "1.200.000" / "99.50" / "1,5". */
export function digitValue(token: string, language: Language): number | undefined {
  if (!/^\d[\d.,]*$/.test(token)) return undefined;
  if (/^\d{1,3}([.,]\d{3})+$/.test(token)) return Number(token.replace(/[.,]/g, ''));
  if (/^\d+[.,]\d{1,2}$/.test(token)) return Number(token.replace(',', '.'));
  if (/^\d+$/.test(token)) return Number(token);
  return language === 'es'
    ? Number(token.replace(/\./g, '').replace(',', '.'))
    : Number(token.replace(/,/g, ''));
}

export interface ParseOptions {
  /** English "two fifty" = 250, "one twenty five" = 125 (prices). */
  colloquialHundreds?: boolean;
}

/**
 * Parses the longest number starting at token i. Digit-by-digit sequences ("cuatro cinco") stop after the first
 * digit: a unit can only be followed by a scale word.
 */
/** Shared default (a fresh `{}` per call was a third of a megabyte of garbage per analysed call). */
const NO_OPTIONS: ParseOptions = Object.freeze({});

export function parseNumberAt(
  norms: readonly string[],
  i: number,
  language: Language,
  options: ParseOptions = NO_OPTIONS,
): ParsedNumber | undefined {
  const first = norms[i];
  if (first === undefined) return undefined;
  const table = language === 'es' ? ES_TABLE : EN_TABLE;
  const c0 = first.charCodeAt(0);
  if (
    !(c0 >= 48 && c0 <= 57) &&
    !table.has(first) &&
    !(language === 'en' && first === 'a') &&
    !(language === 'es' && (first === 'medio' || first === 'veinti' || first === 'dieci'))
  ) {
    return undefined;
  }
  const word = language === 'es' ? esWord : enWord;
  let total = 0;
  let current = 0;
  let last: Cat | undefined;
  let j = i;
  let digitsOnly = true;
  let consumedEnd = i;
  while (j < norms.length) {
    let w = norms[j]!;
    // "veinti seis", "dieci ocho": ASR splits
    if (language === 'es' && (w === 'veinti' || w === 'dieci') && norms[j + 1] && norms[j + 1]! in ES_UNITS) {
      w = w + norms[j + 1]!;
      if (!(w in ES_TEENS)) break;
      j++;
    }
    const dv = digitValue(w, language);
    if (dv !== undefined) {
      if (last !== undefined) {
        // a recognizer mixes words and digits: "six hundred and 75", "3 mil 500", "4 millones 520 mil"
        if (!digitsAfterScale(w, last, norms[j + 1], language)) break;
        current += dv;
      } else current = dv;
      last = 'digits';
      j++;
      consumedEnd = j;
      continue;
    }
    // connectors: "y" between tens and unit, "and" in English
    if ((language === 'es' && w === 'y') || (language === 'en' && w === 'and')) {
      const next = norms[j + 1];
      const nw = next ? word(next) : undefined;
      if (language === 'es' && last === 'tens' && nw?.cat === 'unit' && nw.value > 0) {
        j++;
        continue;
      }
      if (language === 'es' && (last === 'million' || last === 'thousand') && next === 'medio') {
        const scale = last === 'million' ? 1e6 : 1000;
        total += scale / 2;
        j += 2;
        consumedEnd = j;
        continue;
      }
      if (
        language === 'en' &&
        (last === 'hundred' || last === 'thousand' || last === 'million') &&
        ((nw && nw.cat !== 'hundred') ||
          (next !== undefined && digitsAfterScale(next, last, norms[j + 2], language)))
      ) {
        j++;
        continue;
      }
      break;
    }
    if (language === 'en' && w === 'a' && last === undefined) {
      const nw = norms[j + 1] ? word(norms[j + 1]!) : undefined;
      if (nw && (nw.cat === 'hundred' || nw.cat === 'thousand' || nw.cat === 'million')) {
        current = 1;
        last = 'unit';
        j++;
        consumedEnd = j;
        digitsOnly = false;
        continue;
      }
      break;
    }
    if (
      language === 'es' &&
      w === 'medio' &&
      last === undefined &&
      (norms[j + 1] === 'millon' || norms[j + 1] === 'palo')
    ) {
      total += 500_000;
      j += 2;
      consumedEnd = j;
      last = 'million';
      digitsOnly = false;
      continue;
    }
    const nw = word(w);
    if (!nw) break;
    const ok = canFollow(nw.cat, last, language, options, current);
    if (!ok) break;
    digitsOnly = false;
    switch (nw.cat) {
      case 'unit':
      case 'teen':
        current += nw.value;
        break;
      case 'tens':
        if (language === 'en' && last === 'unit' && options.colloquialHundreds && current < 10) {
          current = current * 100 + nw.value;
        } else current += nw.value;
        break;
      case 'hundred':
        if (language === 'en') current = Math.max(current, 1) * 100;
        else current += nw.value;
        break;
      case 'thousand':
        current = Math.max(current, 1) * 1000;
        break;
      case 'million':
        total += Math.max(current, 1) * 1e6;
        current = 0;
        break;
      default:
        break;
    }
    // a thousand-group ends when a million follows; keep it in `current` until then
    if (nw.cat === 'thousand') {
      total += current;
      current = 0;
    }
    last = nw.cat;
    j++;
    consumedEnd = j;
  }
  if (consumedEnd === i) return undefined;
  return { value: total + current, start: i, end: consumedEnd, digits: digitsOnly };
}

/**
 * Whether a digit token continues a number said in words up to a scale word (`last`), as a recognizer writes the
 * rest of it: under a hundred after "hundred" ("six hundred and 75"), three digits after a thousand ("3 mil 500",
 * "two thousand 500"), and after a million up to three digits before "mil"/"thousand" ("4 millones 520 mil").
 * Anything else starts anew: a count after an amount ("40 mil 3 cuotas"), or digits after "millones" that are
 * an identity number misheard ("68 millones 943.874").
 */
function digitsAfterScale(token: string, last: Cat, next: string | undefined, language: Language): boolean {
  if (last === 'hundred') return /^\d{1,2}$/.test(token);
  if (last === 'thousand') return /^\d{3}$/.test(token);
  if (last === 'million') {
    const thousand = next !== undefined ? (language === 'es' ? ES_TABLE : EN_TABLE).get(next) : undefined;
    return /^\d{1,3}$/.test(token) && thousand?.cat === 'thousand';
  }
  return false;
}

function canFollow(
  cat: Cat,
  last: Cat | undefined,
  language: Language,
  options: ParseOptions,
  current: number,
): boolean {
  switch (cat) {
    case 'unit':
      return (
        last === undefined ||
        last === 'tens' ||
        last === 'hundred' ||
        last === 'thousand' ||
        last === 'million'
      );
    case 'teen':
      return last === undefined || last === 'hundred' || last === 'thousand' || last === 'million';
    case 'tens':
      if (language === 'en' && last === 'unit' && options.colloquialHundreds && current > 0 && current < 10)
        return true;
      return last === undefined || last === 'hundred' || last === 'thousand' || last === 'million';
    case 'hundred':
      if (language === 'en') {
        return (
          last === undefined ||
          last === 'unit' ||
          last === 'teen' ||
          last === 'tens' ||
          last === 'thousand' ||
          last === 'million'
        );
      }
      return last === undefined || last === 'thousand' || last === 'million';
    case 'thousand':
      return last !== 'thousand';
    case 'million':
      return last !== 'million' && last !== 'thousand';
    default:
      return false;
  }
}

/** All numbers in a token list, left to right, non-overlapping. */
export function findNumbers(
  norms: readonly string[],
  language: Language,
  options: ParseOptions = NO_OPTIONS,
): ParsedNumber[] {
  const out: ParsedNumber[] = [];
  for (let i = 0; i < norms.length;) {
    const n = parseNumberAt(norms, i, language, options);
    if (n) {
      out.push(n);
      i = n.end;
    } else i++;
  }
  return out;
}

const ES_ORDINALS = wordTable<number>({ primero: 1, primer: 1, uno: 1 });
const EN_ORDINALS = wordTable<number>({
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  thirteenth: 13,
  fourteenth: 14,
  fifteenth: 15,
  sixteenth: 16,
  seventeenth: 17,
  eighteenth: 18,
  nineteenth: 19,
  twentieth: 20,
  thirtieth: 30,
});

/** A day of the month at token i: "15", "15th", "quince", "primero", "twenty first", "fifteenth". */
export function parseDayAt(
  norms: readonly string[],
  i: number,
  language: Language,
): ParsedNumber | undefined {
  const w = norms[i];
  if (!w) return undefined;
  const ord = /^(\d{1,2})(st|nd|rd|th|o|ro)?$/.exec(w);
  if (ord) {
    const v = Number(ord[1]);
    if (v < 1 || v > 31) return undefined;
    // "5th" may come as two tokens
    const suffix = !ord[2] && /^(st|nd|rd|th)$/.test(norms[i + 1] ?? '');
    return { value: v, start: i, end: suffix ? i + 2 : i + 1, digits: true };
  }
  if (language === 'es' && w in ES_ORDINALS && w !== 'uno')
    return { value: 1, start: i, end: i + 1, digits: false };
  if (language === 'en') {
    if (w in EN_ORDINALS) return { value: EN_ORDINALS[w]!, start: i, end: i + 1, digits: false };
    const next = norms[i + 1];
    if ((w === 'twenty' || w === 'thirty') && next && next in EN_ORDINALS && EN_ORDINALS[next]! < 10) {
      return { value: EN_TENS[w]! + EN_ORDINALS[next]!, start: i, end: i + 2, digits: false };
    }
  }
  const n = parseNumberAt(norms, i, language);
  if (n && !n.digits && n.value >= 1 && n.value <= 31 && Number.isInteger(n.value)) return n;
  return undefined;
}

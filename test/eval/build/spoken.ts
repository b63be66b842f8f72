/**
 * Renders digit strings the way people read them aloud and an ASR writes them (for building pii.jsonl):
 * digit by digit, with "doble"/"double", in pairs ("cuarenta y cinco"), in written groups or with dashes.
 */
import type { Lang } from './noise.ts';

const ES_UNITS = ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve'];
const ES_TEENS = [
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
];
const ES_TWENTIES = [
  'veinte',
  'veintiuno',
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
const EN_UNITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const EN_TEENS = [
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

export function pairWords(lang: Lang, two: string): string {
  const n = Number(two);
  if (two.startsWith('0')) return `${digitWord(lang, '0', true)} ${digitWord(lang, two[1]!, false)}`;
  if (lang === 'es') {
    if (n < 10) return ES_UNITS[n]!;
    if (n < 20) return ES_TEENS[n - 10]!;
    if (n < 30) return ES_TWENTIES[n - 20]!;
    const t = Math.floor(n / 10);
    const u = n % 10;
    return u === 0 ? ES_TENS[t]! : `${ES_TENS[t]} y ${ES_UNITS[u]}`;
  }
  if (n < 10) return EN_UNITS[n]!;
  if (n < 20) return EN_TEENS[n - 10]!;
  const t = Math.floor(n / 10);
  const u = n % 10;
  return u === 0 ? EN_TENS[t]! : `${EN_TENS[t]} ${EN_UNITS[u]}`;
}

function digitWord(lang: Lang, d: string, ohForZero: boolean): string {
  if (lang === 'en' && d === '0' && ohForZero) return 'oh';
  return (lang === 'es' ? ES_UNITS : EN_UNITS)[Number(d)]!;
}

export type Style = 'digits' | 'groups' | 'dashes' | 'spoken' | 'double' | 'pairs' | 'oh';

/** Renders `digits` in a style. `groups` is a list of group sizes for the written styles (default 4s). */
export function render(lang: Lang, digits: string, style: Style, groups?: number[]): string {
  const split = (sizes: number[]): string[] => {
    const out: string[] = [];
    let i = 0;
    for (const s of sizes) {
      if (i >= digits.length) break;
      out.push(digits.slice(i, i + s));
      i += s;
    }
    if (i < digits.length) out.push(digits.slice(i));
    return out;
  };
  const sizes = groups ?? Array.from({ length: Math.ceil(digits.length / 4) }, () => 4);
  switch (style) {
    case 'digits':
      return digits;
    case 'groups':
      return split(sizes).join(' ');
    case 'dashes':
      return split(sizes).join('-');
    case 'spoken':
    case 'oh':
      return [...digits].map((d) => digitWord(lang, d, style === 'oh')).join(' ');
    case 'double': {
      const words: string[] = [];
      for (let i = 0; i < digits.length; i++) {
        const d = digits[i]!;
        if (digits[i + 1] === d && digits[i + 2] !== d) {
          words.push(lang === 'es' ? 'doble' : 'double', digitWord(lang, d, true));
          i++;
        } else words.push(digitWord(lang, d, false));
      }
      return words.join(' ');
    }
    case 'pairs': {
      const words: string[] = [];
      for (let i = 0; i < digits.length; i += 2) {
        const chunk = digits.slice(i, i + 2);
        words.push(chunk.length === 2 ? pairWords(lang, chunk) : digitWord(lang, chunk, false));
      }
      return words.join(' ');
    }
  }
}

import { parseNumberAt } from '../matching/numbers.ts';
import type { Token } from '../matching/prepared-transcript.ts';
import type { Language } from '../matching/transcript.types.ts';
import { wordTable } from '../text/word-table.ts';

/**
 * Digit runs: a number read aloud or written, as one string of digits, with the tokens it came from. Handles
 * digits ("4512 3456", "300-456-7890", "1.020.345.678"), digit words one by one ("cuatro cinco uno", "four oh
 * five"), "doble"/"double"/"triple", and groups read as numbers ("cuarenta y cinco doce" → "4512").
 */

export interface DigitRun {
  digits: string;
  /** Stream token range [start, end). */
  start: number;
  end: number;
  /** Written with digits (all or partly). */
  written: boolean;
  /** Separators seen in written tokens ("-", "/", "."). */
  separators: string;
  /** How many pieces (digits, digit words, groups) it was read in: as many as its digits when read one by one. */
  pieces: number;
}

const REPEAT = wordTable<number>({ doble: 2, double: 2, triple: 3 });
const JOINERS = new Set(['guion', 'dash', 'hyphen', 'espacio', 'space', 'raya']);
/** Words that correct what was just said by themselves ("perdón", "sorry", "espere"). */
export const CORRECTING = new Set([
  'perdon',
  'perdone',
  'disculpe',
  'espere',
  'espereme',
  'equivoque',
  'sorry',
  'wait',
]);
/** Inside a number read out, "digo" and "I mean" correct too ("cuatro cinco, digo, cuatro seis"). */
const CORRECTING_IN_NUMBER = new Set([...CORRECTING, 'digo', 'mean']);
/**
 * Words of a self-correction inside a number read out ("no, perdón", "ay, no, espere, se me fue", "sorry, I mean"):
 * the correcting words and those said around them.
 */
const CORRECTIONS = new Set([...CORRECTING_IN_NUMBER, 'no', 'i', 'ay', 'se', 'me', 'fue']);
/** How many words a self-correction may take. */
const CORRECTION_WORDS = 6;

function pieceAt(
  tokens: readonly Token[],
  norms: readonly string[],
  i: number,
  language: Language,
  inRun: boolean,
): { digits: string; end: number; written: boolean; separators: string } | undefined {
  const w = norms[i];
  if (w === undefined) return undefined;
  const c0 = w.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57 && /^\d[\d.,:/-]*\d$|^\d$/.test(w)) {
    return { digits: w.replace(/\D/g, ''), end: i + 1, written: true, separators: w.replace(/[\d]/g, '') };
  }
  const rep = REPEAT[w];
  if (rep) {
    const next = parseNumberAt(norms, i + 1, language);
    if (next && next.end === i + 2 && next.value < 10) {
      return { digits: String(next.value).repeat(rep), end: i + 2, written: false, separators: '' };
    }
    return undefined;
  }
  if (language === 'en' && w === 'oh') {
    const next = norms[i + 1];
    const nextIsDigit =
      next !== undefined && (/^\d/.test(next) || parseNumberAt(norms, i + 1, language) !== undefined);
    return inRun || nextIsDigit ? { digits: '0', end: i + 1, written: false, separators: '' } : undefined;
  }
  if (language === 'en' && w === 'a') return undefined;
  const n = parseNumberAt(norms, i, language);
  if (!n || !Number.isInteger(n.value)) return undefined;
  // "cero cinco": keep leading zeros digit by digit
  const digits = String(n.value);
  void tokens;
  return { digits, end: n.end, written: n.digits, separators: '' };
}

/** Punctuation or a new segment between two tokens: where a reader pauses between the groups of a number. */
function pauseBetween(a: Token | undefined, b: Token): boolean {
  return a !== undefined && (a.segmentIndex !== b.segmentIndex || b.start - a.end > 1);
}

/** Words a reader opens the next piece of a dictated number with ("Ajá. Veinte…", "Y termina en…", "And then…"). */
const BRIDGE = new Set([
  'y',
  'termina',
  'en',
  'los',
  'ultimos',
  'al',
  'final',
  'luego',
  'sigue',
  'eso',
  'aja',
  'si',
  'and',
  'then',
  'the',
  'last',
  'ends',
  'with',
  'yes',
  'yeah',
  'okay',
  'ok',
]);

/**
 * `bridgeAt`: token positions where a new turn of a dictated number begins (a joined stream's cuts); there up to three
 * of BRIDGE's words may stand before the next piece and the number goes on.
 */
export function findDigitRuns(
  tokens: readonly Token[],
  language: Language,
  bridgeAt?: ReadonlySet<number>,
): DigitRun[] {
  const norms = tokens.map((t) => t.norm);
  const out: DigitRun[] = [];
  let cur: DigitRun | undefined;
  /** Digits of the last piece added to `cur`: what a self-correction takes back when no pause marks a group. */
  let lastPiece = 0;
  /** Where in `cur.digits` the group being read began (after the last pause), and the run's first piece. */
  let groupStart = 0;
  let firstPiece = '';
  let i = 0;
  while (i < tokens.length) {
    const p = pieceAt(tokens, norms, i, language, cur !== undefined);
    if (p) {
      if (!cur) {
        cur = { digits: '', start: i, end: i, written: false, separators: '', pieces: 0 };
        groupStart = 0;
        firstPiece = p.digits;
      } else if (pauseBetween(tokens[i - 1], tokens[i]!)) groupStart = cur.digits.length;
      lastPiece = p.digits.length;
      cur.pieces++;
      cur.digits += p.digits;
      cur.end = p.end;
      cur.written ||= p.written;
      cur.separators += p.separators;
      i = p.end;
      continue;
    }
    if (
      cur &&
      JOINERS.has(norms[i]!) &&
      i + 1 < tokens.length &&
      pieceAt(tokens, norms, i + 1, language, true)
    ) {
      i++;
      continue;
    }
    // a reader correcting themselves ("doscientos cuarenta y cinco, no, perdón, doscientos cuarenta y seis"): the
    // number goes on after it, what was said since the last pause taken back ("uno siete ocho cero… no, perdón,
    // uno siete ocho nueve"; the last piece where no pause was written), or all of it when the reader starts over
    // from its first piece ("treinta y uno, seiscientos… no, perdón, treinta y uno, seiscientos uno…"); the whole
    // stretch is hidden either way
    if (cur) {
      let k = i;
      while (k < tokens.length && k - i < CORRECTION_WORDS && CORRECTIONS.has(norms[k]!)) k++;
      const next =
        k > i && norms.slice(i, k).some((w) => CORRECTING_IN_NUMBER.has(w))
          ? pieceAt(tokens, norms, k, language, true)
          : undefined;
      if (next) {
        const restart = groupStart > 0 && next.digits === firstPiece;
        const back = restart
          ? cur.digits.length
          : Math.max(lastPiece, groupStart > 0 ? cur.digits.length - groupStart : 0);
        cur.digits = cur.digits.slice(0, cur.digits.length - back);
        lastPiece = 0;
        groupStart = cur.digits.length;
        i = k;
        continue;
      }
    }
    if (cur && bridgeAt?.has(i)) {
      let k = i;
      while (k < tokens.length && k - i < 3 && BRIDGE.has(norms[k]!)) k++;
      if (k > i && pieceAt(tokens, norms, k, language, true)) {
        i = k;
        continue;
      }
    }
    if (cur) {
      out.push(cur);
      cur = undefined;
    }
    i++;
  }
  if (cur) out.push(cur);
  return out;
}

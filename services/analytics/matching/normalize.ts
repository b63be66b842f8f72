import { isSoundFiller, tokenize as textTokenize } from '../text/index.ts';
import type { Language } from './transcript.types.ts';

/**
 * What the phrase matcher adds to the shared text normalisation (services/analytics/text): tokens in the shape the
 * matcher uses, its phonetic keys (which absorb typical recognition errors and differ from text's soundKey), filler
 * detection, negations and function words.
 */

export interface RawToken {
  /** Folded form used for matching. */
  norm: string;
  /** Offsets of the token's surface in the original text. */
  start: number;
  end: number;
  /** The token as written (for display). */
  surface: string;
}

/**
 * Splits text into word tokens with offsets, with the shared transcript tokenizer (services/analytics/text):
 * numbers such as "200.000" stay whole, English contractions and Spanish glued negations ("nopuedo") become two
 * tokens that share the offsets of the written word.
 */
export function tokenize(text: string, language: Language): RawToken[] {
  return textTokenize(text, language).map((t) => ({
    norm: t.norm.replace(/'/g, ''),
    start: t.start,
    end: t.end,
    surface: t.text,
  }));
}

/**
 * A phonetic key that makes common ASR confusions equal: doubled letters, b/v, z/s/c(e,i), ll/y, qu/k, silent h
 * (Spanish); ph/f, ck/k and doubled letters (English).
 */
const keyCache: Record<Language, Map<string, string>> = { es: new Map(), en: new Map() };

export function phoneticKey(norm: string, language: Language): string {
  const cache = keyCache[language];
  const hit = cache.get(norm);
  if (hit !== undefined) return hit;
  const k = computeKey(norm, language);
  if (cache.size > 100_000) cache.clear();
  cache.set(norm, k);
  return k;
}

function computeKey(norm: string, language: Language): string {
  let k = norm;
  if (language === 'es') {
    k = k
      .replace(/ll/g, 'y')
      .replace(/ch/g, 'ç')
      .replace(/qu/g, 'k')
      .replace(/c([ei])/g, 's$1')
      .replace(/c/g, 'k')
      .replace(/z/g, 's')
      .replace(/v/g, 'b')
      .replace(/w/g, 'u')
      .replace(/x/g, 'ks')
      .replace(/g([ei])/g, 'j$1')
      .replace(/h/g, '')
      .replace(/ç/g, 'ch');
  } else {
    k = k.replace(/ph/g, 'f').replace(/ck/g, 'k').replace(/q/g, 'k');
  }
  return k.replace(/(.)\1+/g, '$1');
}

/** Hesitation sounds that carry no words ("eh", "mmm", "um"). Ambiguous fillers ("este", "like") are kept. */
export function isFiller(norm: string): boolean {
  return isSoundFiller(norm);
}

export const NEGATIONS: Record<Language, ReadonlySet<string>> = {
  es: new Set(['no', 'nunca', 'jamas', 'ni', 'tampoco', 'sin']),
  en: new Set(['not', 'no', 'never', 'without', 'nor']),
};

/** Short function words: they weigh less in phrase scores and never anchor a match. */
export const FUNCTION_WORDS: Record<Language, ReadonlySet<string>> = {
  es: new Set(
    (
      'a al de del el la las los lo le les un una unos unas y o u e que en por para con su sus se me mi mis te tu ' +
      'es son ha he ya si yo usted ustedes nos es esta este esto eso esa ese'
    ).split(' '),
  ),
  en: new Set(
    (
      'a an the and or of to in on at for with by is are was were be been am i you we he she it they my your our ' +
      'this that these those will would can do does did have has had us me him her them its'
    ).split(' '),
  ),
};

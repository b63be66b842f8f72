import { isSoundFiller, tokenize as textTokenize } from '../text/index.ts';
import type { Language } from './transcript.types.ts';

/**
 * What the phrase matcher adds to the shared text normalisation (services/analytics/text): tokens in the shape the
 * matcher uses, filler detection, negations and function words. Its phonetic keys are text's soundKey, the same
 * keys the sentiment lexicon matches with.
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

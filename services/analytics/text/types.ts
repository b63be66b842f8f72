/** Languages the text analytics understand. */
export const TEXT_LANGS = ['es', 'en'] as const;
export type Lang = (typeof TEXT_LANGS)[number];

export function isLang(value: unknown): value is Lang {
  return value === 'es' || value === 'en';
}

/** Punctuation seen just before a token: none, a clause break (comma, colon, dash) or a sentence break. */
export type Boundary = 'none' | 'clause' | 'sentence';

/** One word of a transcript, with its place in the original text. */
export interface Token {
  /** The word as written in the original text, for display. */
  readonly text: string;
  /** Lower case, accents folded (á→a, ñ→n, ü→u), apostrophes normalised: the form every matcher compares. */
  readonly norm: string;
  /** Offsets of `text` in the original string (end exclusive). Expanded contractions share their source's span. */
  readonly start: number;
  readonly end: number;
  /** Punctuation between the previous token and this one (`sentence` for the first token). */
  readonly boundary: Boundary;
  /** A question mark follows this token, or an opening "¿" precedes it. */
  readonly question: boolean;
}

/** A token after ASR clean-up: fillers and immediate repetitions are flagged, not removed. */
export interface NormalizedToken extends Token {
  /** A hesitation or filler ("eh", "mmm", "um", "uh", filler "este"). */
  readonly filler: boolean;
  /** The same word as the previous content word ("no no no"), kept once. */
  readonly repeat: boolean;
}

export interface NormalizedText {
  readonly original: string;
  readonly lang: Lang;
  /** Every token, fillers and repetitions included. */
  readonly tokens: readonly NormalizedToken[];
  /** The tokens that carry content: neither filler nor repetition. */
  readonly words: readonly NormalizedToken[];
  /** `words` joined by single spaces, for phrase and regular-expression matching. */
  readonly text: string;
}

/** A stretch of one utterance that reads as one sentence. */
export interface Sentence {
  /** Offsets in the original text (end exclusive) and the original slice, for display. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Content words of the sentence (no fillers, no repetitions). */
  readonly words: readonly NormalizedToken[];
  /** Marked as a question by "?" or "¿". */
  readonly question: boolean;
}

/** Reduces a (folded, lower-case) word to its stem. Implemented by an adapter over a stemming library. */
export interface Stemmer {
  stem(word: string): string;
}

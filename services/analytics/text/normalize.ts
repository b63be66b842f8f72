import { isFillerAt } from './fillers.ts';
import { tokenizeMutable, type MutableToken } from './tokenize.ts';
import type { Lang, NormalizedText, NormalizedToken, Token } from './types.ts';
import { wordSet } from './words.ts';

/** Spoken numbers legitimately repeat ("ocho ocho", "four four one two"): never collapsed as ASR stutter. */
const NUMBER_WORDS = wordSet(
  'cero uno una dos tres cuatro cinco seis siete ocho nueve diez once doce veinte treinta cien ciento mil zero oh one two three four five six seven eight nine ten hundred thousand double',
);

const DIGITS = /^\p{N}/u;

function isNumberWord(norm: string): boolean {
  return NUMBER_WORDS.has(norm) || DIGITS.test(norm);
}

/** Sets the filler and repeat flags of freshly tokenized tokens in place. */
function flagNoise(tokens: MutableToken[], lang: Lang): void {
  const norms = tokens.map((t) => t.norm);
  let prevFiller = false;
  let lastContent: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const filler = isFillerAt(norms, i, lang, prevFiller);
    // A sentence break between two equal words is not a stutter ("no. no.") but still one word of meaning each.
    token.filler = filler;
    token.repeat =
      !filler && token.norm === lastContent && token.boundary === 'none' && !isNumberWord(token.norm);
    prevFiller = filler;
    if (!filler) lastContent = token.norm;
  }
}

/** Flags fillers and immediate repetitions on already tokenized text (returns new tokens). */
export function markNoise(tokens: readonly Token[], lang: Lang): NormalizedToken[] {
  const copies: MutableToken[] = tokens.map((t) => ({
    text: t.text,
    norm: t.norm,
    start: t.start,
    end: t.end,
    boundary: t.boundary,
    question: t.question,
    filler: false,
    repeat: false,
  }));
  flagNoise(copies, lang);
  return copies;
}

/**
 * Normalises one utterance for matching: tokens with folded forms and original offsets, fillers and ASR stutter
 * flagged, and the content words joined as `text`. The original string is kept untouched for display.
 */
export function normalize(text: string, lang: Lang): NormalizedText {
  const tokens = tokenizeMutable(text, lang);
  flagNoise(tokens, lang);
  const words = tokens.filter((t) => !t.filler && !t.repeat);
  return { original: text, lang, tokens, words, text: words.map((w) => w.norm).join(' ') };
}

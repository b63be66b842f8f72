import { normalize } from './normalize.ts';
import type { Boundary, Lang, NormalizedText, NormalizedToken, Sentence } from './types.ts';

/**
 * Sentence splitting for transcripts. Punctuation (. ! ? ; … newline ¿ ¡) always splits. ASR text often has no
 * punctuation at all, so a long run is also split before a discourse marker that opens a new clause ("pero",
 * "entonces", "o sea", "but", "however", "so I ...") when both sides keep at least MIN_SIDE_WORDS words. Nothing
 * else splits: a run without markers stays one sentence rather than being cut at an arbitrary length.
 */

export const MIN_SIDE_WORDS = 3;

/** One- and two-word markers, as folded word sequences. */
const MARKERS: Record<Lang, readonly (readonly string[])[]> = {
  es: [
    ['pero'],
    ['entonces'],
    ['sin', 'embargo'],
    ['ademas'],
    ['o', 'sea'],
    ['por', 'eso'],
    ['aunque'],
    ['bueno'],
    ['mire'],
  ],
  en: [['but'], ['however'], ['anyway'], ['and', 'then'], ['although'], ['because'], ['well']],
};

/** English "so" splits only when a subject follows ("... so I can pay friday"), not in "so much". */
const EN_SO_SUBJECTS = new Set(['i', 'we', 'you', 'he', 'she', 'they', 'it', 'that', 'there']);

const RANK: Record<Boundary, number> = { none: 0, clause: 1, sentence: 2 };

function markerAt(words: readonly NormalizedToken[], i: number, lang: Lang): number {
  const first = words[i]!.norm;
  if (lang === 'en' && first === 'so' && EN_SO_SUBJECTS.has(words[i + 1]?.norm ?? '')) return 1;
  for (const marker of MARKERS[lang]) {
    if (marker[0] !== first) continue;
    if (marker.every((m, k) => words[i + k]?.norm === m)) return marker.length;
  }
  return 0;
}

/** Splits normalised text (or a raw string, normalised first) into sentences of content words. */
export function splitSentences(input: string | NormalizedText, lang: Lang): Sentence[] {
  const normalized = typeof input === 'string' ? normalize(input, lang) : input;
  const groups = splitWords(normalized.tokens, lang);
  return groups.map((words) => {
    const start = words[0]!.start;
    const end = words[words.length - 1]!.end;
    return {
      start,
      end,
      text: normalized.original.slice(start, end),
      words,
      question: words.some((w) => w.question),
    };
  });
}

/**
 * The grouping behind splitSentences, on tokens: returns the content words of each sentence. Boundaries carried
 * by fillers and repetitions pass to the next content word.
 */
export function splitWords(tokens: readonly NormalizedToken[], lang: Lang): NormalizedToken[][] {
  const words: NormalizedToken[] = [];
  const breaks: boolean[] = [];
  let pending: Boundary = 'none';
  for (const token of tokens) {
    if (RANK[token.boundary] > RANK[pending]) pending = token.boundary;
    if (token.filler || token.repeat) continue;
    words.push(token);
    breaks.push(pending === 'sentence');
    pending = 'none';
  }
  if (words.length === 0) return [];

  // Words left in each punctuated run from position i on, to know whether a marker split leaves enough behind it.
  const remaining = new Array<number>(words.length);
  for (let i = words.length - 1, count = 0; i >= 0; i--) {
    count += 1;
    remaining[i] = count;
    if (breaks[i]) count = 0;
  }

  const out: NormalizedToken[][] = [];
  let current: NormalizedToken[] = [];
  for (let i = 0; i < words.length; i++) {
    let split = breaks[i] === true && current.length > 0;
    if (!split && current.length >= MIN_SIDE_WORDS && remaining[i]! >= MIN_SIDE_WORDS + 1) {
      const length = markerAt(words, i, lang);
      split = length > 0 && remaining[i]! - length >= MIN_SIDE_WORDS - 1;
    }
    if (split) {
      out.push(current);
      current = [];
    }
    current.push(words[i]!);
  }
  if (current.length > 0) out.push(current);
  return out;
}

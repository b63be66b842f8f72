import { soundKey, tokenize as textTokenize } from '../text/index.ts';
import { FUNCTION_WORDS, isFiller } from './normalize.ts';
import { parseNumberAt } from './numbers.ts';
import { stem } from './stem.ts';
import type { Language, SegmentParty, Transcript, TranscriptSegment } from './transcript.types.ts';

/**
 * A transcript tokenised once per call and shared by every detector: tokens with folded, phonetic and stemmed
 * forms, character offsets and estimated times, grouped into per-party streams (consecutive segments of one party)
 * so a phrase split across two ASR segments is still found.
 */

export interface Token {
  norm: string;
  key: string;
  stem: string;
  surface: string;
  segmentIndex: number;
  /** Offsets in the segment's text. */
  start: number;
  end: number;
  startMs: number;
  endMs: number;
  filler: boolean;
  functionWord: boolean;
  /**
   * A discourse filler a speaker (or the recognizer) puts anywhere ("o sea", "pues", "digamos"): inside
   * a phrase it costs almost nothing. Absent on tokens made elsewhere (tests): not a discourse filler.
   */
  discourse?: boolean;
}

/** Discourse fillers of one word, and the two-word ones by their second word and the first. */
const DISCOURSE: Record<Language, { one: ReadonlySet<string>; two: ReadonlyMap<string, string> }> = {
  es: { one: new Set(['pues', 'digamos', 'osea']), two: new Map([['sea', 'o']]) },
  en: { one: new Set(), two: new Map() },
};

export interface Stream {
  party: SegmentParty;
  tokens: Token[];
  /**
   * 1 where token j glued to token j+1 ("graba" + "da") is long enough to be read as one split word (the glued
   * forms are built only when a matcher has not seen the pair before).
   */
  pairable: Uint8Array;
}

export interface PreparedTranscript {
  language: Language;
  segments: Transcript;
  /** Tokens of each segment (fillers included, flagged). */
  segmentTokens: Token[][];
  streams: Stream[];
  /** Start of the first and end of the last segment. */
  startMs: number;
  endMs: number;
}

/**
 * Time of a character offset inside a segment: from word timings when the recognizer gave them, otherwise a
 * proportional estimate over the segment's duration (characters are a fair proxy for speaking time).
 */
export function timeAtOffset(segment: TranscriptSegment, offset: number, wordIndex?: number): number {
  const words = segment.words;
  if (words && words.length > 0 && wordIndex !== undefined) {
    const w = words[Math.min(wordIndex, words.length - 1)]!;
    return w.startMs;
  }
  const len = Math.max(1, segment.text.length);
  const f = Math.min(1, Math.max(0, offset / len));
  return Math.round(segment.startMs + f * (segment.endMs - segment.startMs));
}

/** Maps each token to the index of the recognizer word it falls in, by walking both in order. */
function wordIndexes(
  segment: TranscriptSegment,
  tokens: { start: number; end: number }[],
): number[] | undefined {
  const words = segment.words;
  if (!words || words.length === 0) return undefined;
  const text = segment.text;
  const bounds: { start: number; end: number }[] = [];
  let cursor = 0;
  for (const w of words) {
    const at = text.indexOf(w.word, cursor);
    if (at < 0) return undefined;
    bounds.push({ start: at, end: at + w.word.length });
    cursor = at + w.word.length;
  }
  const out: number[] = [];
  let k = 0;
  for (const t of tokens) {
    while (k < bounds.length - 1 && bounds[k]!.end <= t.start) k++;
    out.push(k);
  }
  return out;
}

/** What a token's word gives whatever its place: its sound key, stem and kind. */
interface WordForms {
  key: string;
  stem: string;
  filler: boolean;
  functionWord: boolean;
}

const WORD_CACHE_LIMIT = 50_000;
const wordCache: Record<Language, Map<string, WordForms>> = { es: new Map(), en: new Map() };

/** The forms of one folded word, worked out once and kept (bounded) for the calls that follow. */
function formsOf(norm: string, language: Language): WordForms {
  const cache = wordCache[language];
  let forms = cache.get(norm);
  if (forms === undefined) {
    forms = {
      key: soundKey(norm, language),
      stem: stem(norm, language),
      filler: isFiller(norm),
      functionWord: FUNCTION_WORDS[language].has(norm),
    };
    if (cache.size >= WORD_CACHE_LIMIT) cache.clear();
    cache.set(norm, forms);
  }
  return forms;
}

export function tokenizeSegment(
  segment: TranscriptSegment,
  segmentIndex: number,
  language: Language,
): Token[] {
  // the shared tokenizer's tokens, read directly (normalize.ts's tokenize() is the same with a copy per token)
  const raw = textTokenize(segment.text, language);
  const wi = wordIndexes(segment, raw);
  const discourse = DISCOURSE[language];
  const tokens = raw.map((t, i): Token => {
    const norm = t.norm.includes("'") ? t.norm.replace(/'/g, '') : t.norm;
    let startMs: number;
    let endMs: number;
    if (wi && segment.words) {
      const w = segment.words[wi[i]!]!;
      startMs = w.startMs;
      endMs = w.endMs;
    } else {
      startMs = timeAtOffset(segment, t.start);
      endMs = timeAtOffset(segment, t.end);
    }
    const forms = formsOf(norm, language);
    return {
      norm,
      key: forms.key,
      stem: forms.stem,
      surface: t.text,
      segmentIndex,
      start: t.start,
      end: t.end,
      startMs,
      endMs,
      filler: forms.filler,
      functionWord: forms.functionWord,
    };
  });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (discourse.one.has(t.norm)) t.discourse = true;
    else if (i > 0 && discourse.two.get(t.norm) === tokens[i - 1]!.norm) {
      t.discourse = true;
      tokens[i - 1]!.discourse = true;
    }
  }
  return tokens;
}

const NO_PAIRS = new Uint8Array(0);

/** Whether a few words hold a number (digits or number words). */
function saysNumber(tokens: readonly Token[], language: Language): boolean {
  const norms = tokens.map((t) => t.norm);
  return norms.some((w, i) => /\d/.test(w) || parseNumberAt(norms, i, language) !== undefined);
}

/** Segments of one party closer than this are one stream. */
const STREAM_GAP_MS = 4000;

export function prepareTranscript(segments: Transcript, language: Language): PreparedTranscript {
  const segmentTokens = segments.map((s, i) => tokenizeSegment(s, i, language));
  const content = segmentTokens.map((tokens) => tokens.filter((t) => !t.filler));
  // Streams: a party's consecutive segments (in time order), broken by the other party speaking or a long pause.
  const order = segments
    .map((_, i) => i)
    .sort((a, b) => segments[a]!.startMs - segments[b]!.startMs || a - b);
  const streams: Stream[] = [];
  const open = new Map<SegmentParty, { stream: Stream; lastEnd: number; lastIndexInOrder: number }>();
  order.forEach((segIndex, pos) => {
    const seg = segments[segIndex]!;
    const cur = open.get(seg.party);
    // a backchannel of the other party ("ajá", "okay") does not break a sentence in two
    let interrupted = false;
    if (cur !== undefined) {
      for (let q = cur.lastIndexInOrder + 1; q < pos && !interrupted; q++) {
        const o = order[q]!;
        // a short turn of the other party breaks the stream when it says a number: "trescientos dos" between two
        // turns of the agent is the end of a number dictated, and the agent's numbers on each side are two
        interrupted =
          segments[o]!.party !== seg.party && (content[o]!.length > 2 || saysNumber(content[o]!, language));
      }
    }
    const tokens = content[segIndex]!;
    if (!cur || interrupted || seg.startMs - cur.lastEnd > STREAM_GAP_MS) {
      const stream: Stream = { party: seg.party, tokens: [...tokens], pairable: NO_PAIRS };
      streams.push(stream);
      open.set(seg.party, { stream, lastEnd: seg.endMs, lastIndexInOrder: pos });
    } else {
      cur.stream.tokens.push(...tokens);
      cur.lastEnd = seg.endMs;
      cur.lastIndexInOrder = pos;
    }
  });
  for (const stream of streams) {
    const t = stream.tokens;
    const pairable = new Uint8Array(t.length);
    for (let j = 0; j + 1 < t.length; j++) {
      if (t[j]!.norm.length + t[j + 1]!.norm.length >= 5) pairable[j] = 1;
    }
    stream.pairable = pairable;
  }
  return {
    language,
    segments,
    segmentTokens,
    streams: streams.filter((s) => s.tokens.length > 0),
    startMs: segments.length ? segments.reduce((min, s) => Math.min(min, s.startMs), Infinity) : 0,
    endMs: segments.length ? segments.reduce((max, s) => Math.max(max, s.endMs), -Infinity) : 0,
  };
}

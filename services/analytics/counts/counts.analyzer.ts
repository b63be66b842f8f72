import { parseNumberAt } from '../matching/numbers.ts';
import { PhraseMatcher, toEvidence, type PhraseMatch } from '../matching/phrase.matcher.ts';
import type { PhraseRegistry } from '../matching/phrase.registry.ts';
import type { PreparedTranscript } from '../matching/prepared-transcript.ts';
import type { Evidence, Language, SegmentParty } from '../matching/transcript.types.ts';
import { STOP_WORDS, stem } from '../text/index.ts';
import {
  CATEGORY_MIN_SCORE,
  DEFAULT_KEYWORD_CATEGORIES,
  categorySpecs,
  type KeywordCategory,
} from './keyword-categories.ts';

/**
 * What was said, counted per party: the most frequent words and phrases (1–3-grams of content words, stop-words
 * removed, stemmed and accent-insensitive, shown in their most common written form), and keyword categories
 * (lawyer, lawsuit, seizure, complaint, payment plan, …) with counts and evidence.
 */

export interface TermCount {
  term: string;
  key: string;
  count: number;
}

export interface PartyCounts {
  words: number;
  unigrams: TermCount[];
  bigrams: TermCount[];
  trigrams: TermCount[];
}

export interface CategoryCount {
  id: string;
  label: string;
  total: number;
  byParty: Partial<Record<SegmentParty, number>>;
  evidence: Partial<Record<SegmentParty, Evidence[]>>;
}

export interface CountsResult {
  parties: Partial<Record<SegmentParty, PartyCounts>>;
  categories: CategoryCount[];
}

export interface CountsOptions {
  /** Items per list (default 15). */
  top?: number;
  /** Minimum count for an n-gram of 2–3 words to be listed (default 2). */
  minPhraseCount?: number;
  categories?: readonly KeywordCategory[];
  /** Evidence items kept per party and category (default 5). */
  evidencePerParty?: number;
  /** Character ranges to leave out of the word counts (sensitive data found by the PII detector). */
  skip?: readonly { segmentIndex: number; start: number; end: number }[];
}

const custom = new WeakMap<readonly KeywordCategory[], Partial<Record<Language, PhraseMatcher>>>();

function categoryMatches(
  phrases: PhraseRegistry,
  prepared: PreparedTranscript,
  categories: readonly KeywordCategory[],
): PhraseMatch[] {
  const registered = phrases.namespaceOf(categories, prepared.language);
  if (registered !== undefined) return phrases.matches(prepared, registered);
  let byLanguage = custom.get(categories);
  if (!byLanguage) custom.set(categories, (byLanguage = {}));
  const m = (byLanguage[prepared.language] ??= new PhraseMatcher(
    categorySpecs(categories, prepared.language),
    prepared.language,
    { minScore: CATEGORY_MIN_SCORE },
  ));
  return m.find(prepared);
}

/** Count of one n-gram and of the written forms it had (the map only once a second form shows up). */
interface Tally {
  count: number;
  first: string;
  surfaces: Map<string, number> | null;
}

function record(map: Map<string, Tally>, key: string, surface: string): void {
  const t = map.get(key);
  if (t === undefined) {
    map.set(key, { count: 1, first: surface, surfaces: null });
    return;
  }
  t.count++;
  if (t.surfaces === null) {
    if (surface === t.first) return;
    t.surfaces = new Map([[t.first, t.count - 1]]);
  }
  t.surfaces.set(surface, (t.surfaces.get(surface) ?? 0) + 1);
}

/** record of a key whose written form is `a b` or `a b c`, building that string only when it is new. */
function recordJoined(map: Map<string, Tally>, key: string, a: string, b: string, c?: string): void {
  const t = map.get(key);
  if (t !== undefined && t.surfaces === null && isJoined(t.first, a, b, c)) {
    t.count++;
    return;
  }
  record(map, key, c === undefined ? `${a} ${b}` : `${a} ${b} ${c}`);
}

/** Whether `s` is `a b` (or `a b c`), without building the joined string. */
function isJoined(s: string, a: string, b: string, c?: string): boolean {
  const len = a.length + 1 + b.length + (c === undefined ? 0 : c.length + 1);
  if (s.length !== len || !s.startsWith(a) || s.charCodeAt(a.length) !== 32) return false;
  if (c === undefined) return s.endsWith(b);
  return s.startsWith(b, a.length + 1) && s.charCodeAt(a.length + 1 + b.length) === 32 && s.endsWith(c);
}

function top(map: Map<string, Tally>, n: number, min: number): TermCount[] {
  return [...map.entries()]
    .filter(([, t]) => t.count >= min)
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([key, t]) => {
      if (t.surfaces === null) return { term: t.first, key, count: t.count };
      let best = '';
      let bestCount = -1;
      for (const [s, c] of t.surfaces) {
        if (c > bestCount || (c === bestCount && s < best)) {
          best = s;
          bestCount = c;
        }
      }
      return { term: best, key, count: t.count };
    });
}

export function countTerms(
  phrases: PhraseRegistry,
  prepared: PreparedTranscript,
  options: CountsOptions = {},
): CountsResult {
  const n = options.top ?? 15;
  const minPhrase = options.minPhraseCount ?? 2;
  const language = prepared.language;
  const stop = STOP_WORDS[language];
  const grams = new Map<SegmentParty, [Map<string, Tally>, Map<string, Tally>, Map<string, Tally>]>();
  const words = new Map<SegmentParty, number>();
  prepared.segments.forEach((segment, i) => {
    const party = segment.party;
    let g = grams.get(party);
    if (!g) grams.set(party, (g = [new Map(), new Map(), new Map()]));
    const hidden = options.skip?.filter((r) => r.segmentIndex === i) ?? [];
    const tokens = prepared.segmentTokens[i]!.filter(
      (t) => !t.filler && !hidden.some((r) => t.start < r.end && r.start < t.end),
    );
    words.set(party, (words.get(party) ?? 0) + tokens.length);
    // numbers (digits or words) are left out: they are amounts, dates or data, not topics
    const norms = tokens.map((t) => t.norm);
    const content = tokens.filter(
      (t, k) =>
        !stop.has(t.norm) && t.norm.length > 1 && !/\d/.test(t.norm) && !parseNumberAt(norms, k, language),
    );
    const keys = content.map((t) => stem(t.norm, language));
    const surfaces = content.map((t) => t.surface.toLowerCase());
    for (let k = 0; k < content.length; k++) {
      record(g[0], keys[k]!, surfaces[k]!);
      // an n-gram of content words must be close in the utterance (stop-words may sit between them)
      if (k + 1 < content.length && content[k + 1]!.start - content[k]!.end <= 12) {
        recordJoined(g[1], `${keys[k]} ${keys[k + 1]}`, surfaces[k]!, surfaces[k + 1]!);
        if (k + 2 < content.length && content[k + 2]!.start - content[k + 1]!.end <= 12) {
          recordJoined(
            g[2],
            `${keys[k]} ${keys[k + 1]} ${keys[k + 2]}`,
            surfaces[k]!,
            surfaces[k + 1]!,
            surfaces[k + 2]!,
          );
        }
      }
    }
  });
  const parties: Partial<Record<SegmentParty, PartyCounts>> = {};
  for (const [party, [u, b, t]] of grams) {
    parties[party] = {
      words: words.get(party) ?? 0,
      unigrams: top(u, n, 1),
      bigrams: top(b, n, minPhrase),
      trigrams: top(t, n, minPhrase),
    };
  }
  const categories = options.categories ?? DEFAULT_KEYWORD_CATEGORIES;
  const perParty = options.evidencePerParty ?? 5;
  const matches = categoryMatches(phrases, prepared, categories);
  const result: CategoryCount[] = categories.map((c) => {
    const mine = matches.filter((m) => m.phraseId === c.id);
    const byParty: Partial<Record<SegmentParty, number>> = {};
    const evidence: Partial<Record<SegmentParty, Evidence[]>> = {};
    for (const m of mine) {
      byParty[m.party] = (byParty[m.party] ?? 0) + 1;
      const list = (evidence[m.party] ??= []);
      if (list.length < perParty) list.push(toEvidence(m));
    }
    return { id: c.id, label: c.label, total: mine.length, byParty, evidence };
  });
  return { parties, categories: result };
}

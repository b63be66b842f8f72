import { EscuchaError } from '../../platform/errors.ts';
import { isSimilar } from '../text/similarity.ts';
import { tokenize as textTokenize } from '../text/tokenize.ts';
import type { Boundary } from '../text/types.ts';
import { damerauLevenshtein, soundKey } from '../text/index.ts';
import { FUNCTION_WORDS, NEGATIONS } from './normalize.ts';
import { stem } from './stem.ts';
import {
  alignSequence,
  memberBits,
  occursIn,
  simAt,
  tableBound,
  windowTable,
  type AlignResult,
  type Hit,
  type Sequence,
} from './phrase.align.ts';
import { compilePattern, parsePattern, type PatternNode, type PatternSlot } from './phrase.pattern.ts';
import type { PreparedTranscript, Stream, Token } from './prepared-transcript.ts';
import type { Evidence, Language, SegmentParty } from './transcript.types.ts';

/**
 * Escucha's phrase matcher: patterns in the one syntax of phrase.pattern.ts, words from the shared tokenizer and
 * compared by the one phonetic key (text/phonetic.ts), found by one of two scan strategies:
 *
 * - PhraseMatcher.find, the transcript aligner (detectors, script rules, keyword counts): scored, fuzzy matches
 *   anywhere in a party's stream, across segments, with negated matches dropped or flagged.
 * - matchSentencePhrase with SentencePhraseIndex, the sentence scanner (sentiment lexicon phrases and multi-word
 *   modifiers): a yes/no match from a given word within one clause, prefixes and `_` allowed, the negation scope
 *   left to the sentiment scorer. See the section further down.
 *
 * They stay two strategies because they answer different questions: the aligner looks for a few long phrases
 * anywhere and tolerates missing, extra, split and merged words (its score decides); the scanner decides, word by
 * word, which of ~200 short collocations a sentence's word starts, and the sentiment scorer needs the exact words
 * consumed, without scores, stopping at punctuation.
 *
 * The aligner: phrases are compiled once into an index of their words; a transcript word is looked up by exact form, phonetic key (b/v, s/z, ll/y, silent h, doubled letters),
 * stem, and a Damerau–Levenshtein neighbourhood of its phonetic key, and the results are cached. Only phrases whose
 * content words appear close together are aligned, by a small dynamic programme that scores matched words by
 * similarity, tolerates missing words and extra words (fillers, hesitations), and joins split words ("graba da")
 * and merged ones ("estallamada").
 */

export interface PhraseSpec {
  id: string;
  /** Patterns (phrase.pattern.ts syntax); any of them matches. */
  patterns: readonly string[];
  /** Minimum score 0–1 (default: the matcher's). */
  minScore?: number;
  /** Drop matches with a negation inside or just before them ("no está siendo grabada"). Default true. */
  rejectNegated?: boolean;
  /**
   * The parties whose streams the phrase is looked for in (default: every party): a phrase only one side says is
   * never scanned for in the other side's words.
   */
  parties?: readonly SegmentParty[];
}

/** A party's bit in a set of parties. */
const PARTY_BIT: Record<SegmentParty, number> = { agent: 1, customer: 2, unknown: 4 };
const ALL_PARTIES = 7;

function partyBits(parties: readonly SegmentParty[] | undefined): number {
  if (parties === undefined) return ALL_PARTIES;
  let bits = 0;
  for (const p of parties) bits |= PARTY_BIT[p];
  return bits;
}

export interface PhraseMatch extends Evidence {
  phraseId: string;
  /** Index of the pattern (in the spec) that matched. */
  patternIndex: number;
  streamIndex: number;
  /** Token positions of the match in its stream. */
  startToken: number;
  endToken: number;
  negated: boolean;
}

/** The evidence a match gives: where it is and what was said, without the matcher's positions. */
export function toEvidence(m: PhraseMatch): Evidence {
  return {
    segmentIndex: m.segmentIndex,
    party: m.party,
    startMs: m.startMs,
    endMs: m.endMs,
    matchedText: m.matchedText,
    score: m.score,
  };
}

export interface MatcherOptions {
  minScore?: number;
  /** Transcript-word lookups kept between calls. */
  cacheSize?: number;
}

/** At most this many alternative concatenations per pair of slots are indexed for merged words. */
const MAX_PAIR_COMBOS = 24;

const FUZZY_MIN_LEN = 5;
/** Spanish clitics that stand between a negation and its verb ("no se graba", "no la grabamos"). */
const CLITICS = new Set(['se', 'lo', 'la', 'le', 'les', 'los', 'las', 'me', 'te', 'nos']);
const NO_HITS: Hit[] = [];
/** Articles that may stand between a negation and what it negates. */
const ARTICLES = new Set(['a', 'an', 'the', 'un', 'una', 'el', 'la']);

function deletions(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.slice(0, i) + s.slice(i + 1));
  return out;
}

/**
 * Per sequence (index = sequence), what the scan of a stream reads for every candidate occurrence, kept apart from
 * the Sequence objects so that rejecting a candidate touches a few contiguous arrays: its slot count, minimum score,
 * weights, where its slots start in `weights` and `optimistic`, and whether one anchor alone can reach the score.
 */
interface FlatSequences {
  length: Int32Array;
  slotBase: Int32Array;
  minScore: Float64Array;
  totalWeight: Float64Array;
  optimisticWeight: Float64Array;
  oneAnchor: Uint8Array;
  weights: Float64Array;
  optimistic: Uint8Array;
  /** The postings as typed arrays, per party bit: only the sequences looked for in that party's streams. */
  postings: Map<number, (Int32Array | undefined)[]>;
}

export class PhraseMatcher {
  readonly language: Language;
  private readonly specs: PhraseSpec[];
  private readonly sequences: Sequence[] = [];
  private readonly dict: { norm: string; key: string; stem: string; pair: boolean }[] = [];
  private readonly byNorm = new Map<string, number>();
  private readonly byKey = new Map<string, number[]>();
  private readonly byStem = new Map<string, number[]>();
  private readonly byDeletion = new Map<string, number[]>();
  /** Dictionary id → flat triples [sequence, slot, 1 if a merged pair] of the sequences it anchors. */
  private readonly postings: (number[] | undefined)[] = [];
  private readonly cache = new Map<string, Hit[]>();
  /**
   * Look-ups of two transcript words read as one (no glued function words), by first word then second: the words'
   * own strings are the keys, so no joined string has to be hashed.
   */
  private readonly pairCache = new Map<string, Map<string, Hit[]>>();
  private pairCacheSize = 0;
  /** Per sequence, the anchors of the stream being searched; `anchorCounts` says how many are in use. */
  private readonly anchorBuffers: number[][] = [];
  private anchorCounts = new Int32Array(0);
  private readonly hitsScratch: Hit[][] = [];
  private readonly pairHitsScratch: Hit[][] = [];
  private readonly touchedScratch: number[] = [];
  private readonly bySignature = new Map<string, number>();
  private readonly minScore: number;
  private readonly cacheSize: number;
  private readonly negations: ReadonlySet<string>;
  private readonly functionWords: ReadonlySet<string>;
  private readonly flat: FlatSequences;
  /** Per spec, the bits of the parties it is looked for in. */
  private readonly specParties: Uint8Array;
  /** Per sequence, the bits of the parties any of its specs is looked for in. */
  private seqParties: number[] = [];

  constructor(specs: readonly PhraseSpec[], language: Language, options: MatcherOptions = {}) {
    this.language = language;
    this.specs = [...specs];
    this.minScore = options.minScore ?? 0.78;
    this.cacheSize = options.cacheSize ?? 100_000;
    this.negations = NEGATIONS[language];
    this.functionWords = FUNCTION_WORDS[language];
    this.specParties = Uint8Array.from(this.specs, (spec) => partyBits(spec.parties));
    this.specs.forEach((spec, s) => {
      spec.patterns.forEach((pattern, p) => {
        for (const tokens of compilePattern(pattern, language)) this.addSequence(s, p, tokens);
      });
    });
    this.flat = this.flatten();
  }

  /** The sequences' figures the scan reads for every candidate, in flat typed arrays (see FlatSequences). */
  private flatten(): FlatSequences {
    const count = this.sequences.length;
    const slots = this.sequences.reduce((acc, q) => acc + q.tokens.length, 0);
    const flat: FlatSequences = {
      length: new Int32Array(count),
      slotBase: new Int32Array(count),
      minScore: new Float64Array(count),
      totalWeight: new Float64Array(count),
      optimisticWeight: new Float64Array(count),
      oneAnchor: new Uint8Array(count),
      weights: new Float64Array(slots),
      optimistic: new Uint8Array(slots),
      postings: new Map(),
    };
    let base = 0;
    this.sequences.forEach((q, s) => {
      const minScore = this.specs[q.spec]!.minScore ?? this.minScore;
      flat.length[s] = q.tokens.length;
      flat.slotBase[s] = base;
      flat.minScore[s] = minScore;
      flat.totalWeight[s] = q.totalWeight;
      flat.optimisticWeight[s] = q.optimisticWeight;
      flat.weights.set(q.weights, base);
      flat.optimistic.set(q.optimistic, base);
      // whether a cluster of one anchor (a word, or a merged pair over this slot and the one before) can reach
      // the score: the same sums, in the same order, as the bound of the scan
      let one = false;
      for (let pos = 0; pos < q.tokens.length && !one; pos++) {
        for (const pair of [false, true]) {
          if (pair && pos === 0) continue;
          let bound = q.optimisticWeight;
          for (let slot = pair ? pos - 1 : pos; slot <= pos; slot++) {
            if (q.optimistic[slot] !== 1) bound += q.weights[slot]!;
          }
          if (bound / q.totalWeight >= minScore) one = true;
        }
      }
      flat.oneAnchor[s] = one ? 1 : 0;
      base += q.tokens.length;
    });
    return flat;
  }

  get phraseIds(): string[] {
    return this.specs.map((s) => s.id);
  }

  private entry(norm: string, key: string, stem: string, pair = false): number {
    const known = this.byNorm.get(norm);
    if (known !== undefined) {
      if (!pair) this.dict[known]!.pair = false;
      return known;
    }
    const id = this.dict.length;
    this.dict.push({ norm, key, stem, pair });
    this.postings.push(undefined);
    this.byNorm.set(norm, id);
    const push = (m: Map<string, number[]>, k: string) => {
      const l = m.get(k);
      if (l) {
        if (!l.includes(id)) l.push(id);
      } else m.set(k, [id]);
    };
    push(this.byKey, key);
    if (stem.length >= 3 && norm.length >= 4) push(this.byStem, stem);
    if (key.length >= FUZZY_MIN_LEN - 1) push(this.byDeletion, key);
    if (key.length >= FUZZY_MIN_LEN) for (const d of deletions(key)) push(this.byDeletion, d);
    return id;
  }

  private addSequence(spec: number, pattern: number, tokens: PatternSlot[]): void {
    // The same variant in two phrases (a script rule reusing the disclosure phrases) is matched once for both.
    const s = this.specs[spec]!;
    const signature = [
      s.minScore ?? this.minScore,
      s.rejectNegated === false,
      ...tokens.map((t) => t.alts.map((a) => a.norm).join('|') + (t.gapAfter ? '*' : '')),
    ].join(' ');
    const twin = this.bySignature.get(signature);
    if (twin !== undefined) {
      const known = this.sequences[twin]!;
      if (!known.specs.includes(spec)) {
        known.specs.push(spec);
        known.patterns.push(pattern);
        this.seqParties[twin]! |= this.specParties[spec]!;
      }
      return;
    }
    const seq = this.sequences.length;
    this.bySignature.set(signature, seq);
    this.seqParties.push(this.specParties[spec]!);
    const ids = tokens.map((t) => t.alts.map((a) => this.entry(a.norm, a.key, a.stem)));
    const pairIds = tokens.map((t, i) => {
      if (i === 0) return [];
      const prev = tokens[i - 1]!;
      if (prev.alts.length * t.alts.length > MAX_PAIR_COMBOS) return [];
      const out: number[] = [];
      for (const a of prev.alts)
        for (const b of t.alts) out.push(this.entry(a.norm + b.norm, a.key + b.key, a.norm + b.norm, true));
      return out;
    });
    const post = (id: number, pos: number, pair: boolean) => {
      const l = this.postings[id];
      if (l) l.push(seq, pos, pair ? 1 : 0);
      else this.postings[id] = [seq, pos, pair ? 1 : 0];
    };
    // content words anchor a sequence; a sequence of function words only ("i can do") is anchored by all of them
    const fn = FUNCTION_WORDS[this.language];
    // a sequence without a slot of content words only ("i can do", "(si|listo)") is anchored by every word
    const allFunction = !tokens.some((t) => t.alts.every((a) => !fn.has(a.norm)));
    tokens.forEach((t, i) => {
      t.alts.forEach((a, k) => {
        if (allFunction || !fn.has(a.norm)) post(ids[i]![k]!, i, false);
      });
      for (const id of pairIds[i]!) post(id, i, true);
    });
    const optimistic = Uint8Array.from(tokens, (t) =>
      !allFunction && t.alts.some((a) => fn.has(a.norm)) ? 1 : 0,
    );
    const slotsOf = new Map<number, number[]>();
    const pairSlotsOf = new Map<number, number[]>();
    const index = (m: Map<number, number[]>, lists: number[][]) =>
      lists.forEach((list, slot) => {
        for (const id of list) {
          const l = m.get(id);
          if (!l) m.set(id, [slot]);
          else if (!l.includes(slot)) l.push(slot);
        }
      });
    index(slotsOf, ids);
    index(pairSlotsOf, pairIds);
    this.anchorBuffers.push([]);
    this.anchorCounts = new Int32Array(this.anchorBuffers.length);
    this.sequences.push({
      spec,
      specs: [spec],
      patterns: [pattern],
      pattern,
      tokens,
      ids,
      pairIds,
      optimistic,
      weights: Float64Array.from(tokens, (t) => t.weight),
      glue: tokens.map((t) => t.alts.filter((a) => fn.has(a.norm) && a.norm.length >= 2).map((a) => a.norm)),
      before: tokens.map((_, i) => tokens.slice(0, i).reduce((acc, t) => acc + 1 + (t.gapAfter ? 4 : 0), 0)),
      after: tokens.map((_, i) =>
        tokens.slice(i).reduce((acc, t, k) => acc + (k > 0 ? 1 : 0) + (t.gapAfter ? 4 : 0), 0),
      ),
      optimisticWeight: tokens.reduce((acc, t, i) => acc + (optimistic[i] ? t.weight : 0), 0),
      totalWeight: tokens.reduce((a, t) => a + t.weight, 0),
      negationInside: tokens.some((t) => t.alts.some((a) => this.negations.has(a.norm))),
      slotsOf,
      pairSlotsOf,
      memberBits: memberBits(ids, pairIds),
    });
  }

  private lookupPlain(norm: string): Hit[] {
    const best = new Map<number, number>();
    this.similar(norm, soundKey(norm, this.language), stem(norm, this.language), best);
    return [...best].map(([id, sim]) => ({ id, sim }));
  }

  /** Dictionary entries similar to a transcript word, with their similarity. */
  lookup(norm: string, key: string, stem: string, glued = true): Hit[] {
    const cache = this.cache;
    const cached = glued ? cache.get(norm) : undefined;
    if (cached) return cached;
    const best = new Map<number, number>();
    this.similar(norm, key, stem, best);
    // a function word glued to a word by the recognizer ("adebt", "yourinformation", "wantto") or by the language
    // ("hablarlo"): looked for even when the whole word is a phrase's word too (another phrase's "hablarlo" must not
    // hide this one's "hablar")
    if (glued && norm.length >= 5) {
      const fn = FUNCTION_WORDS[this.language];
      for (let cut = 1; cut <= 4; cut++) {
        const parts: string[] = [];
        if (norm.length - cut < 4) break;
        if (fn.has(norm.slice(0, cut))) parts.push(norm.slice(cut));
        if (fn.has(norm.slice(-cut))) parts.push(norm.slice(0, -cut));
        for (const rest of parts) {
          for (const h of this.lookupPlain(rest)) {
            const sim = h.sim * 0.95;
            if (sim > (best.get(h.id) ?? 0)) best.set(h.id, sim);
          }
        }
      }
    }
    const hits = [...best].map(([id, sim]) => ({ id, sim }));
    if (glued) {
      if (cache.size >= this.cacheSize) cache.clear();
      cache.set(norm, hits);
    }
    return hits;
  }

  /** lookup of stream tokens j and j+1 read as one word (`stream.pairable[j]` is 1). */
  private lookupPair(stream: Stream, j: number): Hit[] {
    const first = stream.tokens[j]!.norm;
    const second = stream.tokens[j + 1]!.norm;
    let bySecond = this.pairCache.get(first);
    const cached = bySecond?.get(second);
    if (cached) return cached;
    const norm = first + second;
    const hits = this.lookup(norm, stream.tokens[j]!.key + stream.tokens[j + 1]!.key, norm, false);
    if (this.pairCacheSize >= this.cacheSize) {
      this.pairCache.clear();
      this.pairCacheSize = 0;
      bySecond = undefined;
    }
    if (!bySecond) this.pairCache.set(first, (bySecond = new Map()));
    bySecond.set(second, hits);
    this.pairCacheSize++;
    return hits;
  }

  private similar(norm: string, key: string, stem: string, best: Map<number, number>): void {
    const offer = (id: number, sim: number) => {
      if (sim > (best.get(id) ?? 0)) best.set(id, sim);
    };
    const exact = this.byNorm.get(norm);
    if (exact !== undefined) offer(exact, 1);
    for (const id of this.byKey.get(key) ?? []) offer(id, 0.96);
    if (stem.length >= 3 && norm.length >= 4) for (const id of this.byStem.get(stem) ?? []) offer(id, 0.9);
    if (key.length >= FUZZY_MIN_LEN - 1) {
      const candidates = new Set<number>(this.byDeletion.get(key) ?? []);
      for (const d of deletions(key)) for (const id of this.byDeletion.get(d) ?? []) candidates.add(id);
      for (const id of candidates) {
        if (best.has(id)) continue;
        const e = this.dict[id]!;
        if (
          Math.max(e.key.length, key.length) < FUZZY_MIN_LEN ||
          Math.min(e.key.length, key.length) < FUZZY_MIN_LEN - 1
        )
          continue;
        const dist = damerauLevenshtein(key, e.key, 2);
        const ratio = 1 - dist / Math.max(key.length, e.key.length);
        if (ratio >= 0.75) offer(id, 0.95 * ratio);
      }
    }
  }

  /** The postings of the sequences looked for in the streams of the party with this bit, built at first use. */
  private postingsFor(bit: number): (Int32Array | undefined)[] {
    let postings = this.flat.postings.get(bit);
    if (postings) return postings;
    postings = this.postings.map((l) => {
      if (l === undefined) return undefined;
      const kept: number[] = [];
      for (let y = 0; y < l.length; y += 3) {
        if ((this.seqParties[l[y]!]! & bit) !== 0) kept.push(l[y]!, l[y + 1]!, l[y + 2]!);
      }
      return kept.length > 0 ? Int32Array.from(kept) : undefined;
    });
    this.flat.postings.set(bit, postings);
    return postings;
  }

  /** Every match of every phrase, best first per location; `parties` restricts the streams searched. */
  find(
    prepared: PreparedTranscript,
    options: { parties?: readonly SegmentParty[]; phraseIds?: readonly string[] } = {},
  ): PhraseMatch[] {
    let wanted: Uint8Array | undefined;
    if (options.phraseIds) {
      const ids = new Set(options.phraseIds);
      wanted = new Uint8Array(this.specs.length);
      this.specs.forEach((spec, i) => {
        if (ids.has(spec.id)) wanted![i] = 1;
      });
    }
    const out: PhraseMatch[] = [];
    prepared.streams.forEach((stream, streamIndex) => {
      if (options.parties && !options.parties.includes(stream.party)) return;
      out.push(...this.findInStream(prepared, stream, streamIndex, wanted));
    });
    return dedupe(out);
  }

  private findInStream(
    prepared: PreparedTranscript,
    stream: Stream,
    streamIndex: number,
    wanted: Uint8Array | undefined,
  ): PhraseMatch[] {
    const toks = stream.tokens;
    const n = toks.length;
    // scratch space reused stream after stream (entries past n are stale and never read)
    const hits = this.hitsScratch;
    const pairHits = this.pairHitsScratch;
    const touched = this.touchedScratch;
    touched.length = 0;
    // candidate anchors: sequence → flat list of [token position, slot, 1 if a merged pair]
    // anchors per sequence, in reusable buffers: flat [token position, slot, 1 if a merged pair]
    const buffers = this.anchorBuffers;
    const counts = this.anchorCounts;
    const flat = this.flat;
    const bit = PARTY_BIT[stream.party];
    const postings = this.postingsFor(bit);
    for (let j = 0; j < n; j++) {
      const t = toks[j]!;
      const h = this.lookup(t.norm, t.key, t.stem);
      hits[j] = h;
      // two transcript words read as one (no further splitting: "mi avogado" is not "miavogado")
      const ph = stream.pairable[j] === 1 ? this.lookupPair(stream, j) : NO_HITS;
      pairHits[j] = ph;
      for (let round = 0; round < 2; round++) {
        const list = round === 0 ? h : ph;
        for (let x = 0; x < list.length; x++) {
          const posts = postings[list[x]!.id];
          if (posts === undefined) continue;
          for (let y = 0; y < posts.length; y += 3) {
            const pair = posts[y + 2]!;
            if (round === 1 && pair === 1) continue;
            const ps = posts[y]!;
            if (wanted !== undefined && !this.sequences[ps]!.specs.some((x) => wanted[x] === 1)) continue;
            const a = buffers[ps]!;
            const used = counts[ps]!;
            if (used === 0) touched.push(ps);
            a[used] = j;
            a[used + 1] = posts[y + 1]!;
            a[used + 2] = pair;
            counts[ps] = used + 3;
          }
        }
      }
    }
    const raw: { spec: number; pattern: number; seq: Sequence; match: AlignResult; negated: boolean }[] = [];
    const weights = flat.weights;
    const optimistic = flat.optimistic;
    for (let ti = 0; ti < touched.length; ti++) {
      const s = touched[ti]!;
      const a = buffers[s]!;
      const len = counts[s]!;
      const m = flat.length[s]!;
      const minScore = flat.minScore[s]!;
      const totalWeight = flat.totalWeight[s]!;
      const base = flat.slotBase[s]!;
      const oneAnchor = flat.oneAnchor[s] === 1;
      let i = 0;
      while (i < len) {
        let match: AlignResult | undefined;
        let k = i;
        if (m === 1) match = this.single(this.sequences[s]!, hits, pairHits, a[i]!);
        else {
          // clusters of anchors close enough to belong to one occurrence
          while (k + 3 < len && a[k + 3]! - a[k]! <= m + 3) k += 3;
          // a lone anchor that cannot reach the score on its own (the bound below, worked out once per sequence)
          if (k === i && !oneAnchor) {
            i = k + 3;
            continue;
          }
          // upper bound: slots that cannot anchor are assumed matched; anchored slots count once
          let bound = flat.optimisticWeight[s]!;
          let seen = 0;
          for (let q = i; q <= k; q += 3) {
            const pos = a[q + 1]!;
            // a merged pair anchors its slot and the one before
            for (let slot = a[q + 2] === 1 ? pos - 1 : pos; slot <= pos; slot++) {
              if (optimistic[base + slot] === 1) continue;
              if (slot >= 31) bound += weights[base + slot]!;
              else if ((seen & (1 << slot)) === 0) {
                seen |= 1 << slot;
                bound += weights[base + slot]!;
              }
            }
          }
          if (bound / totalWeight >= minScore) {
            const seq = this.sequences[s]!;
            // room for the slots before the first anchor and after the last one (plus a few extra words)
            const from = Math.max(0, a[i]! - seq.before[a[i + 1]!]! - 2);
            const to = Math.min(n, a[k]! + seq.after[a[k + 1]!]! + 3);
            const table = windowTable(seq, hits, pairHits, from, to);
            // the slots assumed matched must at least occur in the window
            for (let q = 0; q < m && bound / totalWeight >= minScore; q++) {
              if (optimistic[base + q] === 1 && !occursIn(seq, q, toks, table)) bound -= weights[base + q]!;
            }
            // and the best the window's words allow must reach the score (a margin for the sums' rounding)
            if (
              bound / totalWeight >= minScore &&
              tableBound(seq, toks, table) / totalWeight >= minScore - 1e-9
            )
              match = alignSequence(seq, toks, table);
          }
        }
        if (match !== undefined && match.score >= minScore) {
          const seq = this.sequences[s]!;
          const negated = !seq.negationInside && this.isNegated(toks, match.first, match.last);
          if (!negated || this.specs[seq.spec]!.rejectNegated === false) {
            seq.specs.forEach((x, k2) => {
              if ((wanted === undefined || wanted[x] === 1) && (this.specParties[x]! & bit) !== 0) {
                raw.push({ spec: x, pattern: seq.patterns[k2]!, seq, match, negated });
              }
            });
          }
        }
        i = k + 3;
      }
    }
    for (const s of touched) counts[s] = 0;
    // overlapping matches of one phrase (different variants) become one, spanning both, with the best score
    raw.sort((x, y) => x.spec - y.spec || x.match.first - y.match.first);
    const out: PhraseMatch[] = [];
    for (let q = 0; q < raw.length;) {
      const cur = { ...raw[q]!, match: { ...raw[q]!.match } };
      let r = q + 1;
      while (r < raw.length && raw[r]!.spec === cur.spec && raw[r]!.match.first <= cur.match.last) {
        const o = raw[r]!;
        if (o.match.score > cur.match.score) {
          cur.seq = o.seq;
          cur.pattern = o.pattern;
          cur.match.score = o.match.score;
          cur.negated = o.negated;
        }
        cur.match.last = Math.max(cur.match.last, o.match.last);
        r++;
      }
      out.push(
        this.toMatch(
          prepared,
          stream,
          streamIndex,
          cur.pattern,
          this.specs[cur.spec]!.id,
          cur.match,
          cur.negated,
        ),
      );
      q = r;
    }
    return out;
  }

  private isNegated(toks: Token[], first: number, last: number): boolean {
    for (let j = Math.max(0, first - 1); j <= last; j++) if (this.negations.has(toks[j]!.norm)) return true;
    // an article between the negation and the match: "this isn't a recorded line", "no es una llamada grabada"
    if (first >= 2 && ARTICLES.has(toks[first - 1]!.norm) && this.negations.has(toks[first - 2]!.norm))
      return true;
    // a clitic between the negation and the match: "no se está grabando", "no la estamos grabando"
    const before = toks[first - 1]?.norm;
    if (before !== undefined && CLITICS.has(before) && first >= 2) {
      return this.negations.has(toks[first - 2]!.norm);
    }
    return false;
  }

  /** A one-word phrase at token j (or split over j, j+1). */
  private single(seq: Sequence, hits: Hit[][], pairHits: Hit[][], j: number): AlignResult | undefined {
    const ids = seq.ids[0]!;
    const s = simAt(ids, hits[j]);
    const s2 = simAt(ids, pairHits[j]);
    if (s === 0 && s2 === 0) return undefined;
    return s >= s2 ? { score: s, first: j, last: j } : { score: s2, first: j, last: j + 1 };
  }

  private toMatch(
    prepared: PreparedTranscript,
    stream: Stream,
    streamIndex: number,
    patternIndex: number,
    phraseId: string,
    m: AlignResult,
    negated: boolean,
  ): PhraseMatch {
    const a = stream.tokens[m.first]!;
    const b = stream.tokens[m.last]!;
    let matchedText: string;
    if (a.segmentIndex === b.segmentIndex) {
      matchedText = prepared.segments[a.segmentIndex]!.text.slice(a.start, b.end);
    } else {
      const parts: string[] = [];
      for (let s = a.segmentIndex; s <= b.segmentIndex; s++) {
        const text = prepared.segments[s]!.text;
        if (prepared.segments[s]!.party !== stream.party) continue;
        parts.push(
          s === a.segmentIndex ? text.slice(a.start) : s === b.segmentIndex ? text.slice(0, b.end) : text,
        );
      }
      matchedText = parts.join(' ');
    }
    return {
      phraseId,
      patternIndex,
      segmentIndex: a.segmentIndex,
      party: stream.party,
      startMs: a.startMs,
      endMs: b.endMs,
      matchedText: matchedText.trim(),
      score: Math.round(m.score * 1000) / 1000,
      streamIndex,
      startToken: m.first,
      endToken: m.last,
      negated,
    };
  }
}

/** Keeps the best match where matches of one phrase overlap. */
function dedupe(matches: PhraseMatch[]): PhraseMatch[] {
  const byPhrase = new Map<string, PhraseMatch[]>();
  for (const m of matches) {
    const l = byPhrase.get(m.phraseId);
    if (l) l.push(m);
    else byPhrase.set(m.phraseId, [m]);
  }
  const out: PhraseMatch[] = [];
  for (const list of byPhrase.values()) {
    list.sort(
      (x, y) =>
        y.score - x.score || y.endToken - y.startToken - (x.endToken - x.startToken) || x.startMs - y.startMs,
    );
    const kept: PhraseMatch[] = [];
    for (const m of list) {
      const overlaps = kept.some(
        (k) => k.streamIndex === m.streamIndex && k.startToken <= m.endToken && m.startToken <= k.endToken,
      );
      if (!overlaps) kept.push(m);
    }
    out.push(...kept);
  }
  return out.sort((x, y) => x.startMs - y.startMs || x.phraseId.localeCompare(y.phraseId));
}

// ---------------------------------------------------------------------------------------------------------------
// Sentence scanning: the sentiment lexicon's phrases and multi-word modifiers, matched word by word from a given
// start over the words of one sentence. Words compare by sound key (so ASR spellings match), prefix, and past the
// first word, near spellings by edit distance; gaps are short (SENTENCE_GAP_MAX words); a phrase never runs across a
// comma or a sentence break. The caller (sentiment/sentence.scorer.ts) decides negation scope with the phrase's
// hasNegator. Unlike the aligner it gives no score: a phrase matches or it does not.

const SENTENCE_GAP_MAX = 2;
/** Minimum similarity and word length for an edit-distance match of a non-first word. */
const FUZZY_MIN = 0.8;
const FUZZY_MIN_LENGTH = 6;

/** What the matcher needs of a word: its folded form and sound key. */
export interface MatchWord {
  readonly norm: string;
  readonly key: string;
}

/** Where a word sits: a phrase may not consume a word that follows punctuation. */
export interface MatchPlace {
  readonly boundary: Boundary;
}

interface Alternative {
  readonly prefix: boolean;
  readonly norm: string;
  readonly key: string;
  /** Memoised edit-distance verdicts per text word (bounded). */
  readonly near: Map<string, boolean>;
}

type Element =
  | { readonly kind: 'word'; readonly alts: readonly Alternative[]; readonly optional: boolean }
  | { readonly kind: 'gap'; readonly max: number }
  | { readonly kind: 'any' };

export interface CompiledPhrase<T> {
  readonly source: string;
  readonly elements: readonly Element[];
  readonly payload: T;
  /** The pattern contains a negator itself ("no puedo pagar"): a negation before it does not flip it again. */
  readonly hasNegator: boolean;
  /**
   * Sound keys the second word must have, when the second element is a required short word (too short for an
   * edit-distance match): lets most candidates fail on one set lookup.
   */
  readonly secondKeys: ReadonlySet<string> | null;
}

/**
 * A pattern word as the sentence scanner compares it: normalised by the shared tokenizer like the sentence's words
 * (one word: write "can not", not "can't"), and its sound key.
 */
function sentenceWord(raw: string, prefix: boolean, lang: Language, pattern: string): Alternative {
  const tokens = textTokenize(raw, lang);
  if (tokens.length !== 1) {
    throw new EscuchaError('BAD_REQUEST', `pattern "${pattern}": "${raw}" is not one word`);
  }
  const word = tokens[0]!.norm;
  return { prefix, norm: word, key: soundKey(word, lang), near: new Map() };
}

/** The sentence scanner's element for one pattern node. */
function toElement(node: PatternNode, pattern: string, lang: Language): Element {
  if (node.kind === 'gap') return { kind: 'gap', max: SENTENCE_GAP_MAX };
  if (node.kind === 'any') return { kind: 'any' };
  if (node.kind === 'word')
    return { kind: 'word', alts: [sentenceWord(node.text, node.prefix, lang, pattern)], optional: false };
  const alts: Alternative[] = [];
  for (const option of node.options) {
    if (option.length === 0) continue;
    const only = option[0]!;
    if (option.length > 1 || only.kind !== 'word') {
      throw new EscuchaError(
        'BAD_REQUEST',
        `pattern "${pattern}": the sentence scanner takes alternatives of one word each`,
      );
    }
    alts.push(sentenceWord(only.text, only.prefix, lang, pattern));
  }
  return { kind: 'word', alts, optional: node.optional };
}

/** Compiles a pattern (phrase.pattern.ts syntax) for matchSentencePhrase. */
export function compilePhrase<T>(
  pattern: string,
  payload: T,
  lang: Language,
  negators: ReadonlySet<string>,
): CompiledPhrase<T> {
  const elements = parsePattern(pattern).map((node) => toElement(node, pattern, lang));
  const hasNegator = elements.some(
    (e) => e.kind === 'word' && e.alts.some((a) => !a.prefix && negators.has(a.norm)),
  );
  const first = elements[0];
  if (first === undefined || first.kind !== 'word' || first.optional) {
    throw new EscuchaError('BAD_REQUEST', `pattern "${pattern}" must start with a required word`);
  }
  const second = elements[1];
  const secondKeys =
    second !== undefined &&
    second.kind === 'word' &&
    !second.optional &&
    second.alts.every((a) => !a.prefix && a.norm.length < FUZZY_MIN_LENGTH)
      ? new Set(second.alts.map((a) => a.key))
      : null;
  return { source: pattern, elements, payload, hasNegator, secondKeys };
}

/** Turns a plain multi-word lexicon entry ("fed up", "can't stand") into a pattern in normalised words. */
export function plainPattern(entry: string, lang: Language): string {
  return textTokenize(entry, lang)
    .map((t) => t.norm.replace(/[|*?()[\]]/g, ''))
    .filter((w) => w.length > 0 && w !== '_')
    .join(' ');
}

const NEAR_CACHE_LIMIT = 20_000;

function near(alt: Alternative, norm: string): boolean {
  if (norm.length < FUZZY_MIN_LENGTH || alt.norm.length < FUZZY_MIN_LENGTH) return false;
  const known = alt.near.get(norm);
  if (known !== undefined) return known;
  const verdict = isSimilar(norm, alt.norm, FUZZY_MIN, FUZZY_MIN_LENGTH);
  if (alt.near.size >= NEAR_CACHE_LIMIT) alt.near.clear();
  alt.near.set(norm, verdict);
  return verdict;
}

function altMatches(alt: Alternative, word: MatchWord, anchor: boolean): boolean {
  if (alt.prefix) return word.norm.startsWith(alt.norm) || word.key.startsWith(alt.key);
  if (word.key === alt.key || word.norm === alt.norm) return true;
  return !anchor && near(alt, word.norm);
}

function anyAltMatches(alts: readonly Alternative[], word: MatchWord, anchor: boolean): boolean {
  for (const alt of alts) if (altMatches(alt, word, anchor)) return true;
  return false;
}

function matchFrom<T>(
  phrase: CompiledPhrase<T>,
  el: number,
  words: readonly MatchWord[],
  places: readonly MatchPlace[],
  at: number,
  start: number,
): number {
  const elements = phrase.elements;
  if (el === elements.length) return at;
  const element = elements[el]!;
  const usable = at < words.length && (at === start || places[at]!.boundary === 'none');
  if (element.kind === 'gap') {
    for (let skip = 0; skip <= element.max; skip++) {
      const end = matchFrom(phrase, el + 1, words, places, at + skip, start);
      if (end >= 0) return end;
      const next = at + skip;
      if (next >= words.length || (next !== start && places[next]!.boundary !== 'none')) break;
    }
    return -1;
  }
  if (element.kind === 'any') return usable ? matchFrom(phrase, el + 1, words, places, at + 1, start) : -1;
  if (usable && anyAltMatches(element.alts, words[at]!, el === 0)) {
    const end = matchFrom(phrase, el + 1, words, places, at + 1, start);
    if (end >= 0) return end;
  }
  return element.optional ? matchFrom(phrase, el + 1, words, places, at, start) : -1;
}

/**
 * End (exclusive) of the match of `phrase` starting at words[start], or −1. `places[i]` is where words[i] sits
 * (the same index), so that a phrase stops at punctuation.
 */
export function matchSentencePhrase<T>(
  phrase: CompiledPhrase<T>,
  words: readonly MatchWord[],
  places: readonly MatchPlace[],
  start: number,
): number {
  if (phrase.secondKeys !== null) {
    const next = words[start + 1];
    if (next === undefined || !phrase.secondKeys.has(next.key)) return -1;
  }
  return matchFrom(phrase, 0, words, places, start, start);
}

/** Sentence scanning: finds, for a word, the phrases whose first word it can be. Built once per language. */
export class SentencePhraseIndex<T> {
  private readonly byKey = new Map<string, CompiledPhrase<T>[]>();
  private readonly prefixed: { alt: Alternative; phrase: CompiledPhrase<T> }[] = [];
  private readonly order = new Map<CompiledPhrase<T>, number>();

  constructor(phrases: readonly CompiledPhrase<T>[]) {
    phrases.forEach((phrase, i) => {
      this.order.set(phrase, i);
      const first = phrase.elements[0]!;
      if (first.kind !== 'word') return;
      for (const alt of first.alts) {
        if (alt.prefix) this.prefixed.push({ alt, phrase });
        else {
          const list = this.byKey.get(alt.key) ?? [];
          if (!list.includes(phrase)) list.push(phrase);
          this.byKey.set(alt.key, list);
        }
      }
    });
  }

  /** Candidate phrases for a first word, in declaration order (earlier wins a tie in length). */
  startingWith(norm: string, key: string): CompiledPhrase<T>[] {
    const found = new Set<CompiledPhrase<T>>(this.byKey.get(key) ?? []);
    for (const { alt, phrase } of this.prefixed) {
      if (norm.startsWith(alt.norm) || key.startsWith(alt.key)) found.add(phrase);
    }
    return [...found].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }
}

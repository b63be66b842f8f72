import type { PatternSlot } from './phrase.pattern.ts';
import type { Token } from './prepared-transcript.ts';

/**
 * The alignment step of the phrase matcher: a small dynamic programme that scores one phrase variant against a
 * window of transcript words — matched words by similarity, missing phrase words and extra transcript words
 * (hesitations, asides) at a small cost, a phrase word split in two transcript words ("graba da"), two phrase words
 * merged into one ("estallamada"), and function words glued to a neighbour ("diasle habla").
 */

export interface Hit {
  id: number;
  sim: number;
}

/** One expanded variant of a phrase, compiled against the matcher's dictionary. */
export interface Sequence {
  /** The phrase (spec) that defined it first; `specs` lists every phrase sharing this exact variant. */
  spec: number;
  specs: number[];
  /** Per entry of `specs`: the index of the pattern (in that phrase) the variant came from. */
  patterns: number[];
  pattern: number;
  tokens: PatternSlot[];
  /** tokens[i].weight, read in the hot loops without touching the slot objects. */
  weights: Float64Array;
  /** Dictionary ids of each slot's alternatives. */
  ids: number[][];
  /** Dictionary ids of the concatenations of slot i-1 and slot i (for merged transcript words); empty at 0. */
  pairIds: number[][];
  totalWeight: number;
  negationInside: boolean;
  /** Per slot: not every alternative can anchor, so the upper bound assumes it matches. */
  optimistic: Uint8Array;
  optimisticWeight: number;
  /** Per slot: its function-word alternatives that a recognizer may glue to a neighbour. */
  glue: string[][];
  /** Per slot: how many transcript words the slots before / after it may take (gaps count extra). */
  before: number[];
  after: number[];
  /** Dictionary id → the slots that have it among their alternatives (`ids`), for filling a window's table. */
  slotsOf: Map<number, number[]>;
  /** Dictionary id → the slots that have it among their merged pairs (`pairIds`). */
  pairSlotsOf: Map<number, number[]>;
  /** Bit set of the dictionary ids in `slotsOf` or `pairSlotsOf`: most words of a window are in neither. */
  memberBits: Uint32Array;
}

/**
 * How well each slot of one sequence matches each word of a window, computed once per window from the words'
 * dictionary hits (a few map look-ups per word instead of a scan of every slot's alternatives per cell). Row i,
 * column k is slot i against stream token `from + k`; 0 means no match. The arrays are scratch space reused by the
 * next window.
 */
export interface WindowTable {
  from: number;
  n: number;
  /** The slot's word against the token (simAt(ids[i], hits[tj])). */
  word: Float64Array;
  /** The slot's word against the token glued to the next one (simAt(ids[i], pairHits[tj])). */
  split: Float64Array;
  /** Slots i-1 and i merged, against the token (simAt(pairIds[i], hits[tj])). */
  merged: Float64Array;
}

const table: WindowTable = {
  from: 0,
  n: 0,
  word: new Float64Array(256),
  split: new Float64Array(256),
  merged: new Float64Array(256),
};

function offer(
  cells: Float64Array,
  slots: readonly number[] | undefined,
  n: number,
  k: number,
  sim: number,
): void {
  if (slots === undefined) return;
  for (let x = 0; x < slots.length; x++) {
    const c = slots[x]! * n + k;
    if (sim > cells[c]!) cells[c] = sim;
  }
}

/** A bit set over dictionary ids with those of `lists` (for Sequence.memberBits). */
export function memberBits(...lists: readonly (readonly number[])[][]): Uint32Array {
  let max = 0;
  for (const l of lists) for (const ids of l) for (const id of ids) max = Math.max(max, id);
  const bits = new Uint32Array((max >>> 5) + 1);
  for (const l of lists) for (const ids of l) for (const id of ids) bits[id >>> 5]! |= 1 << (id & 31);
  return bits;
}

function isMember(bits: Uint32Array, id: number): boolean {
  const word = id >>> 5;
  return word < bits.length && (bits[word]! & (1 << (id & 31))) !== 0;
}

/** Fills the (shared, reused) table of `seq` against stream tokens [from, to). */
export function windowTable(
  seq: Sequence,
  hits: readonly Hit[][],
  pairHits: readonly Hit[][],
  from: number,
  to: number,
): WindowTable {
  const n = to - from;
  const size = seq.tokens.length * n;
  if (table.word.length < size) {
    table.word = new Float64Array(size * 2);
    table.split = new Float64Array(size * 2);
    table.merged = new Float64Array(size * 2);
  }
  const { word, split, merged } = table;
  word.fill(0, 0, size);
  split.fill(0, 0, size);
  merged.fill(0, 0, size);
  const bits = seq.memberBits;
  for (let k = 0; k < n; k++) {
    const h = hits[from + k]!;
    for (let x = 0; x < h.length; x++) {
      const hit = h[x]!;
      if (!isMember(bits, hit.id)) continue;
      offer(word, seq.slotsOf.get(hit.id), n, k, hit.sim);
      offer(merged, seq.pairSlotsOf.get(hit.id), n, k, hit.sim);
    }
    const ph = pairHits[from + k]!;
    for (let x = 0; x < ph.length; x++) {
      if (isMember(bits, ph[x]!.id)) offer(split, seq.slotsOf.get(ph[x]!.id), n, k, ph[x]!.sim);
    }
  }
  table.from = from;
  table.n = n;
  return table;
}

export interface AlignResult {
  score: number;
  /** First and last matched token (stream positions). */
  first: number;
  last: number;
}

let dpScore = new Float64Array(1024);
let dpFirst = new Int32Array(1024);
let dpLast = new Int32Array(1024);

export function simAt(ids: readonly number[], list: readonly Hit[] | undefined): number {
  if (list === undefined || list.length === 0) return 0;
  let best = 0;
  for (let k = 0; k < list.length; k++) {
    const h = list[k]!;
    if (h.sim > best && ids.includes(h.id)) best = h.sim;
  }
  return best;
}

/** Whether slot q's word occurs in the table's window: itself, split, merged with the previous slot, or glued. */
export function occursIn(seq: Sequence, q: number, toks: readonly Token[], t: WindowTable): boolean {
  const { n, from } = t;
  const row = q * n;
  const nextRow = q + 1 < seq.tokens.length ? row + n : -1;
  const hasPair = seq.pairIds[q]!.length > 0;
  const glue = seq.glue[q]!;
  for (let k = 0; k < n; k++) {
    if (t.word[row + k]! > 0 || t.split[row + k]! > 0) return true;
    if (hasPair && t.merged[row + k]! > 0) return true;
    if (nextRow >= 0 && t.merged[nextRow + k]! > 0) return true;
    if (glue.length > 0 && gluedFunctionWord(glue, toks[from + k]!.norm) > 0) return true;
  }
  return false;
}

/**
 * The most alignSequence can score in the table's window (before dividing by the total weight): each slot's weight
 * times the best similarity it has anywhere in the window, by any of the ways it can match (itself, split, merged
 * with a neighbour, glued). Missing and extra words only lower the score, so a window under the bound is skipped.
 */
export function tableBound(seq: Sequence, toks: readonly Token[], t: WindowTable): number {
  const { n, from, word, split, merged } = t;
  const m = seq.tokens.length;
  let bound = 0;
  for (let q = 0; q < m; q++) {
    const row = q * n;
    const nextRow = q + 1 < m ? row + n : -1;
    const glue = seq.glue[q]!;
    let best = 0;
    for (let k = 0; k < n; k++) {
      const w = word[row + k]!;
      if (w > best) best = w;
      if (split[row + k]! > best) best = split[row + k]!;
      if (merged[row + k]! > best) best = merged[row + k]!;
      if (nextRow >= 0 && merged[nextRow + k]! > best) best = merged[nextRow + k]!;
      if (w === 0 && glue.length > 0 && best < 0.85 && gluedFunctionWord(glue, toks[from + k]!.norm) > best)
        best = 0.85;
    }
    bound += seq.weights[q]! * best;
  }
  return bound;
}

export function gluedFunctionWord(glue: readonly string[], norm: string): number {
  for (const g of glue) {
    if (norm.length >= g.length + 3 && (norm.endsWith(g) || norm.startsWith(g))) return 0.85;
  }
  return 0;
}

/** Local alignment of one sequence against the stream tokens of a window (its table filled by windowTable). */
export function alignSequence(
  seq: Sequence,
  toks: readonly Token[],
  t: WindowTable,
): AlignResult | undefined {
  const m = seq.tokens.length;
  const { n, from, word, split, merged } = t;
  const W = n + 1;
  const size = (m + 1) * W;
  if (dpScore.length < size) {
    dpScore = new Float64Array(size * 2);
    dpFirst = new Int32Array(size * 2);
    dpLast = new Int32Array(size * 2);
  }
  const score = dpScore;
  const first = dpFirst;
  const last = dpLast;
  for (let j = 0; j <= n; j++) {
    score[j] = 0;
    first[j] = -1;
    last[j] = -1;
  }
  for (let i = 1; i <= m; i++) {
    score[i * W] = score[(i - 1) * W]! - 0.05 * seq.weights[i - 1]!;
    first[i * W] = -1;
    last[i * W] = -1;
  }
  for (let i = 1; i <= m; i++) {
    const pt = seq.tokens[i - 1]!;
    const cells = (i - 1) * n;
    const hasPair = seq.pairIds[i - 1]!.length > 0;
    const glue = seq.glue[i - 1]!;
    const w = seq.weights[i - 1]!;
    const wPair = i >= 2 ? w + seq.weights[i - 2]! : 0;
    const gapFree = pt.gapAfter;
    const row = i * W;
    const up = row - W;
    const up2 = up - W;
    for (let j = 1; j <= n; j++) {
      const tj = from + j - 1;
      const c = row + j;
      // phrase word missing
      let best = score[up + j]! - 0.05 * w;
      let bf = first[up + j]!;
      let bl = last[up + j]!;
      // extra transcript word inside the phrase
      if (i < m && first[c - 1]! >= 0) {
        const extra = toks[tj]!;
        const v = score[c - 1]! - (gapFree || extra.discourse ? 0.02 : extra.functionWord ? 0.12 : 0.25);
        if (v > best) {
          best = v;
          bf = first[c - 1]!;
          bl = last[c - 1]!;
        }
      }
      // word matches; a function word may be glued to its neighbour ("diasle habla" for "dias le habla")
      let s = word[cells + j - 1]!;
      if (s === 0 && glue.length > 0) s = gluedFunctionWord(glue, toks[tj]!.norm);
      if (s > 0) {
        const v = score[up + j - 1]! + w * s;
        if (v > best) {
          best = v;
          const f = first[up + j - 1]!;
          bf = f >= 0 ? f : tj;
          bl = tj;
        }
      }
      // phrase word split in two transcript words
      if (j >= 2) {
        const s2 = split[cells + j - 2]!;
        if (s2 > 0) {
          const v = score[up + j - 2]! + w * s2;
          if (v > best) {
            best = v;
            const f = first[up + j - 2]!;
            bf = f >= 0 ? f : tj - 1;
            bl = tj;
          }
        }
      }
      // two phrase words merged into one transcript word
      if (i >= 2 && hasPair) {
        const s3 = merged[cells + j - 1]!;
        if (s3 > 0) {
          const v = score[up2 + j - 1]! + wPair * s3;
          if (v > best) {
            best = v;
            const f = first[up2 + j - 1]!;
            bf = f >= 0 ? f : tj;
            bl = tj;
          }
        }
      }
      score[c] = best;
      first[c] = bf;
      last[c] = bl;
    }
  }
  let bestScore = -Infinity;
  let bf = -1;
  let bl = -1;
  for (let j = 1; j <= n; j++) {
    const c = m * W + j;
    if (last[c]! >= 0 && score[c]! > bestScore + 1e-9) {
      bestScore = score[c]!;
      bf = first[c]!;
      bl = last[c]!;
    }
  }
  if (bf < 0) return undefined;
  return { score: Math.max(0, Math.min(1, bestScore / seq.totalWeight)), first: bf, last: bl };
}

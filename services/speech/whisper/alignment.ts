/**
 * Word times from Whisper's cross-attention, the way Whisper and Hugging Face derive them: the attention of the
 * alignment heads for each decoded token over the audio frames, normalised per frame across tokens, smoothed by a
 * median filter along time, averaged over the heads, and aligned to the frames by dynamic time warping (a monotonic
 * path from the first token and frame to the last). A token starts at the frame where the path first reaches it.
 */

/** Median filter along each row, reflecting at the edges (width odd). */
export function medianFilterRows(rows: Float32Array[], width: number): Float32Array[] {
  const half = Math.floor(width / 2);
  if (half <= 0) return rows;
  const window = new Float32Array(width);
  return rows.map((row) => {
    const n = row.length;
    if (n <= half) return row.slice();
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let k = -half; k <= half; k++) {
        let j = i + k;
        if (j < 0) j = -j;
        if (j >= n) j = 2 * (n - 1) - j;
        window[k + half] = row[j]!;
      }
      window.sort();
      out[i] = window[half]!;
    }
    return out;
  });
}

/**
 * Dynamic time warping over a cost matrix (tokens × frames, row-major): the path's token index and frame index at
 * each step, from (0, 0) to (tokens − 1, frames − 1).
 */
export function dynamicTimeWarping(
  cost: Float32Array,
  tokens: number,
  frames: number,
): { tokenIndex: number[]; frameIndex: number[] } {
  const W = frames + 1;
  const acc = new Float64Array((tokens + 1) * W).fill(Infinity);
  const trace = new Uint8Array((tokens + 1) * W);
  acc[0] = 0;
  for (let j = 1; j <= frames; j++) {
    for (let i = 1; i <= tokens; i++) {
      const c0 = acc[(i - 1) * W + (j - 1)]!;
      const c1 = acc[(i - 1) * W + j]!;
      const c2 = acc[i * W + (j - 1)]!;
      let c: number;
      let t: number;
      if (c0 < c1 && c0 < c2) {
        c = c0;
        t = 0;
      } else if (c1 < c0 && c1 < c2) {
        c = c1;
        t = 1;
      } else {
        c = c2;
        t = 2;
      }
      acc[i * W + j] = cost[(i - 1) * frames + (j - 1)]! + c;
      trace[i * W + j] = t;
    }
  }
  for (let j = 0; j <= frames; j++) trace[j] = 2;
  for (let i = 0; i <= tokens; i++) trace[i * W] = 1;
  const tokenIndex: number[] = [];
  const frameIndex: number[] = [];
  let i = tokens;
  let j = frames;
  while (i > 0 || j > 0) {
    tokenIndex.push(i - 1);
    frameIndex.push(j - 1);
    const t = trace[i * W + j];
    if (t === 0) {
      i--;
      j--;
    } else if (t === 1) {
      i--;
    } else {
      j--;
    }
  }
  tokenIndex.reverse();
  frameIndex.reverse();
  return { tokenIndex, frameIndex };
}

/**
 * The frame at which each token starts, from the alignment heads' attention: `heads[h][t]` is head h's attention of
 * token t over the frames of the span (all rows of equal length).
 */
export function tokenStartFrames(heads: readonly Float32Array[][], medianWidth = 7): number[] {
  const tokens = heads[0]?.length ?? 0;
  const frames = heads[0]?.[0]?.length ?? 0;
  if (tokens === 0 || frames === 0) return [];
  if (frames === 1) return new Array<number>(tokens).fill(0);
  const matrix = new Float32Array(tokens * frames);
  for (const rows of heads) {
    // Normalise each frame across the tokens (zero mean, unit deviation), then smooth along time.
    const normalised: Float32Array[] = rows.map((r) => r.slice());
    for (let f = 0; f < frames; f++) {
      let mean = 0;
      for (let t = 0; t < tokens; t++) mean += rows[t]![f]!;
      mean /= tokens;
      let variance = 0;
      for (let t = 0; t < tokens; t++) variance += (rows[t]![f]! - mean) ** 2;
      const std = Math.sqrt(variance / tokens);
      for (let t = 0; t < tokens; t++) normalised[t]![f] = std > 0 ? (rows[t]![f]! - mean) / std : 0;
    }
    const smooth = medianFilterRows(normalised, medianWidth);
    for (let t = 0; t < tokens; t++) {
      const row = smooth[t]!;
      for (let f = 0; f < frames; f++)
        matrix[t * frames + f] = matrix[t * frames + f]! + row[f]! / heads.length;
    }
  }
  for (let k = 0; k < matrix.length; k++) matrix[k] = -matrix[k]!;
  const path = dynamicTimeWarping(matrix, tokens, frames);
  const starts = new Array<number>(tokens).fill(0);
  let previous = -1;
  for (let k = 0; k < path.tokenIndex.length; k++) {
    const t = path.tokenIndex[k]!;
    if (t !== previous) {
      starts[t] = Math.max(0, path.frameIndex[k]!);
      previous = t;
    }
  }
  return starts;
}

export interface TokenWord {
  word: string;
  /** Indices of the word's tokens in the list given. */
  first: number;
  last: number;
}

/**
 * Groups byte-level BPE tokens into words: tokens are joined until they decode to whole characters (a letter may be
 * split across tokens), a piece beginning with a space starts a word, and closing punctuation joins the word before it.
 */
export function groupWords(tokens: readonly number[], decode: (ids: number[]) => string): TokenWord[] {
  const words: TokenWord[] = [];
  let pending: number[] = [];
  let pendingFirst = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (pending.length === 0) pendingFirst = i;
    pending.push(tokens[i]!);
    const piece = decode(pending);
    if (piece.includes('\uFFFD') && i < tokens.length - 1) continue;
    pending = [];
    const startsWord = /^\s/.test(piece);
    const text = piece.trim();
    if (!text) continue;
    // Closing punctuation joins the word before it even after a space; opening marks (¿ ¡ «) start a word.
    const closing = /^[.,;:!?)\]}»”’…%-]+$/u.test(text);
    const previous = words[words.length - 1];
    if (previous && (!startsWord || closing)) {
      previous.word += text;
      previous.last = i;
    } else {
      words.push({ word: text, first: pendingFirst, last: i });
    }
  }
  return words;
}

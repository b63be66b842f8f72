/**
 * Edit distances for matching words that ASR got slightly wrong ("acosando" / "acosado", "agradesco" / "agradezco").
 * Both work on UTF-16 code units; compare folded forms (foldLower) so accents do not count as edits.
 */

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let rowC = new Int32Array(64);

function ensureRows(length: number): void {
  if (rowA.length >= length) return;
  const size = Math.max(length, rowA.length * 2);
  rowA = new Int32Array(size);
  rowB = new Int32Array(size);
  rowC = new Int32Array(size);
}

/** Levenshtein distance (insert, delete, substitute). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  ensureRows(b.length + 1);
  let prev = rowA;
  let curr = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    curr[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      curr[j] = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[b.length]!;
}

/**
 * Damerau–Levenshtein distance in its optimal-string-alignment form: Levenshtein plus the transposition of two
 * adjacent characters ("pagra" / "pagar" is 1), each substring edited at most once. With `max`, a distance within
 * max is exact and a larger one is only known to be larger: the result is max + 1 where a row shows it early,
 * otherwise the full distance (the phrase matcher only needs exact distances up to two edits).
 */
export function damerauLevenshtein(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  ensureRows(b.length + 1);
  let before = rowC;
  let prev = rowA;
  let curr = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    curr[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cb = b.charCodeAt(j - 1);
      const cost = ca === cb ? 0 : 1;
      let d = Math.min(prev[j]! + 1, curr[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        d = Math.min(d, before[j - 2]! + 1);
      }
      curr[j] = d;
      if (d < rowMin) rowMin = d;
    }
    // later rows never go below this row's smallest cell (a transposition from the row before costs at least as
    // much as the substitution path through this one)
    if (rowMin > max) return max + 1;
    [before, prev, curr] = [prev, curr, before];
  }
  return prev[b.length]!;
}

/** 1 − distance / longer length, in [0, 1]: 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return 1;
  return 1 - damerauLevenshtein(a, b) / longest;
}

/**
 * Whether two words are close enough to be the same word misheard: similarity ≥ `min` (default 0.8). Short words
 * must match exactly (one edit in "no" / "ni" changes the meaning); the length check skips hopeless pairs cheaply.
 */
export function isSimilar(a: string, b: string, min = 0.8, minLength = 5): boolean {
  if (a === b) return true;
  if (a.length < minLength || b.length < minLength) return false;
  const longest = Math.max(a.length, b.length);
  if (Math.abs(a.length - b.length) > (1 - min) * longest) return false;
  return similarity(a, b) >= min;
}

/**
 * Word error rate as speech-recognition benchmarks report it: both texts normalised the same way (lower case,
 * Unicode NFC, punctuation and hesitations removed, thousands separators dropped, "%" spelled out), then the word
 * edit distance (substitutions, deletions, insertions) over the reference's word count.
 */

const FILLERS: Readonly<Record<string, ReadonlySet<string>>> = {
  en: new Set(['uh', 'um', 'uhm', 'umm', 'hmm', 'mm', 'mhm', 'er', 'ah', 'eh']),
  es: new Set(['eh', 'ehm', 'em', 'mm', 'mhm', 'hmm', 'ah']),
};

export function normalizeWords(text: string, language: string): string[] {
  const percent = language === 'es' ? ' por ciento' : ' percent';
  const fillers = FILLERS[language] ?? new Set<string>();
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/(\d),(?=\d{3}\b)/g, '$1')
    .replace(/%/g, percent)
    .replace(/(\d)\.(\d)/g, '$1\u00b7$2')
    .replace(/[^\p{L}\p{N}'\u00b7]+/gu, ' ')
    .replace(/\u00b7/g, '.')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0 && !fillers.has(w));
}

export function editDistance(a: readonly string[], b: readonly string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

export interface WerCount {
  errors: number;
  words: number;
}

export function werCount(reference: string, hypothesis: string, language: string): WerCount {
  const ref = normalizeWords(reference, language);
  return { errors: editDistance(ref, normalizeWords(hypothesis, language)), words: ref.length };
}

/** Pooled WER (total errors over total reference words) of several pairs, as a fraction. */
export function pooledWer(counts: readonly WerCount[]): number {
  const words = counts.reduce((n, c) => n + c.words, 0);
  return words === 0 ? 0 : counts.reduce((n, c) => n + c.errors, 0) / words;
}

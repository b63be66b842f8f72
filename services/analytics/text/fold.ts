/**
 * Accent folding with a one-to-one character map, so folded text keeps the offsets of the original:
 * á→a, ñ→n, ü→u, ç→c, curly apostrophes → '. Used for matching only; the original text is kept for display.
 */

const FOLD_PAIRS: readonly (readonly [string, string])[] = [
  ['àáâãäå', 'a'],
  ['èéêë', 'e'],
  ['ìíîï', 'i'],
  ['òóôõö', 'o'],
  ['ùúûü', 'u'],
  ['ñ', 'n'],
  ['ç', 'c'],
  ['ýÿ', 'y'],
  ['’‘ʼ`´', "'"],
];

const FOLD = new Map<string, string>();
for (const [from, to] of FOLD_PAIRS) {
  for (const ch of from) {
    FOLD.set(ch, to);
    const upper = ch.toUpperCase();
    if (upper.length === 1 && upper !== ch) FOLD.set(upper, to.toUpperCase());
  }
}

const NON_ASCII = /[\u0080-\uffff]/;

/** Removes accents and normalises apostrophes; keeps the length and case of the input. */
export function foldAccents(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    out += FOLD.get(ch) ?? ch;
  }
  return out;
}

/** Lower case and accent-folded: the matching form of a word or a phrase. */
export function foldLower(text: string): string {
  return foldAccents(text.toLowerCase());
}

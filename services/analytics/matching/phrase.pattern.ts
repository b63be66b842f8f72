import { EscuchaError } from '../../platform/errors.ts';
import { soundKey } from '../text/index.ts';
import { FUNCTION_WORDS, tokenize } from './normalize.ts';
import { stem } from './stem.ts';
import type { Language } from './transcript.types.ts';

/**
 * Phrase patterns: the one pattern syntax of Escucha's analytics (detector phrase lists, script rules, keyword
 * categories, and the sentiment lexicon's phrases and multi-word modifiers). A pattern is words separated by spaces:
 *
 *   (grabada|grabando|siendo grabada)   alternatives, each one word or several
 *   [siendo]                            optional words
 *   *                                   a gap: a few unrelated words may stand here
 *   pref*                               (glued to a word) any word starting with "pref"
 *   _                                   exactly one word of any kind
 *
 * e.g. `(le|les) (informo|informamos|recuerdo) que (esta|la) (llamada|conversacion) * (grabada|grabando)`.
 * Accents and case do not matter. parsePattern reads the syntax; the two scan strategies of phrase.matcher.ts
 * compile the result their own way: compilePattern expands it into plain word sequences for the transcript aligner
 * (whole words only: no prefixes, no `_`), compilePhrase (phrase.matcher.ts) keeps it as one element per position for the sentence
 * scanner (alternatives of one word each).
 */

export interface PatternWord {
  norm: string;
  key: string;
  stem: string;
}

/** One position of a phrase: one word or several alternative words. */
export interface PatternSlot {
  alts: PatternWord[];
  /** Content words weigh 1 (short ones 0.7), function words 0.35. */
  weight: number;
  /** Every alternative is a function word. */
  functionWord: boolean;
  /** Unrelated words after this slot cost almost nothing (a `*` followed it). */
  gapAfter: boolean;
}

export type PatternNode =
  | { kind: 'word'; text: string; prefix: boolean }
  | { kind: 'gap' }
  | { kind: 'any' }
  | { kind: 'alt'; options: PatternNode[][]; optional: boolean };
type Node = PatternNode;

const MAX_SEQUENCES = 256;

function parseSequence(src: string, pos: { i: number }, closers: string): Node[] {
  const out: Node[] = [];
  let word = '';
  const flush = () => {
    if (word.trim()) {
      for (const w of word.trim().split(/\s+/)) {
        if (w === '_') out.push({ kind: 'any' });
        else if (w.endsWith('*')) out.push({ kind: 'word', text: w.slice(0, -1), prefix: true });
        else out.push({ kind: 'word', text: w, prefix: false });
      }
    }
    word = '';
  };
  while (pos.i < src.length) {
    const c = src[pos.i]!;
    if (closers.includes(c)) break;
    if (c === '(' || c === '[') {
      flush();
      pos.i++;
      const options: Node[][] = [];
      const close = c === '(' ? ')' : ']';
      for (;;) {
        options.push(parseSequence(src, pos, `|${close}`));
        const d = src[pos.i];
        if (d === '|') {
          pos.i++;
          continue;
        }
        if (d !== close) throw new EscuchaError('BAD_REQUEST', `pattern "${src}": missing ${close}`);
        pos.i++;
        break;
      }
      if (c === '[') options.push([]);
      out.push({ kind: 'alt', options, optional: c === '[' });
      continue;
    }
    if (c === '*' && word !== '' && !/\s$/.test(word)) {
      // glued to a word: a prefix
      word += c;
      pos.i++;
      continue;
    }
    if (c === '*') {
      flush();
      out.push({ kind: 'gap' });
      pos.i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '|')
      throw new EscuchaError('BAD_REQUEST', `pattern "${src}": unexpected ${c}`);
    word += c;
    pos.i++;
  }
  flush();
  return out;
}

/** Reads a pattern into its nodes (the syntax above). */
export function parsePattern(pattern: string): PatternNode[] {
  return parseSequence(pattern, { i: 0 }, '');
}

const GAP = Symbol('gap');
type Item = string[] | typeof GAP;

/**
 * Expands nodes into sequences of slots. Alternatives of one word each become one slot; multi-word alternatives
 * of equal length merge position by position, so only different lengths multiply the sequences.
 */
function expand(nodes: Node[], src: string): Item[][] {
  let acc: Item[][] = [[]];
  for (const n of nodes) {
    if (n.kind === 'any' || (n.kind === 'word' && n.prefix)) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `pattern "${src}": the transcript aligner matches whole words (no prefix* or _)`,
      );
    }
    if (n.kind === 'word') acc = acc.map((s) => [...s, [n.text]]);
    else if (n.kind === 'gap') acc = acc.map((s) => [...s, GAP]);
    else {
      const byShape = new Map<string, Item[]>();
      for (const option of n.options) {
        for (const seq of expand(option, src)) {
          const shape = seq.map((x) => (x === GAP ? '*' : 'w')).join('');
          const known = byShape.get(shape);
          if (!known)
            byShape.set(
              shape,
              seq.map((x) => (x === GAP ? GAP : [...x])),
            );
          else
            seq.forEach((x, i) => {
              const slot = known[i]!;
              if (x !== GAP && slot !== GAP) for (const w of x) if (!slot.includes(w)) slot.push(w);
            });
        }
      }
      const next: Item[][] = [];
      for (const s of acc) for (const a of byShape.values()) next.push([...s, ...a]);
      acc = next;
    }
    if (acc.length > MAX_SEQUENCES) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `pattern "${src}" expands to more than ${MAX_SEQUENCES} variants`,
      );
    }
  }
  return acc;
}

/** Expands a pattern into slot sequences. */
export function compilePattern(pattern: string, language: Language): PatternSlot[][] {
  const nodes = parsePattern(pattern);
  const fn = FUNCTION_WORDS[language];
  const seen = new Set<string>();
  const out: PatternSlot[][] = [];
  for (const items of expand(nodes, pattern)) {
    const seq: PatternSlot[] = [];
    for (const item of items) {
      if (item === GAP) {
        const last = seq[seq.length - 1];
        if (last) last.gapAfter = true;
        continue;
      }
      // an alternative may tokenize to several words ("we'll"); those become consecutive slots
      const tokenized = item.map((w) => tokenize(w, language).map((t) => t.norm)).filter((t) => t.length > 0);
      const width = Math.max(0, ...tokenized.map((t) => t.length));
      for (let k = 0; k < width; k++) {
        const norms = [...new Set(tokenized.map((t) => t[k]).filter((x): x is string => x !== undefined))];
        const functionWord = norms.every((w) => fn.has(w));
        seq.push({
          alts: norms.map((norm) => ({ norm, key: soundKey(norm, language), stem: stem(norm, language) })),
          weight: functionWord
            ? 0.35
            : Math.max(...norms.filter((w) => !fn.has(w)).map((w) => (w.length <= 3 ? 0.7 : 1))),
          functionWord,
          gapAfter: false,
        });
      }
    }
    if (seq.length === 0) continue;
    const sig = seq.map((t) => t.alts.map((a) => a.norm).join('|') + (t.gapAfter ? '*' : '')).join(' ');
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push(seq);
  }
  if (out.length === 0) throw new EscuchaError('BAD_REQUEST', `pattern "${pattern}" has no words`);
  return out;
}

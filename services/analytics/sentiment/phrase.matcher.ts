import { foldLower } from '../text/fold.ts';
import { soundKey } from '../text/phonetic.ts';
import { isSimilar } from '../text/similarity.ts';
import { tokenize } from '../text/tokenize.ts';
import type { Boundary, Lang } from '../text/types.ts';

/**
 * Compiles and matches the phrase patterns of collections.lexicon.ts and modifiers.ts (syntax documented there)
 * over the words of one sentence. Matching compares sound keys (so ASR spellings match), prefixes, and past the
 * first word, near spellings by edit distance. A phrase never runs across a comma or a sentence break.
 */

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

const GAP = '..';
const GAP_MAX = 2;
/** Minimum similarity and word length for an edit-distance match of a non-first word. */
const FUZZY_MIN = 0.8;
const FUZZY_MIN_LENGTH = 6;

/** Normalises one pattern word the way text words are normalised (folded; "can't" → can not is not allowed). */
function patternWord(raw: string, lang: Lang): Alternative {
  const prefix = raw.endsWith('*');
  const word = foldLower(prefix ? raw.slice(0, -1) : raw);
  return { prefix, norm: word, key: soundKey(word, lang), near: new Map() };
}

export function compilePhrase<T>(
  pattern: string,
  payload: T,
  lang: Lang,
  negators: ReadonlySet<string>,
): CompiledPhrase<T> {
  const elements: Element[] = [];
  let hasNegator = false;
  for (const part of pattern.trim().split(/\s+/)) {
    if (part === GAP) elements.push({ kind: 'gap', max: GAP_MAX });
    else if (part === '_') elements.push({ kind: 'any' });
    else {
      const optional = part.endsWith('?');
      const alts = (optional ? part.slice(0, -1) : part).split('|').map((alt) => patternWord(alt, lang));
      if (alts.some((a) => !a.prefix && negators.has(a.norm))) hasNegator = true;
      elements.push({ kind: 'word', alts, optional });
    }
  }
  const first = elements[0];
  if (first === undefined || first.kind !== 'word' || first.optional) {
    throw new Error(`phrase pattern must start with a required word: '${pattern}'`);
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
export function plainPattern(entry: string, lang: Lang): string {
  return tokenize(entry, lang)
    .map((t) => t.norm.replace(/[|*?]/g, ''))
    .filter((w) => w.length > 0)
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
export function matchPhrase<T>(
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

/** Finds, for a word, the phrases whose first word it can be. Built once per language. */
export class PhraseIndex<T> {
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

import { foldLower } from '../text/fold.ts';
import { soundKey } from '../text/phonetic.ts';
import { isStopWord } from '../text/stopwords.ts';
import type { Lang, Stemmer } from '../text/types.ts';
import type { CollectionsLexicon } from './collections.lexicon.ts';
import type { ModifierRole, ModifierSet } from './modifiers.ts';
import {
  compilePhrase,
  plainPattern,
  SentencePhraseIndex,
  type CompiledPhrase,
} from '../matching/phrase.matcher.ts';

/**
 * The compiled sentiment lexicon of one language: a general-purpose base lexicon (from an adapter), the collections
 * lexicon on top of it, and the modifiers. Word lookups go override → base word → stem of a stemmable entry →
 * sound key of a whole word (Spanish: "molezto" finds "molesto"), and are memoised per distinct word, so scoring a
 * transcript costs one map lookup per word.
 */

/** A general-purpose polarity lexicon as an adapter provides it. */
export interface BaseLexicon {
  /** Names the source and its version, e.g. "natural:afinn-es+senticon-es"; part of the stage version. */
  readonly name: string;
  /**
   * Word or multi-word entry → valence on the AFINN scale (−5 … +5). Keys may carry accents and capitals. Their
   * inflections match through the stemmer.
   */
  readonly entries: ReadonlyMap<string, number>;
  /**
   * Entries that match only as written (lemma lists whose derived forms do not share the lemma's polarity:
   * "aplicable" is positive, "aplica" is not). Never multi-word. Lower precedence than `entries`.
   */
  readonly exactEntries?: ReadonlyMap<string, number>;
}

/** What a phrase does when it matches: add valence, or act as a multi-word modifier. */
export type PhrasePayload =
  | { readonly kind: 'valence'; readonly valence: number }
  | {
      readonly kind: 'modifier';
      readonly role: ModifierRole;
      readonly factor: number;
      readonly post: boolean;
    };

export interface WordInfo {
  readonly norm: string;
  readonly key: string;
  /** Valence of the word alone; 0 for modifiers and unknown words. */
  readonly valence: number;
  readonly role: ModifierRole | null;
  /** Multiplier for intensifier or diminisher roles (1 otherwise). */
  readonly factor: number;
  /** Multiplier when the word follows a polar word ("le agradezco mucho"); 0 when it does not act so. */
  readonly postFactor: number;
  readonly starts: readonly CompiledPhrase<PhrasePayload>[];
}

const SINGLE_WORD = /^[\p{L}']+$/u;
const CACHE_LIMIT = 100_000;
/** Words this short are looked up exactly only, and stems this short are not used: they collide too easily. */
const MIN_STEM_LOOKUP = 4;

function addMean(sums: Map<string, number[]>, key: string, valence: number): void {
  const list = sums.get(key);
  if (list) list.push(valence);
  else sums.set(key, [valence]);
}

/** Mean valence per key; keys whose entries disagree in sign are dropped as ambiguous. */
function means(sums: Map<string, number[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, list] of sums) {
    const pos = list.some((v) => v > 0);
    const neg = list.some((v) => v < 0);
    if (pos && neg) continue;
    out.set(key, list.reduce((a, b) => a + b, 0) / list.length);
  }
  return out;
}

export class CompiledLexicon {
  readonly lang: Lang;
  readonly name: string;
  private readonly overrides = new Map<string, number>();
  private readonly words = new Map<string, number>();
  private readonly stems: Map<string, number>;
  private readonly sounds: Map<string, number>;
  private readonly phrases: SentencePhraseIndex<PhrasePayload>;
  private readonly cache = new Map<string, WordInfo>();

  constructor(
    lang: Lang,
    base: BaseLexicon,
    domain: CollectionsLexicon,
    private readonly modifiers: ModifierSet,
    private readonly stemmer: Stemmer,
  ) {
    this.lang = lang;
    this.name = base.name;
    const stemSums = new Map<string, number[]>();
    const soundSums = new Map<string, number[]>();
    const basePhrases: CompiledPhrase<PhrasePayload>[] = [];
    const byStem = new Map<string, string[]>();
    const addWord = (norm: string, valence: number, stemmable: boolean) => {
      if (!SINGLE_WORD.test(norm) || modifiers.negators.has(norm) || this.words.has(norm)) return;
      this.words.set(norm, valence);
      if (lang === 'es') addMean(soundSums, soundKey(norm, lang), valence);
      if (!stemmable || norm.length < MIN_STEM_LOOKUP) return;
      const stemmed = stemmer.stem(norm);
      if (stemmed.length < MIN_STEM_LOOKUP) return;
      addMean(stemSums, stemmed, valence);
      const sameStem = byStem.get(stemmed);
      if (sameStem) sameStem.push(norm);
      else byStem.set(stemmed, [norm]);
    };
    for (const [entry, valence] of base.entries) {
      if (!Number.isFinite(valence) || valence === 0) continue;
      const norm = foldLower(entry.trim());
      if (!norm.includes(' ')) addWord(norm, valence, true);
      else {
        const pattern = plainPattern(norm, lang);
        if (pattern.includes(' ')) {
          basePhrases.push(compilePhrase(pattern, { kind: 'valence', valence }, lang, modifiers.negators));
        }
      }
    }
    for (const [entry, valence] of base.exactEntries ?? []) {
      if (Number.isFinite(valence) && valence !== 0) addWord(foldLower(entry.trim()), valence, false);
    }
    this.stems = means(stemSums);
    this.sounds = means(soundSums);

    // Collections overrides win over the base lexicon, inflections (same stem) included.
    for (const [word, valence] of Object.entries(domain.words)) {
      const norm = foldLower(word);
      this.overrides.set(norm, valence);
      if (lang === 'es') this.sounds.set(soundKey(norm, lang), valence);
      const stemmed = stemmer.stem(norm);
      if (stemmed.length < MIN_STEM_LOOKUP) continue;
      this.stems.set(stemmed, valence);
      if (valence === 0) for (const other of byStem.get(stemmed) ?? []) this.words.delete(other);
    }

    const modifierPhrases = modifiers.phrases.map((m) =>
      compilePhrase<PhrasePayload>(
        m.pattern,
        { kind: 'modifier', role: m.role, factor: m.factor ?? 1, post: m.post === true },
        lang,
        modifiers.negators,
      ),
    );
    const domainPhrases = domain.phrases.map((p) =>
      compilePhrase<PhrasePayload>(
        p.pattern,
        { kind: 'valence', valence: p.valence },
        lang,
        modifiers.negators,
      ),
    );
    this.phrases = new SentencePhraseIndex([...modifierPhrases, ...domainPhrases, ...basePhrases]);
  }

  /** Everything the scorer needs about one folded word; memoised. */
  info(norm: string): WordInfo {
    const cached = this.cache.get(norm);
    if (cached !== undefined) return cached;
    const info = this.compute(norm);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(norm, info);
    return info;
  }

  private compute(norm: string): WordInfo {
    const key = soundKey(norm, this.lang);
    const m = this.modifiers;
    let role: ModifierRole | null = null;
    let factor = 1;
    if (m.negators.has(norm)) role = 'negator';
    else if (m.contrast.has(norm)) role = 'contrast';
    else if (m.concessive.has(norm)) role = 'concessive';
    else if (m.intensifiers.has(norm)) {
      role = 'intensifier';
      factor = m.intensifiers.get(norm)!;
    } else if (m.diminishers.has(norm)) {
      role = 'diminisher';
      factor = m.diminishers.get(norm)!;
    }
    const postFactor = m.postIntensifiers.get(norm) ?? 0;
    const valence = role === null ? this.valenceOf(norm) : 0;
    return { norm, key, valence, role, factor, postFactor, starts: this.phrases.startingWith(norm, key) };
  }

  private valenceOf(norm: string): number {
    const direct = this.overrides.get(norm) ?? this.words.get(norm);
    if (direct !== undefined) return direct;
    if (norm.length < MIN_STEM_LOOKUP || isStopWord(norm, this.lang) || !SINGLE_WORD.test(norm)) return 0;
    const stemmed = this.stemmer.stem(norm);
    const byStem = stemmed.length >= MIN_STEM_LOOKUP ? this.stems.get(stemmed) : undefined;
    if (byStem !== undefined) return byStem;
    if (this.lang === 'es') return this.sounds.get(soundKey(norm, this.lang)) ?? 0;
    return 0;
  }
}

import { PhraseMatcher, type PhraseMatch, type PhraseSpec } from './phrase.matcher.ts';
import type { PreparedTranscript } from './prepared-transcript.ts';
import type { Language } from './transcript.types.ts';

/**
 * Phrase lists matched together: one phrase matcher per language for every list added, so a transcript is scanned
 * once for all of them. Each list has a namespace; a detector reads its own matches back by that namespace.
 * Results are computed once per prepared transcript and cached on it (weakly). A list can also be added for the
 * object it was made from (a script, a category list), so a detector given that object finds it here; lists given
 * at run time that were never added use a matcher of their own.
 *
 * ```ts
 * const phrases = new PhraseRegistry().add('promise', 'es', PROMISE_PHRASES.es, 0.8);
 * const found = phrases.matches(prepareTranscript(segments, 'es'), 'promise');
 * ```
 */
/** A built-in phrase list: its namespace, its phrases per language and their minimum score. */
export interface PhraseList {
  readonly namespace: string;
  readonly minScore: number;
  specs(language: Language): PhraseSpec[];
  /** What the list was made from, when a detector may be given that object (the default keyword categories). */
  readonly owner?: object;
}

export class PhraseRegistry {
  private readonly lists: Record<Language, Map<string, { specs: PhraseSpec[]; minScore: number }>> = {
    es: new Map(),
    en: new Map(),
  };
  private readonly owners = new WeakMap<object, string>();
  private readonly built: Partial<Record<Language, PhraseMatcher>> = {};
  private readonly cache = new WeakMap<PreparedTranscript, Map<string, PhraseMatch[]>>();

  /** Adds a namespace's phrases (before the first match in that language); `owner` is what they were made from. */
  add(
    namespace: string,
    language: Language,
    specs: readonly PhraseSpec[],
    minScore: number,
    owner?: object,
  ): this {
    if (this.built[language]) {
      throw new Error(`phrase list ${namespace} added after the ${language} matcher was built`);
    }
    this.lists[language].set(namespace, { specs: [...specs], minScore });
    if (owner) this.owners.set(owner, namespace);
    return this;
  }

  /** Adds a built-in list's phrases in `language`. */
  addList(list: PhraseList, language: Language): this {
    return this.add(list.namespace, language, list.specs(language), list.minScore, list.owner);
  }

  /** The namespace of the list added for `owner` in `language`, if any. */
  namespaceOf(owner: object, language: Language): string | undefined {
    const namespace = this.owners.get(owner);
    return namespace !== undefined && this.lists[language].has(namespace) ? namespace : undefined;
  }

  /** The matches of one namespace's phrases in a transcript (phrase ids without the namespace). */
  matches(prepared: PreparedTranscript, namespace: string): PhraseMatch[] {
    if (!this.lists[prepared.language].has(namespace)) {
      throw new Error(`no phrase list ${namespace} for ${prepared.language}`);
    }
    let byNamespace = this.cache.get(prepared);
    if (!byNamespace) {
      byNamespace = new Map();
      for (const m of this.matcher(prepared.language).find(prepared)) {
        const cut = m.phraseId.indexOf(SEP);
        const ns = m.phraseId.slice(0, cut);
        const list = byNamespace.get(ns);
        const match = { ...m, phraseId: m.phraseId.slice(cut + 1) };
        if (list) list.push(match);
        else byNamespace.set(ns, [match]);
      }
      this.cache.set(prepared, byNamespace);
    }
    return byNamespace.get(namespace) ?? [];
  }

  private matcher(language: Language): PhraseMatcher {
    let matcher = this.built[language];
    if (!matcher) {
      const specs: PhraseSpec[] = [];
      for (const [ns, list] of this.lists[language]) {
        for (const s of list.specs)
          specs.push({ ...s, id: `${ns}${SEP}${s.id}`, minScore: s.minScore ?? list.minScore });
      }
      matcher = new PhraseMatcher(specs, language);
      this.built[language] = matcher;
    }
    return matcher;
  }
}

const SEP = '\u0000';

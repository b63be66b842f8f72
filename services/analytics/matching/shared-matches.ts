import { PhraseMatcher, type PhraseMatch, type PhraseSpec } from './phrase.matcher.ts';
import type { PreparedTranscript } from './prepared-transcript.ts';
import type { Language } from './transcript.types.ts';

/**
 * One phrase matcher per language for every built-in phrase list (disclosure, promise to pay, forbidden practices,
 * keyword categories, default scripts), so a transcript is scanned once for all of them. Detectors register their
 * lists under a namespace when their module loads and read their own matches back; results are computed once per
 * prepared transcript and cached on it (weakly). Lists given at run time (custom scripts) use their own matcher.
 */

interface Registered {
  specs: PhraseSpec[];
  minScore: number;
}

const registry: Record<Language, Map<string, Registered>> = { es: new Map(), en: new Map() };
const built: Partial<Record<Language, { matcher: PhraseMatcher; generation: number }>> = {};
let generation = 0;
const SEP = '\u0000';

/** Adds (or replaces) a namespace's phrases; the shared matcher is rebuilt on next use. */
export function registerPhrases(
  namespace: string,
  language: Language,
  specs: readonly PhraseSpec[],
  minScore: number,
): void {
  registry[language].set(namespace, { specs: [...specs], minScore });
  generation++;
}

export function isRegistered(namespace: string, language: Language): boolean {
  return registry[language].has(namespace);
}

function matcherFor(language: Language): { matcher: PhraseMatcher; generation: number } {
  const known = built[language];
  if (known && known.generation === generation) return known;
  const specs: PhraseSpec[] = [];
  for (const [ns, r] of registry[language]) {
    for (const s of r.specs)
      specs.push({ ...s, id: `${ns}${SEP}${s.id}`, minScore: s.minScore ?? r.minScore });
  }
  const entry = { matcher: new PhraseMatcher(specs, language), generation };
  built[language] = entry;
  return entry;
}

const cache = new WeakMap<
  PreparedTranscript,
  { generation: number; byNamespace: Map<string, PhraseMatch[]> }
>();

/** The matches of one namespace's phrases in a transcript (phrase ids without the namespace). */
export function sharedMatches(prepared: PreparedTranscript, namespace: string): PhraseMatch[] {
  const { matcher, generation: gen } = matcherFor(prepared.language);
  let entry = cache.get(prepared);
  if (!entry || entry.generation !== gen) {
    const byNamespace = new Map<string, PhraseMatch[]>();
    for (const m of matcher.find(prepared)) {
      const cut = m.phraseId.indexOf(SEP);
      const ns = m.phraseId.slice(0, cut);
      const list = byNamespace.get(ns);
      const match = { ...m, phraseId: m.phraseId.slice(cut + 1) };
      if (list) list.push(match);
      else byNamespace.set(ns, [match]);
    }
    entry = { generation: gen, byNamespace };
    cache.set(prepared, entry);
  }
  return entry.byNamespace.get(namespace) ?? [];
}

import { createRequire } from 'node:module';
import { EscuchaError } from '../../platform/errors.ts';
import type { Lang, Stemmer } from './types.ts';

/**
 * Adapter over natural's Porter stemmers (PorterStemmerEs for Spanish, PorterStemmer for English).
 *
 * The stemmer modules are required directly and on first use. Requiring natural's index loads every part of the
 * library, including storage back-ends that run dotenv on ./.env and print to stdout; the stemmers need none of it.
 */

interface PorterModule {
  stem(token: string): string;
}

const MODULE_PATHS: Record<Lang, string> = {
  es: 'natural/lib/natural/stemmers/porter_stemmer_es.js',
  en: 'natural/lib/natural/stemmers/porter_stemmer.js',
};

/** Stems cached per stemmer; cleared when full so memory stays bounded on endless streams of new words. */
const CACHE_LIMIT = 50_000;

function loadPorter(lang: Lang): PorterModule {
  try {
    const loaded = createRequire(import.meta.url)(MODULE_PATHS[lang]) as Partial<PorterModule>;
    if (typeof loaded.stem !== 'function') throw new Error(`${MODULE_PATHS[lang]} has no stem()`);
    return loaded as PorterModule;
  } catch (error) {
    throw new EscuchaError('INTERNAL', `the natural stemmer for '${lang}' could not be loaded`, {
      cause: error,
    });
  }
}

export class NaturalStemmer implements Stemmer {
  private porter: PorterModule | undefined;
  private readonly cache = new Map<string, string>();

  constructor(readonly lang: Lang) {}

  /** Stem of a folded lower-case word. Deterministic; results are memoised. */
  stem(word: string): string {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    this.porter ??= loadPorter(this.lang);
    const stemmed = this.porter.stem(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, stemmed);
    return stemmed;
  }
}

const shared: Partial<Record<Lang, NaturalStemmer>> = {};

/** The process-wide natural stemmer of a language (created on first use). */
export function naturalStemmer(lang: Lang): NaturalStemmer {
  return (shared[lang] ??= new NaturalStemmer(lang));
}

/** Stem of one folded lower-case word with natural's Porter stemmer for `lang`. */
export function stem(word: string, lang: Lang): string {
  return naturalStemmer(lang).stem(word);
}

import { createRequire } from 'node:module';
import { EscuchaError } from '../../platform/errors.ts';
import type { BaseLexicon } from './lexicon.ts';

/**
 * Adapter over the Spanish sentiment resources of `natural`: its AFINN-es word list and the ML-Senticon-es lemma
 * list, merged into one base lexicon; and natural's own SentimentAnalyzer, kept as the reference that evaluations
 * compare Escucha's analyser with.
 *
 * Files are required directly and on first use: requiring natural's index loads the whole library, including
 * storage back-ends that run dotenv on ./.env and print to stdout, none of which sentiment needs.
 */

const AFINN_ES = 'natural/lib/natural/sentiment/Spanish/afinnShortSortedSpanish.json';
const SENTICON_ES = 'natural/lib/natural/sentiment/Spanish/senticon_es.json';
const ANALYZER = 'natural/lib/natural/sentiment/SentimentAnalyzer.js';
const STEMMER_ES = 'natural/lib/natural/stemmers/porter_stemmer_es.js';
const TOKENIZER_ES = 'natural/lib/natural/tokenizers/aggressive_tokenizer_es.js';

function load<T>(path: string): T {
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch (error) {
    throw new EscuchaError('INTERNAL', `natural resource ${path} could not be loaded`, { cause: error });
  }
}

function naturalVersion(): string {
  return load<{ version: string }>('natural/package.json').version;
}

export interface SpanishLexiconOptions {
  /** Senticon lemmas with |polarity| below this are left out (below 0.5 it is mostly noise in call transcripts). */
  senticonMin: number;
  /** Senticon polarity (−1 … 1) times this gives the AFINN-scale valence. */
  senticonScale: number;
}

export const DEFAULT_SPANISH_LEXICON_OPTIONS: SpanishLexiconOptions = { senticonMin: 0.5, senticonScale: 3 };

/** Senticon lemmas shorter than this ("un", "fe") are left out: too ambiguous out of context. */
const MIN_SENTICON_LENGTH = 4;

/**
 * AFINN-es (inflections match through the stemmer), completed by the single-word lemmas of ML-Senticon-es that
 * AFINN-es lacks (exact match only: Senticon lists derived forms such as "aplicable" or "explicable" whose polarity
 * the stem shares with neutral verbs; its multi-word lemmas are left out for the same reason).
 */
export function naturalSpanishLexicon(
  options: SpanishLexiconOptions = DEFAULT_SPANISH_LEXICON_OPTIONS,
): BaseLexicon {
  const afinn = load<Record<string, number>>(AFINN_ES);
  const senticon = load<Record<string, { pol: string }>>(SENTICON_ES);
  const entries = new Map<string, number>();
  for (const [word, valence] of Object.entries(afinn)) {
    if (typeof valence === 'number') entries.set(word.toLowerCase(), valence);
  }
  const exactEntries = new Map<string, number>();
  for (const [lemma, { pol }] of Object.entries(senticon)) {
    const polarity = Number(pol);
    const word = lemma.toLowerCase();
    if (word.includes('_') || word.length < MIN_SENTICON_LENGTH || entries.has(word)) continue;
    if (!Number.isFinite(polarity) || Math.abs(polarity) < options.senticonMin) continue;
    exactEntries.set(word, Math.round(polarity * options.senticonScale * 100) / 100);
  }
  return {
    name: `natural-${naturalVersion()}:afinn-es+senticon-es(${options.senticonMin},${options.senticonScale})`,
    entries,
    exactEntries,
  };
}

interface NaturalAnalyzer {
  getSentiment(words: string[]): number;
}
type NaturalAnalyzerClass = new (language: string, stemmer: unknown, type: string) => NaturalAnalyzer;
type NaturalTokenizerClass = new () => { tokenize(text: string): string[] };

export type NaturalBaselineVocabulary = 'afinn' | 'senticon';

/**
 * natural's SentimentAnalyzer for Spanish, as its documentation sets it up (AggressiveTokenizerEs,
 * PorterStemmerEs): returns its score (sum of word polarities, one negation flip, divided by the word count).
 */
export function naturalSpanishBaseline(vocabulary: NaturalBaselineVocabulary): (text: string) => number {
  const Analyzer = load<NaturalAnalyzerClass>(ANALYZER);
  const Tokenizer = load<NaturalTokenizerClass>(TOKENIZER_ES);
  const analyzer = new Analyzer('Spanish', load<unknown>(STEMMER_ES), vocabulary);
  const tokenizer = new Tokenizer();
  return (text) => {
    const words = tokenizer.tokenize(text);
    return words.length === 0 ? 0 : analyzer.getSentiment(words);
  };
}

import { createRequire } from 'node:module';
import type SentimentClass from 'sentiment';
import { EscuchaError } from '../../platform/errors.ts';
import type { BaseLexicon } from './lexicon.ts';

/**
 * Adapter over the `sentiment` package (AFINN-165, English): its word list as Escucha's English base lexicon, and
 * the package's own analyser as the reference evaluations compare with. Loaded on first use.
 */

function load<T>(path: string): T {
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch (error) {
    throw new EscuchaError('INTERNAL', `sentiment resource ${path} could not be loaded`, { cause: error });
  }
}

/** AFINN-165 as shipped by `sentiment`. */
export function afinnEnglishLexicon(): BaseLexicon {
  const labels = load<Record<string, number>>('sentiment/languages/en/labels.json');
  const version = load<{ version: string }>('sentiment/package.json').version;
  return { name: `sentiment-${version}:afinn-165`, entries: new Map(Object.entries(labels)) };
}

/** The `sentiment` package's analyser: AFINN-165 sum with its one-word negation rule. */
export function sentimentEnglishBaseline(): (text: string) => { score: number; comparative: number } {
  const Sentiment = load<typeof SentimentClass>('sentiment');
  const analyzer = new Sentiment();
  return (text) => {
    const { score, comparative } = analyzer.analyze(text);
    return { score, comparative };
  };
}

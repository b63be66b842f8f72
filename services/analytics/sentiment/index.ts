import type { Lang } from '../text/types.ts';
import { naturalStemmer } from '../text/stemmer.natural.ts';
import { naturalSpanishLexicon } from './lexicon.natural.ts';
import { afinnEnglishLexicon } from './lexicon.sentiment.ts';
import { SentimentAnalyzer, type SentimentOptions } from './sentiment.analyzer.ts';
import type { SentimentResult, SentimentUtterance } from './types.ts';

/**
 * Sentiment of collection calls. `createSentimentAnalyzer` wires the analyser to its default resources (natural's
 * AFINN-es + Senticon-es and Porter stemmers, `sentiment`'s AFINN-165); a process builds one and passes it where it
 * is needed. `analyzeSentiment` is the one-call form over a shared default analyser.
 */

export {
  SENTIMENT_RULES_VERSION,
  DEFAULT_SENTIMENT_OPTIONS,
  SentimentAnalyzer,
} from './sentiment.analyzer.ts';
export type { SentimentOptions, SentimentResources } from './sentiment.analyzer.ts';
export { PARTIES, SENTIMENT_LABELS } from './types.ts';
export type * from './types.ts';

export function createSentimentAnalyzer(options: Partial<SentimentOptions> = {}): SentimentAnalyzer {
  return new SentimentAnalyzer(
    {
      lexicons: { es: naturalSpanishLexicon(), en: afinnEnglishLexicon() },
      stemmers: { es: naturalStemmer('es'), en: naturalStemmer('en') },
    },
    options,
  );
}

let shared: SentimentAnalyzer | undefined;

/** Sentiment of a transcript with the default analyser (built on first call). */
export function analyzeSentiment(utterances: readonly SentimentUtterance[], lang: Lang): SentimentResult {
  shared ??= createSentimentAnalyzer();
  return shared.analyze(utterances, lang);
}

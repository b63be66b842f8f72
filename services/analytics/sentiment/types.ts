import type { Party } from '../../../models/database.ts';
import type { Lang } from '../text/types.ts';

export type { Lang };

export { PARTIES, type Party } from '../../../models/database.ts';

export const SENTIMENT_LABELS = ['positive', 'neutral', 'negative'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

/** One turn of a transcript, as the pipeline stores it. */
export interface SentimentUtterance {
  party: Party;
  startMs: number;
  endMs: number;
  text: string;
}

/** Something in the text that moved the score: a lexicon word or a collections phrase, after its modifiers. */
export interface SentimentEvidence {
  /** The words as they appear in the original utterance. */
  text: string;
  /** Offsets in the utterance text (end exclusive). */
  start: number;
  end: number;
  kind: 'word' | 'phrase';
  /** Valence after negation, intensity and contrast, on the lexicon scale (about −5 … +5). */
  valence: number;
  negated: boolean;
}

export interface UtteranceSentiment {
  index: number;
  party: Party;
  startMs: number;
  endMs: number;
  label: SentimentLabel;
  /** In [−1, 1]; |score| below the neutral band is labelled neutral. */
  score: number;
  evidence: SentimentEvidence[];
}

export interface SentimentCounts {
  positive: number;
  neutral: number;
  negative: number;
}

export interface PartySentiment {
  label: SentimentLabel;
  /** Weighted mean of the party's utterance scores, in [−1, 1]; 0 when the party did not speak. */
  score: number;
  counts: SentimentCounts;
  utterances: number;
  /** Mean score of the first and of the last third of the party's utterances (null when it did not speak). */
  opening: number | null;
  closing: number | null;
}

export interface TimelineScore {
  score: number;
  utterances: number;
}

export interface TimelineBucket {
  startMs: number;
  endMs: number;
  /** null when the party said nothing that started in this bucket. */
  agent: TimelineScore | null;
  customer: TimelineScore | null;
}

export interface SentimentResult {
  /** Changes whenever rules or lexicons change, so stored results can be recomputed (stage version). */
  version: string;
  lang: Lang;
  utterances: UtteranceSentiment[];
  parties: Record<Party, PartySentiment>;
  overall: { label: SentimentLabel; score: number };
  timeline: { bucketMs: number; buckets: TimelineBucket[] };
}

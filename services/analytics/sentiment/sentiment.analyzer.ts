import { EscuchaError } from '../../platform/errors.ts';
import { isLang } from '../text/types.ts';
import type { Lang, Stemmer } from '../text/types.ts';
import { COLLECTIONS_LEXICON } from './collections.lexicon.ts';
import { CompiledLexicon, type BaseLexicon } from './lexicon.ts';
import { MODIFIERS } from './modifiers.ts';
import { scoreUtterance } from './sentence.scorer.ts';
import {
  PARTIES,
  type Party,
  type PartySentiment,
  type SentimentEvidence,
  type SentimentLabel,
  type SentimentResult,
  type SentimentUtterance,
  type TimelineBucket,
  type TimelineScore,
  type UtteranceSentiment,
} from './types.ts';

/** Bumped whenever rules, phrases or thresholds change, so stored results are recomputed. */
export const SENTIMENT_RULES_VERSION = 'escucha-sentiment-1';

export interface SentimentOptions {
  /** An utterance with |score| below this is neutral. */
  neutralBand: number;
  /** The same for party and overall aggregates (means of many utterances sit closer to 0). */
  aggregateBand: number;
  /** Width of a timeline bucket. */
  bucketMs: number;
  /**
   * Weight of each party in the overall score. The customer counts double by default: agents follow a courteous
   * script, so how the customer feels says more about the call.
   */
  partyWeights: Record<Party, number>;
}

export const DEFAULT_SENTIMENT_OPTIONS: Readonly<SentimentOptions> = Object.freeze({
  neutralBand: 0.2,
  aggregateBand: 0.1,
  bucketMs: 30_000,
  partyWeights: Object.freeze({ agent: 0.5, customer: 1 }),
});

/** What the analyser is built from: a base lexicon and a stemmer per language, from adapters. */
export interface SentimentResources {
  lexicons: Partial<Record<Lang, BaseLexicon>>;
  stemmers: Partial<Record<Lang, Stemmer>>;
}

/**
 * In aggregates a neutral utterance weighs AGGREGATE_BASE and a polar one AGGREGATE_BASE + |score|: a call of fifty
 * logistics turns and three angry ones is not neutral.
 */
const AGGREGATE_BASE = 0.25;

function labelOf(score: number, band: number): SentimentLabel {
  if (score >= band) return 'positive';
  if (score <= -band) return 'negative';
  return 'neutral';
}

function weightOf(score: number): number {
  return AGGREGATE_BASE + Math.abs(score);
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}

function weightedMean(
  items: readonly UtteranceSentiment[],
  weight: (u: UtteranceSentiment) => number,
): number {
  let sum = 0;
  let total = 0;
  for (const u of items) {
    const w = weight(u);
    sum += w * u.score;
    total += w;
  }
  return total === 0 ? 0 : sum / total;
}

function mean(items: readonly UtteranceSentiment[]): number | null {
  if (items.length === 0) return null;
  return round(items.reduce((s, u) => s + u.score, 0) / items.length);
}

function validate(utterances: readonly SentimentUtterance[], lang: Lang): void {
  if (!isLang(lang))
    throw new EscuchaError('BAD_REQUEST', `sentiment: unsupported language '${String(lang)}'`);
  if (!Array.isArray(utterances))
    throw new EscuchaError('BAD_REQUEST', 'sentiment: utterances must be an array');
  utterances.forEach((u, index) => {
    const ok =
      u !== null &&
      typeof u === 'object' &&
      (PARTIES as readonly string[]).includes(u.party) &&
      typeof u.text === 'string' &&
      Number.isFinite(u.startMs) &&
      Number.isFinite(u.endMs) &&
      u.startMs >= 0 &&
      u.endMs >= u.startMs;
    if (!ok) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `sentiment: utterance ${index} needs party agent|customer, text, and 0 <= startMs <= endMs`,
        { details: { index } },
      );
    }
  });
}

/**
 * Utterance, party and call sentiment for collection-call transcripts in Spanish and English. Pure and
 * deterministic: the same transcript and resources always give the same result. Lexicons are compiled on the first
 * use of a language.
 */
export class SentimentAnalyzer {
  private readonly options: SentimentOptions;
  private readonly compiled: Partial<Record<Lang, CompiledLexicon>> = {};

  constructor(
    private readonly resources: SentimentResources,
    options: Partial<SentimentOptions> = {},
  ) {
    this.options = { ...DEFAULT_SENTIMENT_OPTIONS, ...options };
  }

  /** Stage version of results for `lang`: rules plus the base lexicon's name. */
  version(lang: Lang): string {
    return `${SENTIMENT_RULES_VERSION}+${this.lexicon(lang).name}`;
  }

  /** Label, score in (−1, 1) and evidence of one piece of text. */
  scoreText(
    text: string,
    lang: Lang,
  ): { label: SentimentLabel; score: number; evidence: SentimentEvidence[] } {
    if (!isLang(lang))
      throw new EscuchaError('BAD_REQUEST', `sentiment: unsupported language '${String(lang)}'`);
    const { score, evidence } = scoreUtterance(text, lang, this.lexicon(lang), MODIFIERS[lang]);
    return { label: labelOf(score, this.options.neutralBand), score: round(score), evidence };
  }

  analyze(utterances: readonly SentimentUtterance[], lang: Lang): SentimentResult {
    validate(utterances, lang);
    const scored: UtteranceSentiment[] = utterances.map((u, index) => {
      const { label, score, evidence } = this.scoreText(u.text, lang);
      return { index, party: u.party, startMs: u.startMs, endMs: u.endMs, label, score, evidence };
    });
    const parties = {} as Record<Party, PartySentiment>;
    for (const party of PARTIES) parties[party] = this.party(scored.filter((u) => u.party === party));
    const weights = this.options.partyWeights;
    const overallScore = weightedMean(scored, (u) => weights[u.party] * weightOf(u.score));
    return {
      version: this.version(lang),
      lang,
      utterances: scored,
      parties,
      overall: { label: labelOf(overallScore, this.options.aggregateBand), score: round(overallScore) },
      timeline: { bucketMs: this.options.bucketMs, buckets: this.timeline(scored) },
    };
  }

  private party(items: UtteranceSentiment[]): PartySentiment {
    const counts = { positive: 0, neutral: 0, negative: 0 };
    for (const u of items) counts[u.label] += 1;
    const score = weightedMean(items, (u) => weightOf(u.score));
    const byTime = [...items].sort((a, b) => a.startMs - b.startMs || a.index - b.index);
    const third = Math.ceil(byTime.length / 3);
    return {
      label: labelOf(score, this.options.aggregateBand),
      score: round(score),
      counts,
      utterances: items.length,
      opening: mean(byTime.slice(0, third)),
      closing: mean(byTime.slice(byTime.length - third)),
    };
  }

  private timeline(scored: readonly UtteranceSentiment[]): TimelineBucket[] {
    if (scored.length === 0) return [];
    const size = this.options.bucketMs;
    const end = Math.max(...scored.map((u) => u.endMs));
    const count = Math.max(1, Math.ceil(end / size));
    const members: UtteranceSentiment[][] = Array.from({ length: count }, () => []);
    for (const u of scored) members[Math.min(count - 1, Math.floor(u.startMs / size))]!.push(u);
    const scoreOf = (items: UtteranceSentiment[]): TimelineScore | null =>
      items.length === 0
        ? null
        : { score: round(weightedMean(items, (u) => weightOf(u.score))), utterances: items.length };
    return members.map((items, i) => ({
      startMs: i * size,
      endMs: (i + 1) * size,
      agent: scoreOf(items.filter((u) => u.party === 'agent')),
      customer: scoreOf(items.filter((u) => u.party === 'customer')),
    }));
  }

  private lexicon(lang: Lang): CompiledLexicon {
    const cached = this.compiled[lang];
    if (cached) return cached;
    const base = this.resources.lexicons[lang];
    const stemmer = this.resources.stemmers[lang];
    if (base === undefined || stemmer === undefined) {
      throw new EscuchaError('BAD_REQUEST', `sentiment: no lexicon or stemmer configured for '${lang}'`);
    }
    const compiled = new CompiledLexicon(lang, base, COLLECTIONS_LEXICON[lang], MODIFIERS[lang], stemmer);
    this.compiled[lang] = compiled;
    return compiled;
  }
}

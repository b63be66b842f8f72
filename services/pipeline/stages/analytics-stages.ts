import {
  DEFAULT_ROUTING,
  createBuiltInPhrases,
  type DisclosureProfileId,
  type RecordingToneMode,
  type RoutingConfig,
  type SentimentPort,
} from '../../analytics/index.ts';
import { createSentimentAnalyzer } from '../../analytics/sentiment/index.ts';
import type { ArchiveProfile } from '../../archive/audio.types.ts';
import type { ObjectStore } from '../../archive/object-store.ts';
import type { Db } from '../../platform/database.ts';
import { AnalysisRepository } from '../../analysis/analysis.repository.ts';
import type { StageHandler } from '../pipeline.ts';
import { ReviewRepository } from '../../review/review.repository.ts';
import { ReviewRouting } from '../../review/review.routing.ts';
import { ScriptRepository } from '../../analysis/script.repository.ts';
import { ToneRepository } from '../../analysis/tone.repository.ts';
import { TranscriptRepository } from '../../transcripts/transcript.repository.ts';
import {
  AnalysisService,
  type AnalysisStoredHook,
  type OriginalsCustody,
} from '../../analysis/analysis.service.ts';
import { AnalyticsStage } from './analytics.job.ts';
import { FfmpegAudioRedactor } from './redacted-audio.ffmpeg.ts';
import type { AudioRedactor } from '../../analysis/audio-redactor.ts';
import { RouteStage } from './route.job.ts';
import type { EventPublisher } from '../../webhooks/webhook.events.ts';

export interface AnalyticsStagesOptions {
  db: Db;
  store: ObjectStore;
  /** The archive's encoding profile: the redacted copy is encoded the same way. */
  profile: ArchiveProfile;
  ffmpegPath?: string;
  disclosureProfile: DisclosureProfileId | null;
  /** ESCUCHA_DISCLOSURE_CAMPAIGNS (default none). */
  disclosureByCampaign?: Readonly<Record<string, DisclosureProfileId>>;
  /** ESCUCHA_DISCLOSURE_WINDOWS: a profile's window in ms from the start of the conversation (default its own). */
  disclosureWindows?: Readonly<Partial<Record<DisclosureProfileId, number>>>;
  /** ESCUCHA_DISCLOSURE_REGIONS: region (lower case) → country, for calls without a country (default none). */
  disclosureRegions?: Readonly<Record<string, string>>;
  /** ESCUCHA_RECORDING_TONE and its period (default: as each profile says, 15 s). */
  recordingTone?: { mode: RecordingToneMode | 'profile'; intervalMs: number };
  /** ESCUCHA_REDACTION_ORIGINALS (default keep); `discard` needs `custody`. */
  originals?: 'keep' | 'discard';
  custody?: OriginalsCustody;
  /** ESCUCHA_LANGUAGES: the languages with their own review queues (the first is the fallback). */
  languages: readonly string[];
  qaSampleRate: number;
  adherenceThreshold: number;
  sampleSeed: string;
  /** Injected for tests; default: the sentiment analyser of services/analytics/sentiment and ffmpeg. */
  sentiment?: SentimentPort | null;
  redactor?: AudioRedactor;
  /** What is stored with each analysis, in its transaction: the promise ledger (composition.ts). */
  onAnalysisStored?: AnalysisStoredHook;
  /** Where the analyses stored and the review items created are reported (webhooks; composition.ts). */
  events?: EventPublisher;
}

export function routingConfig(
  o: Pick<AnalyticsStagesOptions, 'languages' | 'qaSampleRate' | 'adherenceThreshold' | 'sampleSeed'>,
): RoutingConfig {
  return {
    ...DEFAULT_ROUTING,
    languages: o.languages.length > 0 ? o.languages : DEFAULT_ROUTING.languages,
    fallbackLanguage: o.languages[0] ?? DEFAULT_ROUTING.fallbackLanguage,
    sampleRate: o.qaSampleRate,
    adherenceThreshold: o.adherenceThreshold,
    seed: o.sampleSeed,
  };
}

/** Wires the analytics and route stages with their repositories and adapters (one set per worker process). */
export function createAnalyticsStages(o: AnalyticsStagesOptions): StageHandler[] {
  const analyses = new AnalysisRepository(o.db);
  const routing = routingConfig(o);
  return [
    new AnalyticsStage(
      new AnalysisService({
        analyses,
        transcripts: new TranscriptRepository(o.db),
        scripts: new ScriptRepository(o.db),
        store: o.store,
        redactor:
          o.redactor ??
          new FfmpegAudioRedactor({
            store: o.store,
            profile: o.profile,
            ...(o.ffmpegPath ? { ffmpegPath: o.ffmpegPath } : {}),
          }),
        disclosureProfile: o.disclosureProfile,
        disclosureByCampaign: o.disclosureByCampaign ?? {},
        disclosureWindows: o.disclosureWindows ?? {},
        disclosureRegions: o.disclosureRegions ?? {},
        tones: new ToneRepository(o.db),
        recordingTone: o.recordingTone ?? { mode: 'profile', intervalMs: 15_000 },
        originals: o.originals ?? 'keep',
        custody: o.custody ?? null,
        routing,
        sentiment: o.sentiment === undefined ? createSentimentAnalyzer() : o.sentiment,
        phrases: createBuiltInPhrases(),
        ...(o.onAnalysisStored ? { onStored: o.onAnalysisStored } : {}),
        ...(o.events ? { events: o.events } : {}),
      }),
    ),
    new RouteStage(
      new ReviewRouting({
        analyses,
        reviews: new ReviewRepository(o.db),
        ...(o.events ? { events: o.events } : {}),
      }),
    ),
  ];
}

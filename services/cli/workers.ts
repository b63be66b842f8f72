import { resolveFfmpegPaths } from '../archive/ffmpeg-path.ts';
import { createAnalyticsStages } from '../pipeline/stages/analytics-stages.ts';
import { createSpeechStages } from '../pipeline/stages/speech-stages.ts';
import { FIXTURE_LABEL, FIXTURE_MODEL } from '../speech/model-manifest.ts';
import { parseAsrModelSpec } from '../speech/model-selection.ts';
import type { AppContext } from './context.ts';
import { originalsCustody } from './originals-custody.ts';

export interface RunningWorkers {
  stages: string[];
  /** One line per notable fact about the models (printed by the commands). */
  notes: string[];
  stop(): Promise<void>;
}

/**
 * Starts this process's analysis workers on the context's pipeline: vad, language, transcribe, analytics and route, each taking
 * `pipeline.concurrency` jobs at a time. Any number of processes on any number of hosts can do this; pg-boss hands
 * each job to one of them.
 */
export async function startWorkers(ctx: AppContext): Promise<RunningWorkers> {
  const { config, logger } = ctx;
  const spec = parseAsrModelSpec(config.asrModel);
  const speech = createSpeechStages({
    db: ctx.database.db,
    store: ctx.store,
    ffmpegPath: resolveFfmpegPaths().ffmpeg,
    modelsDir: config.modelsDir,
    languages: config.languages,
    asrModel: config.asrModel ?? null,
    asrWorkers: config.asrWorkers,
    lowConfidenceBelow: config.languageLowConfidence,
    recordingTone: {
      frequencyHz: config.analytics.recordingToneHz,
      intervalMs: config.analytics.recordingToneIntervalMs,
    },
    logger: logger.child({ component: 'worker' }),
  });
  const notes: string[] = [];
  const installed = await speech.models.installed();
  const real = installed.filter((n) => n !== FIXTURE_MODEL);
  const usesFixture =
    spec.default === FIXTURE_MODEL || Object.values(spec.byLanguage).includes(FIXTURE_MODEL);
  if (usesFixture) {
    notes.push(
      `ASR model: ${FIXTURE_LABEL} — TEST FIXTURE, a closed-vocabulary model for Escucha's tests; never use it for real calls`,
    );
    logger.warn({ model: FIXTURE_LABEL }, 'ESCUCHA_ASR_MODEL selects the TEST FIXTURE model');
  } else if (config.asrModel) {
    notes.push(`ASR model: ${config.asrModel}`);
  } else if (real.length > 0) {
    notes.push(`ASR models installed: ${real.join(', ')} (chosen per call language)`);
  } else {
    notes.push(
      `no ASR model installed in ${config.modelsDir}: transcription will be skipped — run escucha models fetch nemo-ctc-en-de-es-fr`,
    );
    logger.warn({ modelsDir: config.modelsDir }, 'no ASR model installed; transcription will be skipped');
  }
  const analytics = createAnalyticsStages({
    db: ctx.database.db,
    store: ctx.store,
    profile: config.archive,
    ffmpegPath: resolveFfmpegPaths().ffmpeg,
    disclosureProfile: config.analytics.disclosureProfile,
    disclosureByCampaign: config.analytics.disclosureByCampaign,
    originals: config.analytics.redactionOriginals,
    custody: originalsCustody({ db: ctx.database.db, store: ctx.store, logger }),
    recordingTone: {
      mode: config.analytics.recordingTone,
      intervalMs: config.analytics.recordingToneIntervalMs,
    },
    languages: config.languages,
    qaSampleRate: config.analytics.qaSampleRate,
    adherenceThreshold: config.analytics.adherenceThreshold,
    sampleSeed: config.analytics.sampleSeed,
  });
  const handlers = [...speech.handlers, ...analytics].filter((h) => ctx.pipeline.order.includes(h.stage));
  await ctx.pipeline.work(handlers, () => config.pipeline.concurrency);
  return {
    stages: handlers.map((h) => h.stage),
    notes,
    stop: async () => {
      await ctx.pipeline.stop();
      await speech.close();
    },
  };
}

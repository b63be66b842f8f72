import { resolveFfmpegPaths } from '../archive/ffmpeg-path.ts';
import { createAnalyticsStages } from '../pipeline/stages/analytics-stages.ts';
import { createSpeechStages } from '../pipeline/stages/speech-stages.ts';
import { DEFAULT_ASR_MODEL, ENGINE_LABEL, FIXTURE_LABEL, engineOf } from '../speech/model-manifest.ts';
import { checkAsrModelSpec, parseAsrModelSpec, usesFixture } from '../speech/model-selection.ts';
import type { Services } from '../composition.ts';
import { originalsCustody } from './originals-custody.ts';
import { LiveRepository } from '../live/live.repository.ts';
import type { RecognizerRegistry } from '../speech/recognizer-registry.ts';

export interface RunningWorkers {
  stages: string[];
  /** One line per notable fact about the models (printed by the commands). */
  notes: string[];
  /** The recognisers of this process (the live transcript shares their worker threads). */
  recognizers: RecognizerRegistry;
  stop(): Promise<void>;
}

/**
 * Starts this process's analysis workers on the context's pipeline: vad, language, transcribe, analytics and route, each taking
 * `pipeline.concurrency` jobs at a time, and the webhook deliveries (`webhooks.concurrency` at a time). Any number of processes on any number of hosts can do this; pg-boss hands
 * each job to one of them.
 */
export async function startWorkers(ctx: Services): Promise<RunningWorkers> {
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
    recognitionCpus: config.recognitionCpus ?? null,
    asrBeamSize: config.asrBeamSize,
    lowConfidenceBelow: config.languageLowConfidence,
    recordingTone: {
      frequencyHz: config.analytics.recordingToneHz,
      intervalMs: config.analytics.recordingToneIntervalMs,
    },
    logger: logger.child({ component: 'worker' }),
    live: new LiveRepository(ctx.database.db),
  });
  const notes: string[] = [];
  await checkAsrModelSpec(spec, speech.models);
  const installed = new Set(await speech.models.installed());
  if (usesFixture(spec)) {
    notes.push(
      `ASR model: ${FIXTURE_LABEL} — TEST FIXTURE, a closed-vocabulary model for Escucha's tests; never use it for real calls`,
    );
    logger.warn({ model: FIXTURE_LABEL }, 'ESCUCHA_ASR_MODEL selects the TEST FIXTURE model');
  } else {
    const names =
      spec.default || Object.keys(spec.byLanguage).length > 0
        ? [
            ...new Set(
              [spec.default, ...Object.values(spec.byLanguage)].filter((n): n is string => Boolean(n)),
            ),
          ]
        : [DEFAULT_ASR_MODEL];
    for (const name of names) {
      const entry = await speech.models.entry(name);
      const how = config.asrModel ? 'ESCUCHA_ASR_MODEL' : 'the default';
      if (installed.has(name)) {
        notes.push(
          `ASR model: ${name} (${how}; ${ENGINE_LABEL[engineOf(entry.family)]}, in ${await speech.models.dirFor(name)})`,
        );
      } else {
        notes.push(
          `ASR model ${name} (${how}) is not installed: transcription will be skipped — run escucha models fetch ${name}`,
        );
        logger.warn(
          { model: name, modelsDir: config.modelsDir },
          'ASR model not installed; transcription will be skipped',
        );
      }
    }
  }
  const analytics = createAnalyticsStages({
    db: ctx.database.db,
    store: ctx.store,
    profile: config.archive,
    ffmpegPath: resolveFfmpegPaths().ffmpeg,
    disclosureProfile: config.analytics.disclosureProfile,
    disclosureByCampaign: config.analytics.disclosureByCampaign,
    disclosureWindows: config.analytics.disclosureWindows,
    disclosureRegions: config.analytics.disclosureRegions,
    originals: config.analytics.redactionOriginals,
    custody: originalsCustody(ctx.people),
    recordingTone: {
      mode: config.analytics.recordingTone,
      intervalMs: config.analytics.recordingToneIntervalMs,
    },
    languages: config.languages,
    qaSampleRate: config.analytics.qaSampleRate,
    adherenceThreshold: config.analytics.adherenceThreshold,
    sampleSeed: config.analytics.sampleSeed,
    onAnalysisStored: ctx.collections.ledger.recordAnalysis,
    ...(ctx.webhooks.publisher ? { events: ctx.webhooks.publisher } : {}),
  });
  const handlers = [...speech.handlers, ...analytics].filter((h) => ctx.pipeline.order.includes(h.stage));
  await ctx.pipeline.work(handlers, () => config.pipeline.concurrency);
  // Webhook deliveries are sent by the same processes that run the pipeline.
  if (ctx.webhooks.deliverer) {
    await ctx.pipeline.workWebhooks(ctx.webhooks.deliverer.deliver, config.webhooks.concurrency);
  }
  return {
    stages: handlers.map((h) => h.stage),
    notes,
    recognizers: speech.recognizers,
    stop: async () => {
      await ctx.pipeline.stop();
      await speech.close();
    },
  };
}

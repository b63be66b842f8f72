import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ArchiveService } from '../../services/archive/archive.service.ts';
import { FfmpegAudioTool } from '../../services/archive/audio.ffmpeg.ts';
import { CallRepository } from '../../services/archive/call.repository.ts';
import { FsObjectStore } from '../../services/archive/fs.store.ts';
import { resolveFfmpegPaths } from '../../services/archive/ffmpeg-path.ts';
import { OutcomeRepository } from '../../services/analysis/outcome.repository.ts';
import { Pipeline } from '../../services/pipeline/pipeline.ts';
import { createSpeechStages } from '../../services/pipeline/stages/speech-stages.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { engineOf, modelLabel } from '../../services/speech/model-manifest.ts';
import { DEFAULT_FIXTURE_DIR, ModelStore } from '../../services/speech/model-store.ts';
import { SherpaRecognizer } from '../../services/speech/recognizer.sherpa.ts';
import { loadSherpa } from '../../services/speech/sherpa.native.ts';
import { SileroVad } from '../../services/speech/vad.sherpa.ts';
import { speak, synthesizeCall } from '../integration/speech/synthetic-speech.ts';
import { median, round } from './stats.ts';

/**
 * Speech benchmarks (medians of `rounds`):
 * - ASR real-time factor on one core (one worker thread, one intra-op thread: seconds of compute per second of
 *   speech) and on all cores (wall clock with one worker per core), for the fixture model by default or for the
 *   sherpa-onnx model named by ESCUCHA_BENCH_ASR_MODEL (installed in ESCUCHA_MODELS_DIR, default ./var/models;
 *   Whisper models: `npm run bench -- asr`);
 * - Silero VAD real-time factor on 10 minutes of audio;
 * - pipeline throughput without ASR: archived 60-second stereo calls through the vad and language (metadata) stages
 *   on pg-boss, one job per core per stage, from the first job to the last outcome.
 */
export interface SpeechBenchResult {
  cores: number;
  asr:
    | {
        model: string;
        clips: number;
        speechSeconds: number;
        rtfOneCore: number;
        rtfAllCores: number;
        clipsSource: string;
      }
    | { skipped: string };
  vad: { audioSeconds: number; rtf: number };
  pipeline: {
    calls: number;
    callSeconds: number;
    stages: string[];
    callsPerSecond: number;
    audioSecondsPerSecond: number;
  };
}

const SENTENCES: { text: string; voice: 'es' | 'en-us' }[] = [
  {
    text: 'buenos días, le habla el departamento de cobranza, esta llamada está siendo grabada',
    voice: 'es',
  },
  { text: 'le llamo por el pago pendiente de su tarjeta de crédito', voice: 'es' },
  { text: 'sí, voy a pagar el viernes por la mañana', voice: 'es' },
  { text: 'me puede confirmar su nombre completo, por favor', voice: 'es' },
  { text: 'good morning, this call is being recorded for quality purposes', voice: 'en-us' },
  { text: 'I am calling about the overdue balance on your account', voice: 'en-us' },
  { text: 'yes, I can make a payment on friday', voice: 'en-us' },
  { text: 'can you confirm your full name, please', voice: 'en-us' },
];

async function clipsFor(dir: string): Promise<{ source: string; clips: Float32Array[] }> {
  const sherpa = loadSherpa();
  const heldout = path.join(DEFAULT_FIXTURE_DIR, 'heldout');
  if (existsSync(heldout)) {
    const wavs = (await readdir(heldout)).filter((f) => f.endsWith('.wav')).sort();
    if (wavs.length > 0) {
      return {
        source: 'test/fixtures/asr-model/heldout',
        clips: wavs.map((w) => sherpa.readWave(path.join(heldout, w)).samples),
      };
    }
  }
  const clips: Float32Array[] = [];
  for (const [i, s] of SENTENCES.entries()) {
    const file = path.join(dir, `sentence-${i}.wav`);
    await speak(s.text, s.voice, file);
    clips.push(sherpa.readWave(file).samples);
  }
  return { source: 'espeak-ng sentences (es, en)', clips };
}

async function benchAsr(dir: string, cores: number, rounds: number): Promise<SpeechBenchResult['asr']> {
  // Benchmarks are run by hand from the command line; these variables are their only knobs.
  const env = process.env;
  const name = env.ESCUCHA_BENCH_ASR_MODEL ?? 'fixture';
  const models = new ModelStore({ modelsDir: path.resolve(env.ESCUCHA_MODELS_DIR ?? './var/models') });
  if (!(await models.isInstalled(name))) {
    return { skipped: `model ${modelLabel(name)} is not installed (${await models.dirFor(name)})` };
  }
  const model = await models.resolve(name);
  if (engineOf(model.entry.family) !== 'sherpa-onnx') {
    return { skipped: `${name} runs on the Whisper engine: npm run bench -- asr measures it on real speech` };
  }
  const { source, clips } = await clipsFor(dir);
  const speechSeconds = clips.reduce((s, c) => s + c.length / 16000, 0);
  const one = new SherpaRecognizer({ model, workers: 1 });
  const all = new SherpaRecognizer({ model, workers: cores });
  try {
    await one.recognize(clips[0]!.slice(), 16000); // load the model before timing
    await Promise.all(Array.from({ length: cores }, () => all.recognize(clips[0]!.slice(), 16000)));
    const oneCore: number[] = [];
    const allCores: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t0 = performance.now();
      for (const c of clips) await one.recognize(c.slice(), 16000);
      oneCore.push((performance.now() - t0) / 1000 / speechSeconds);
      t0 = performance.now();
      await Promise.all(clips.map((c) => all.recognize(c.slice(), 16000)));
      allCores.push((performance.now() - t0) / 1000 / speechSeconds);
    }
    return {
      model: model.label,
      clips: clips.length,
      speechSeconds: round(speechSeconds),
      rtfOneCore: round(median(oneCore), 4),
      rtfAllCores: round(median(allCores), 4),
      clipsSource: source,
    };
  } finally {
    await one.close();
    await all.close();
  }
}

async function benchVad(dir: string, rounds: number): Promise<SpeechBenchResult['vad']> {
  const file = path.join(dir, 'vad-10min.wav');
  // Ten minutes: a two-channel call of alternating lines, mixed down, repeated.
  const call = path.join(dir, 'vad-unit.wav');
  await synthesizeCall(
    call,
    {
      left: [
        { text: SENTENCES[0]!.text, voice: 'es', at: 0.5 },
        { text: SENTENCES[1]!.text, voice: 'es', at: 12 },
      ],
      right: [
        { text: SENTENCES[2]!.text, voice: 'es', at: 7 },
        { text: SENTENCES[3]!.text, voice: 'es', at: 18 },
      ],
    },
    30,
  );
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) =>
    execFile('sox', [call, '-c', '1', file, 'repeat', '19'], (e) => (e ? reject(e) : resolve())),
  );
  const samples = loadSherpa().readWave(file).samples;
  const seconds = samples.length / 16000;
  const vad = new SileroVad();
  const rtf: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await vad.detect(samples);
    rtf.push((performance.now() - t0) / 1000 / seconds);
  }
  return { audioSeconds: round(seconds), rtf: round(median(rtf), 5) };
}

async function benchPipeline(
  dir: string,
  cores: number,
  rounds: number,
): Promise<SpeechBenchResult['pipeline']> {
  const calls = 16;
  const callSeconds = 60;
  const dataDir = path.join(dir, 'pipeline');
  await mkdir(dataDir, { recursive: true });
  await chmod(dir, 0o755);
  await chmod(dataDir, 0o755);
  const config = loadConfig({ env: {}, overrides: { dataDir } });
  const logger = silentLogger();
  const database = await openDatabase(config, logger, { as: 'owner' }); // it migrates by itself
  const wav = path.join(dir, 'call-60s.wav');
  const lines = (voice: 'es', offset: number) =>
    [0, 1, 2, 3, 4].map((k) => ({ text: SENTENCES[(k + offset) % 4]!.text, voice, at: offset * 6 + k * 12 }));
  await synthesizeCall(wav, { left: lines('es', 0), right: lines('es', 1) }, callSeconds);
  const size = (await stat(wav)).size;
  const rates: number[] = [];
  try {
    await migrateToLatest(database.db, logger);
    const store = new FsObjectStore({ root: config.storageDir });
    for (let r = 0; r < rounds; r++) {
      await database.db.deleteFrom('calls').execute();
      const pipeline = new Pipeline({
        db: database.db,
        pool: database.pool,
        logger,
        order: ['vad', 'language'],
        retryLimit: 0,
        retryDelaySeconds: 1,
        expireInSeconds: 600,
        maintenanceIntervalSeconds: 60,
        pollingIntervalSeconds: 0.5,
      });
      await pipeline.start();
      const archive = new ArchiveService({
        calls: new CallRepository(database.db),
        store,
        audio: new FfmpegAudioTool(),
        profile: config.archive,
        logger,
        concurrency: cores,
        onArchived: pipeline.enqueueFirst,
      });
      const ids: string[] = [];
      for (let i = 0; i < calls; i++) {
        ids.push(
          (
            await archive.ingest({
              filePath: wav,
              sizeBytes: size,
              metadata: { language: 'es' },
              source: 'upload',
            })
          ).callId,
        );
      }
      const speech = createSpeechStages({
        db: database.db,
        store,
        ffmpegPath: resolveFfmpegPaths().ffmpeg,
        modelsDir: path.join(dir, 'no-models'),
        languages: ['es', 'en'],
        asrModel: null,
        asrWorkers: 1,
        logger,
      });
      const outcomes = new OutcomeRepository(database.db);
      const t0 = performance.now();
      await pipeline.work(
        speech.handlers.filter((h) => h.stage !== 'transcribe'),
        () => cores,
      );
      for (;;) {
        const done = (await outcomes.list({ stage: 'language', limit: calls * 2 })).filter(
          (o) => o.status === 'done',
        );
        if (done.length >= calls) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      rates.push(calls / ((performance.now() - t0) / 1000));
      await pipeline.stop();
      await speech.close();
    }
    await store.close();
  } finally {
    await database.close();
  }
  const callsPerSecond = median(rates);
  return {
    calls,
    callSeconds,
    stages: ['vad', 'language (metadata)'],
    callsPerSecond: round(callsPerSecond, 2),
    audioSecondsPerSecond: round(callsPerSecond * callSeconds, 1),
  };
}

export async function run(options: { rounds?: number } = {}): Promise<SpeechBenchResult> {
  const rounds = options.rounds ?? 3;
  const cores = Math.max(1, os.availableParallelism());
  const dir = await mkdtemp('/tmp/escucha-bench-speech-');
  try {
    const asr = await benchAsr(dir, cores, rounds);
    const vad = await benchVad(dir, rounds);
    const pipeline = await benchPipeline(dir, cores, rounds);
    return { cores, asr, vad, pipeline };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

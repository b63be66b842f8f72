import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ArchiveService } from '../../services/archive/archive.service.ts';
import { FfmpegAudioTool } from '../../services/archive/audio.ffmpeg.ts';
import { CallRepository } from '../../services/archive/call.repository.ts';
import { resolveFfmpegPaths } from '../../services/archive/ffmpeg-path.ts';
import { FsObjectStore } from '../../services/archive/fs.store.ts';
import { OutcomeRepository } from '../../services/analysis/outcome.repository.ts';
import { Pipeline } from '../../services/pipeline/pipeline.ts';
import { createSpeechStages } from '../../services/pipeline/stages/speech-stages.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { raisingQuiet, SpeechLevelMeter } from '../../services/speech/level.ts';
import { DEFAULT_ASR_MODEL, engineOf } from '../../services/speech/model-manifest.ts';
import { ModelStore } from '../../services/speech/model-store.ts';
import { SEGMENT_PAD_MS, type SpeechRecognizer } from '../../services/speech/recognizer.ts';
import { SherpaRecognizer } from '../../services/speech/recognizer.sherpa.ts';
import { WhisperRecognizer } from '../../services/speech/recognizer.whisper.ts';
import { sliceSegments } from '../../services/speech/segments.ts';
import { SileroVad } from '../../services/speech/vad.sherpa.ts';
import {
  buildStereoCall,
  decodeClip,
  normalizeLevel,
  speechClips,
  stereoWav,
  type SpeechClip,
} from '../support/real-speech.ts';
import { pooledWer, werCount } from '../support/wer.ts';
import { median, round } from './stats.ts';
import type { Party } from '../../models/database.ts';

/**
 * `npm run bench -- asr`: every installed real speech model (or those named in ESCUCHA_BENCH_ASR_MODELS) on the real
 * recordings of test/fixtures/speech (the FLEURS clips of ../shared/speech and five more of each language, plus the
 * Earnings-22 excerpts), each set as one party's side of a call (the clips one after another with line noise between
 * them) through the pipeline's path: level, Silero VAD, padded segments, the recogniser.
 *
 * - WER per set, as recorded (16 kHz) and through a phone line (300–3400 Hz, 8 kHz µ-law), pooled over the set;
 * - real-time factor over the speech: one worker with one thread (compute per second of speech on one core) and one
 *   worker per core (wall clock on the whole machine); for Whisper also without packing (one 30 s window per speech
 *   segment), to show what packing saves;
 * - for each Whisper model, whole stereo calls of real speech (8 kHz µ-law, no language given) through the real
 *   pipeline on pg-boss with default settings (the model chosen by ESCUCHA_ASR_MODEL for the others): archive → vad
 *   → language → transcribe, wall clock from archived to transcribed over the call's length, one call at a time.
 *
 * Medians of `rounds` runs. The load average before each part is reported: other work on the machine slows it.
 */

interface SetResult {
  set: string;
  language: string;
  clips: number;
  words: number;
  werWide: number;
  werPhone: number;
  /**
   * Through a phone line, each clip decoded on its own (its own speech segments and windows): how the issue's
   * reference figures were taken; the set figures pack unrelated sentences of different speakers into shared windows.
   */
  werPhonePerClip: number;
  /** Through a phone line and the default archive profile (what the pipeline reads back). */
  werArchive: number;
}

interface ModelResult {
  model: string;
  engine: string;
  /** Beam width (Whisper; 1 = greedy). */
  beam: number;
  sets: SetResult[];
  speechSeconds: number;
  rtfOneCore: number;
  rtfAllCores: number;
  rtfAllCoresUnpacked?: number;
}

export interface AsrBenchResult {
  cores: number;
  loadAverageAtStart: number[];
  models: ModelResult[];
  calls: CallsResult[];
  skipped: string[];
}

interface CallsResult {
  model: string;
  beam: number;
  /** The archive profile the calls were stored with (what the pipeline decodes). */
  archive: string;
  calls: number;
  callSeconds: number;
  /** Archived → transcribed over the call's length, one call at a time (queue polling included). */
  rtfOneCallAtATime: number[];
  rtfOneCallAtATimeMedian: number;
  /** All calls uploaded back to back: wall clock over their total length. */
  rtfThroughput: number;
  werAgent: number;
  werCustomer: number;
  languageCorrect: string;
}

const RATE = 16000;

function channelOf(audio: Float32Array[]): { samples: Float32Array; spans: [number, number][] } {
  const gap = 1.5 * RATE;
  const samples = new Float32Array(audio.reduce((n, a) => n + a.length + gap, 0));
  let seed = 7;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    samples[i] = ((seed / 4294967296) * 2 - 1) * 0.0005;
  }
  const spans: [number, number][] = [];
  let at = 0;
  for (const a of audio) {
    for (let k = 0; k < a.length; k++) samples[at + k]! += a[k]!;
    spans.push([(at * 1000) / RATE, ((at + a.length) * 1000) / RATE]);
    at += a.length + gap;
  }
  return { samples, spans };
}

async function* chunks(samples: Float32Array): AsyncIterable<Float32Array> {
  for (let i = 0; i < samples.length; i += RATE) yield samples.slice(i, i + RATE);
}

/** As recorded (16 kHz); through a phone line; through a phone line and then the archive (Opus, 16 kbps a party). */
type Condition = 'wide' | 'phone' | 'archive';

interface PreparedSet {
  name: string;
  language: 'es' | 'en';
  clips: SpeechClip[];
  /** Per condition: the channel, its speech segments (found once, outside the timing) and the clips' spans. */
  conditions: Record<
    Condition,
    { samples: Float32Array; spans: [number, number][]; segments: { startMs: number; endMs: number }[] }
  >;
  /** Through a phone line, every clip alone (with the same line noise around it) and its speech segments. */
  phoneClips: { samples: Float32Array; segments: { startMs: number; endMs: number }[] }[];
}

async function prepare(name: string, language: 'es' | 'en', clips: SpeechClip[]): Promise<PreparedSet> {
  const conditions = {} as PreparedSet['conditions'];
  const phoneClips: PreparedSet['phoneClips'] = [];
  for (const condition of ['wide', 'phone', 'archive'] as const) {
    const audio = await Promise.all(
      clips.map(async (c) =>
        normalizeLevel(
          await decodeClip(c.file, {
            telephone: condition !== 'wide',
            ...(condition === 'archive' ? { archiveKbps: 16 } : {}),
          }),
        ),
      ),
    );
    const { samples, spans } = channelOf(audio);
    const segments = await new SileroVad().detect(raisingQuiet(chunks(samples), new SpeechLevelMeter()));
    conditions[condition] = { samples, spans, segments };
    if (condition === 'phone') {
      for (const a of audio) {
        const alone = channelOf([a]).samples;
        phoneClips.push({
          samples: alone,
          segments: await new SileroVad().detect(raisingQuiet(chunks(alone), new SpeechLevelMeter())),
        });
      }
    }
  }
  return { name, language, clips, conditions, phoneClips };
}

async function transcribe(r: SpeechRecognizer, set: PreparedSet, condition: Condition) {
  const c = set.conditions[condition];
  const t0 = performance.now();
  const out = await r.transcribe(sliceSegments(chunks(c.samples), c.segments, RATE, SEGMENT_PAD_MS), {
    language: set.language,
    sampleRate: RATE,
  });
  const seconds = (performance.now() - t0) / 1000;
  const counts = set.clips.map((clip, i) => {
    const [s, e] = c.spans[i]!;
    const hyp = out.filter(
      (o) => (o.startMs + o.endMs) / 2 >= s - 700 && (o.startMs + o.endMs) / 2 < e + 700,
    );
    return werCount(clip.reference, hyp.map((o) => o.text).join(' '), set.language);
  });
  const speech = c.segments.reduce((n, s) => n + (s.endMs - s.startMs) / 1000, 0);
  return { wer: pooledWer(counts), words: counts.reduce((n, x) => n + x.words, 0), seconds, speech };
}

/** WER through a phone line with every clip transcribed on its own. */
async function transcribePerClip(r: SpeechRecognizer, set: PreparedSet): Promise<number> {
  const counts = [];
  for (const [i, clip] of set.clips.entries()) {
    const { samples, segments } = set.phoneClips[i]!;
    const out = await r.transcribe(sliceSegments(chunks(samples), segments, RATE, SEGMENT_PAD_MS), {
      language: set.language,
      sampleRate: RATE,
    });
    counts.push(werCount(clip.reference, out.map((o) => o.text).join(' '), set.language));
  }
  return pooledWer(counts);
}

async function benchModel(
  store: ModelStore,
  name: string,
  sets: PreparedSet[],
  cores: number,
  rounds: number,
  beam: number,
): Promise<ModelResult> {
  const model = await store.resolve(name);
  const whisper = engineOf(model.entry.family) === 'whisper';
  const make = (workers: number, pack = true): SpeechRecognizer =>
    whisper
      ? new WhisperRecognizer({ model, workers, threads: 1, pack, beamSize: beam })
      : new SherpaRecognizer({ model, workers });
  const one = make(1);
  const all = make(cores);
  const unpacked = whisper ? make(cores, false) : null;
  try {
    const results: SetResult[] = [];
    // Accuracy (deterministic decoding), once per set and condition, on the whole machine.
    for (const set of sets) {
      const wide = await transcribe(all, set, 'wide');
      const phone = await transcribe(all, set, 'phone');
      const archive = await transcribe(all, set, 'archive');
      const perClip = await transcribePerClip(all, set);
      results.push({
        set: set.name,
        language: set.language,
        clips: set.clips.length,
        words: wide.words,
        werWide: round(wide.wer * 100, 1),
        werPhone: round(phone.wer * 100, 1),
        werArchive: round(archive.wer * 100, 1),
        werPhonePerClip: round(perClip * 100, 1),
      });
    }
    // Speed on the Spanish FLEURS set through a phone line: the case that matters most.
    const speedSet = sets.find((s) => s.name === 'fleurs-es')!;
    const timed = async (r: SpeechRecognizer) => {
      const rtf: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const x = await transcribe(r, speedSet, 'phone');
        rtf.push(x.seconds / x.speech);
      }
      return round(median(rtf), 3);
    };
    const speechSeconds = speedSet.conditions.phone.segments.reduce(
      (n, s) => n + (s.endMs - s.startMs) / 1000,
      0,
    );
    const rtfOneCore = await timed(one);
    const rtfAllCores = await timed(all);
    const rtfAllCoresUnpacked = unpacked ? await timed(unpacked) : undefined;
    return {
      model: model.label,
      engine: whisper ? 'whisper (onnxruntime + transformers.js)' : 'sherpa-onnx',
      beam: whisper ? beam : 1,
      sets: results,
      speechSeconds: round(speechSeconds, 1),
      rtfOneCore,
      rtfAllCores,
      ...(rtfAllCoresUnpacked !== undefined ? { rtfAllCoresUnpacked } : {}),
    };
  } finally {
    await one.close();
    await all.close();
    await unpacked?.close();
  }
}

/**
 * Whole stereo calls through the real pipeline (vad, language, transcribe on pg-boss, two jobs of each stage at a
 * time as `escucha serve` runs them): first one at a time (the time from archived to transcribed: what a user waits,
 * queue polling included), then uploaded back to back (the machine's throughput: wall clock from the first upload to
 * the last transcript over the total length of the calls — the real-time factor of a stereo call, every stage and
 * the archiving included).
 */
export async function benchCalls(
  dir: string,
  rounds: number,
  model: string,
  modelsDir: string,
  beam: number,
): Promise<CallsResult> {
  const es = await speechClips({ language: 'es', kind: 'fleurs' });
  const dataDir = path.join(dir, `pipeline-${model}-beam${beam}`);
  await mkdir(dataDir, { recursive: true });
  await chmod(dir, 0o755);
  await chmod(dataDir, 0o755);
  const kbps = process.env.ESCUCHA_BENCH_ARCHIVE_KBPS;
  const config = loadConfig({
    env: {},
    overrides: { dataDir, ...(kbps ? { archive: { bitrateKbps: Number(kbps) } } : {}) },
  });
  const logger = silentLogger();
  const database = await openDatabase(config, logger, { as: 'owner' }); // it migrates by itself
  const count = Math.max(rounds, 6);
  const calls: { wav: string; seconds: number; turns: { party: string; clip: SpeechClip }[] }[] = [];
  const { execFile } = await import('node:child_process');
  for (let k = 0; k < count; k++) {
    // Six turns each, agent and customer alternating, different clips per call.
    const turns = Array.from({ length: 6 }, (_, i) => ({
      party: (i % 2 === 0 ? 'agent' : 'customer') as Party,
      clip: es[(k * 3 + i) % es.length]!,
    }));
    const call = await buildStereoCall(turns, { telephone: true });
    const wide = path.join(dir, `call-${k}.wav`);
    await writeFile(wide, stereoWav(call));
    const ulaw = path.join(dir, `call-${k}-ulaw.wav`);
    await new Promise<void>((resolve, reject) =>
      execFile(
        resolveFfmpegPaths().ffmpeg,
        ['-y', '-loglevel', 'error', '-i', wide, '-ar', '8000', '-c:a', 'pcm_mulaw', ulaw],
        (e) => (e ? reject(e) : resolve()),
      ),
    );
    calls.push({ wav: ulaw, seconds: call.durationMs / 1000, turns });
  }
  const latency: number[] = [];
  const agent: { errors: number; words: number }[] = [];
  const customer: { errors: number; words: number }[] = [];
  let languageCorrect = 0;
  let throughputRtf = 0;
  try {
    await migrateToLatest(database.db, logger);
    const store = new FsObjectStore({ root: config.storageDir });
    const pipeline = new Pipeline({
      db: database.db,
      pool: database.pool,
      logger,
      order: ['vad', 'language', 'transcribe'],
      retryLimit: 0,
      retryDelaySeconds: 1,
      expireInSeconds: 600,
      maintenanceIntervalSeconds: 60,
      pollingIntervalSeconds: 0.5,
    });
    await pipeline.start();
    const speech = createSpeechStages({
      db: database.db,
      store,
      ffmpegPath: resolveFfmpegPaths().ffmpeg,
      modelsDir,
      languages: config.languages,
      asrModel: model === DEFAULT_ASR_MODEL ? null : model,
      asrWorkers: 0,
      asrBeamSize: beam,
      logger,
    });
    const archive = new ArchiveService({
      calls: new CallRepository(database.db),
      store,
      audio: new FfmpegAudioTool(),
      profile: config.archive,
      logger,
      concurrency: 2,
      onArchived: pipeline.enqueueFirst,
    });
    await pipeline.work(speech.handlers, () => config.pipeline.concurrency);
    const outcomes = new OutcomeRepository(database.db);
    const ingest = async (wav: string) =>
      (
        await archive.ingest({
          filePath: wav,
          sizeBytes: (await stat(wav)).size,
          metadata: {},
          source: 'upload',
        })
      ).callId;
    // A first call loads the model in every worker thread; it is not timed.
    await waitFor(outcomes, await ingest(calls[0]!.wav));
    for (const call of calls.slice(0, rounds)) {
      const callId = await ingest(call.wav);
      const t0 = performance.now();
      await waitFor(outcomes, callId);
      latency.push((performance.now() - t0) / 1000 / call.seconds);
      const language = await speech.deps.transcripts.info(callId);
      if (language?.language === 'es') languageCorrect++;
      const segments = await speech.deps.transcripts.segments(callId);
      for (const [party, sink] of [
        ['agent', agent],
        ['customer', customer],
      ] as const) {
        const ref = call.turns
          .filter((t) => t.party === party)
          .map((t) => t.clip.reference)
          .join(' ');
        const hyp = segments
          .filter((s) => s.party === party)
          .map((s) => s.text)
          .join(' ');
        sink.push(werCount(ref, hyp, 'es'));
      }
    }
    // Throughput: every call uploaded back to back while the workers run; from the first upload to the last
    // transcript (archiving included).
    const t0 = performance.now();
    const ids: string[] = [];
    for (const call of calls) ids.push(await ingest(call.wav));
    for (const id of ids) await waitFor(outcomes, id);
    throughputRtf = (performance.now() - t0) / 1000 / calls.reduce((n, c) => n + c.seconds, 0);
    await pipeline.stop();
    await speech.close();
    await store.close();
  } finally {
    await database.close();
  }
  return {
    model,
    beam,
    archive: `${config.archive.format} ${config.archive.bitrateKbps} kbps`,
    calls: calls.length,
    callSeconds: round(median(calls.map((c) => c.seconds)), 1),
    rtfOneCallAtATime: latency.map((x) => round(x, 3)),
    rtfOneCallAtATimeMedian: round(median(latency), 3),
    rtfThroughput: round(throughputRtf, 3),
    werAgent: round(pooledWer(agent) * 100, 1),
    werCustomer: round(pooledWer(customer) * 100, 1),
    languageCorrect: `${languageCorrect}/${rounds}`,
  };
}

/** benchCalls in a child process (asr-calls.child.ts). */
async function callsInChild(
  dir: string,
  rounds: number,
  model: string,
  modelsDir: string,
  beam: number,
): Promise<CallsResult> {
  const { execFile } = await import('node:child_process');
  const script = new URL('./asr-calls.child.ts', import.meta.url).pathname;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        '--max-semi-space-size=32',
        '--import',
        'tsx',
        script,
        dir,
        String(rounds),
        model,
        modelsDir,
        String(beam),
      ],
      { maxBuffer: 16 * 1024 * 1024, env: process.env },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    ),
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as CallsResult;
}

async function waitFor(outcomes: OutcomeRepository, callId: string): Promise<void> {
  const until = Date.now() + 600_000;
  for (;;) {
    const o = (await outcomes.forCall(callId)).find((x) => x.stage === 'transcribe');
    if (o && o.status === 'done') return;
    if (o && (o.status === 'failed' || o.status === 'skipped'))
      throw new Error(`transcribe ${o.status}: ${o.reason}`);
    if (Date.now() > until) throw new Error(`call ${callId} was not transcribed in 10 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function run(options: { rounds?: number } = {}): Promise<AsrBenchResult> {
  const rounds = options.rounds ?? 3;
  const cores = Math.max(1, os.availableParallelism());
  const loadAverageAtStart = os.loadavg().map((x) => round(x, 2));
  const dir = await mkdtemp('/tmp/escucha-bench-asr-');
  // Benchmarks are run by hand from the command line; these variables are their only knobs.
  const env = process.env;
  const store = new ModelStore({ modelsDir: path.resolve(env.ESCUCHA_MODELS_DIR ?? './var/models') });
  const installed = (await store.installed()).filter((n) => n !== 'fixture');
  const wanted = env.ESCUCHA_BENCH_ASR_MODELS?.split(',').map((s) => s.trim()) ?? installed;
  const skipped = wanted.filter((n) => !installed.includes(n)).map((n) => `${n}: not installed`);
  // Whisper beam widths measured: greedy and the default (ESCUCHA_BENCH_ASR_BEAMS=1,3,5 for others).
  const defaultBeam = loadConfig({ env: {} }).asrBeamSize;
  const beams = env.ESCUCHA_BENCH_ASR_BEAMS?.split(',').map(Number) ?? [...new Set([1, defaultBeam])];
  try {
    const sets = [
      await prepare('fleurs-es', 'es', await speechClips({ language: 'es', kind: 'fleurs' })),
      await prepare('fleurs-en', 'en', await speechClips({ language: 'en', kind: 'fleurs' })),
      await prepare('earnings22-en', 'en', await speechClips({ language: 'en', kind: 'earnings22' })),
    ];
    const models: ModelResult[] = [];
    // ESCUCHA_BENCH_ASR_CALLS_ONLY=1 measures only the calls.
    for (const name of wanted.filter((n) => installed.includes(n) && !env.ESCUCHA_BENCH_ASR_CALLS_ONLY)) {
      const whisper = engineOf((await store.entry(name)).family) === 'whisper';
      for (const beam of whisper ? beams : [1]) {
        models.push(await benchModel(store, name, sets, cores, rounds, beam));
        console.error(JSON.stringify(models.at(-1)));
      }
    }
    const calls: CallsResult[] = [];
    for (const name of wanted.filter((n) => installed.includes(n))) {
      if (engineOf((await store.entry(name)).family) !== 'whisper') continue;
      for (const beam of beams) {
        calls.push(await callsInChild(dir, rounds, name, store.modelsDir, beam));
        console.error(JSON.stringify(calls.at(-1)));
      }
    }
    return { cores, loadAverageAtStart, models, calls, skipped };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

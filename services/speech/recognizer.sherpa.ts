import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { ResolvedModel } from './model-store.ts';
import type {
  RecognizedWord,
  SpeechRecognizer,
  TranscribeOptions,
  TranscribedSegment,
} from './recognizer.ts';
import type { SegmentAudio } from './segments.ts';
import type { SherpaOfflineResult } from './sherpa.native.ts';
import { WorkerPool } from './worker-pool.ts';
import { backgroundCores } from '../platform/worker-thread.ts';

export interface Recognition {
  text: string;
  /** Word timings relative to the start of the samples given; null when the model gives no token timestamps. */
  words: RecognizedWord[] | null;
  /** Mean token probability where the model reports token log-probabilities; else null. */
  confidence: number | null;
  /** Language the model reports (SenseVoice, Whisper auto), else null. */
  language: string | null;
}

/** sherpa-onnx OfflineRecognizer configuration for an installed model, per family. */
export function recognizerConfig(
  model: ResolvedModel,
  options: { language?: string | null; numThreads?: number } = {},
): object {
  const p = model.paths;
  const need = (role: keyof typeof p): string => {
    const v = p[role];
    if (!v)
      throw new EscuchaError(
        'CONFIG_INVALID',
        `model ${model.name} has no ${role} file in its manifest entry`,
      );
    return v;
  };
  const family = model.entry.family;
  let modelConfig: Record<string, unknown>;
  switch (family) {
    case 'whisper':
      throw new EscuchaError(
        'CONFIG_INVALID',
        `model ${model.name} is a Whisper model: Escucha's Whisper engine runs it`,
      );
    case 'transducer':
      modelConfig = {
        transducer: { encoder: need('encoder'), decoder: need('decoder'), joiner: need('joiner') },
        ...(model.entry.modelType ? { modelType: model.entry.modelType } : {}),
      };
      break;
    case 'zipformer-ctc':
      modelConfig = { zipformerCtc: { model: need('model') } };
      break;
    case 'nemo-ctc':
      modelConfig = { nemoCtc: { model: need('model') } };
      break;
    case 'sense-voice':
      modelConfig = {
        senseVoice: {
          model: need('model'),
          language: options.language ?? 'auto',
          useInverseTextNormalization: 1,
        },
      };
      break;
    case 'paraformer':
      modelConfig = { paraformer: { model: need('model') } };
      break;
  }
  return {
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      ...modelConfig,
      tokens: need('tokens'),
      numThreads: options.numThreads ?? 1,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: 'greedy_search',
  };
}

const SPECIAL_TOKEN = /^<\|.*\|>$|^<(blk|blank|eps|unk|s|\/s|sil)>$/i;
const WORD_START = '\u2581';

function normalizeText(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  // LibriSpeech-style models answer in capitals; store calls in ordinary case.
  return /\p{L}/u.test(t) && t === t.toUpperCase() ? t.toLowerCase() : t;
}

/** Builds words from token timestamps: a token starting with ▁ begins a word. */
function wordsFrom(
  result: SherpaOfflineResult,
  text: string,
  durationMs: number,
  lower: boolean,
): RecognizedWord[] | null {
  const tokens = result.tokens ?? [];
  const times = result.timestamps ?? [];
  if (tokens.length === 0 || times.length !== tokens.length) return null;
  const durations = result.durations?.length === tokens.length ? result.durations : null;
  const words: RecognizedWord[] = [];
  let current: { word: string; start: number; end: number } | null = null;
  const close = () => {
    if (current && current.word) {
      const startMs = Math.max(0, Math.round(current.start * 1000));
      const endMs = Math.min(durationMs, Math.max(startMs + 40, Math.round(current.end * 1000)));
      words.push({ word: current.word, startMs, endMs: Math.max(endMs, startMs) });
    }
    current = null;
  };
  tokens.forEach((token, i) => {
    if (SPECIAL_TOKEN.test(token)) return;
    const t = times[i]!;
    const end = t + (durations && durations[i]! > 0 ? durations[i]! : 0.04);
    const startsWord = token.startsWith(WORD_START) || token.startsWith(' ');
    const piece = token.replace(/^[\u2581 ]+/, '');
    if (startsWord || !current) {
      close();
      current = { word: piece, start: t, end };
    } else {
      if (!current.word) current.start = t; // a bare ▁ token marks the boundary; the word starts with its letters
      current.word += piece;
      current.end = end;
    }
    if (!piece && startsWord) current = { word: '', start: t, end };
  });
  close();
  // Byte-level or otherwise unusual vocabularies do not spell the text token by token: no words then.
  if (words.map((w) => w.word).join(' ') !== text) return null;
  return lower ? words.map((w) => ({ ...w, word: w.word.toLowerCase() })) : words;
}

function confidenceFrom(result: SherpaOfflineResult): number | null {
  const lp = result.ys_log_probs;
  if (!lp || lp.length === 0) return null;
  const mean = lp.reduce((a, b) => a + b, 0) / lp.length;
  if (!Number.isFinite(mean)) return null;
  return Math.min(1, Math.max(0, Math.exp(mean)));
}

function languageFrom(result: SherpaOfflineResult): string | null {
  const m = /^<\|([a-z]{2,3})\|>$/.exec(result.lang ?? '') ?? /^([a-z]{2,3})$/.exec(result.lang ?? '');
  return m ? m[1]! : null;
}

/** Turns sherpa's raw result into Escucha's Recognition. */
export function toRecognition(result: SherpaOfflineResult, durationMs: number): Recognition {
  const raw = (result.text ?? '').replace(/\s+/g, ' ').trim();
  const text = normalizeText(raw);
  return {
    text,
    words: text ? wordsFrom(result, raw, durationMs, text !== raw) : [],
    confidence: text ? confidenceFrom(result) : null,
    language: languageFrom(result),
  };
}

export interface SherpaRecognizerOptions {
  model: ResolvedModel;
  /** For Whisper and SenseVoice: the language to transcribe (null = let the model decide). */
  language?: string | null;
  /** Worker threads, each with its own copy of the model; one per core (of `cpus` when given) by default. */
  workers?: number;
  /** The CPUs recognition is kept to (ESCUCHA_RECOGNITION_CPUS); all by default. */
  cpus?: string | null;
  logger?: Logger;
}

interface AsrRequest {
  samples: Float32Array;
  sampleRate: number;
}

export const SHERPA_WORKER_SCRIPT = new URL('./sherpa.worker.js', import.meta.url);

/**
 * sherpa-onnx OfflineRecognizer behind a pool of worker threads, so decoding never blocks the event loop and a call's
 * segments are decoded on every core. Each worker runs the model with one intra-op thread.
 */
export class SherpaRecognizer implements SpeechRecognizer {
  readonly model: string;
  private readonly pool: WorkerPool<AsrRequest, SherpaOfflineResult>;

  constructor(options: SherpaRecognizerOptions) {
    this.model = options.model.label;
    const size = options.workers && options.workers > 0 ? options.workers : backgroundCores(options.cpus);
    this.pool = new WorkerPool({
      script: SHERPA_WORKER_SCRIPT,
      size,
      workerData: {
        kind: 'asr',
        config: recognizerConfig(options.model, { language: options.language ?? null, numThreads: 1 }),
      },
      name: `speech recognizer ${options.model.label}`,
      cpus: options.cpus ?? null,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  get workerCrashes(): number {
    return this.pool.crashCount;
  }

  /** Each speech segment on its own (sherpa's models take ≤ ~20 s clips), up to two per worker in flight. */
  async transcribe(
    audio: AsyncIterable<SegmentAudio>,
    options: TranscribeOptions,
  ): Promise<TranscribedSegment[]> {
    const out: TranscribedSegment[] = [];
    const running = new Set<Promise<void>>();
    let failure: unknown = null;
    for await (const a of audio) {
      if (failure) break;
      while (running.size >= this.pool.size * 2) await Promise.race(running);
      const p: Promise<void> = this.recognize(a.samples, options.sampleRate).then(
        (r) => {
          if (!r.text) return;
          out.push({
            startMs: a.segment.startMs,
            endMs: a.segment.endMs,
            text: r.text,
            confidence: r.confidence,
            words:
              r.words?.map((w) => ({
                word: w.word,
                startMs: Math.round(a.offsetMs + w.startMs),
                endMs: Math.round(a.offsetMs + w.endMs),
              })) ?? null,
          });
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      const tracked = p.finally(() => running.delete(tracked));
      running.add(tracked);
    }
    await Promise.all(running);
    if (failure) throw failure;
    return out.sort((x, y) => x.startMs - y.startMs);
  }

  /** One clip (≤ ~20 s) of mono float PCM. */
  async recognize(samples: Float32Array, sampleRate: number): Promise<Recognition> {
    const durationMs = (samples.length * 1000) / sampleRate;
    if (samples.length === 0) return { text: '', words: [], confidence: null, language: null };
    // Transfer (not copy) the samples; copy first when they are a view into a larger buffer.
    const own =
      samples.byteOffset === 0 &&
      samples.byteLength === samples.buffer.byteLength &&
      samples.buffer instanceof ArrayBuffer;
    const data = own ? samples : samples.slice();
    const result = await this.pool.run({ samples: data, sampleRate }, [data.buffer as ArrayBuffer]);
    return toRecognition(result, durationMs);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

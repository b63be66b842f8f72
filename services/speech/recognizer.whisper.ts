import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { ResolvedModel } from './model-store.ts';
import type {
  LanguageDetection,
  SpeechRecognizer,
  TranscribeOptions,
  TranscribedSegment,
} from './recognizer.ts';
import type { SegmentAudio } from './segments.ts';
import {
  remainderAfter,
  toCallMs,
  pieceAt,
  WindowPacker,
  type PackedWindow,
  type PieceInput,
} from './whisper/packing.ts';
import { WHISPER_SAMPLE_RATE, WINDOW_SAMPLES } from './whisper/vocabulary.ts';
import { windowKey, type WindowRequest, type WindowResult } from './whisper/window-decoder.ts';
import type { WhisperWorkerData } from './whisper/whisper.worker.ts';
import { WorkerPool } from './worker-pool.ts';
import { backgroundCores, workerModule } from '../platform/worker-thread.ts';

export const WHISPER_WORKER_SCRIPT = workerModule('./whisper/whisper.worker', import.meta.url);

/** Silence between packed speech segments: long enough for Whisper to close a segment there. */
const GAP_SECONDS = 0.4;
/**
 * Speech packed into one window, at most. Whisper learnt on 30 s windows that cut speech off at their end, and it
 * tends to leave out the words it hears right at the end of a window; a few seconds of silence after the last
 * piece let it hear that the speech has ended.
 */
const WINDOW_CONTENT_SECONDS = 28;
/** Speech a decode left out is decoded again (once) when at least this much of it remains. */
const RETRY_MIN_SECONDS = 1;

export interface WhisperRecognizerOptions {
  model: ResolvedModel;
  /** Worker threads, each with its own copy of the model; one per core (of `cpus` when given) by default. */
  workers?: number;
  /** The CPUs recognition is kept to (ESCUCHA_RECOGNITION_CPUS); all by default. */
  cpus?: string | null;
  /** onnxruntime intra-op threads per worker; cores / workers by default, so workers never contend. */
  threads?: number;
  /** Derive word times from the cross-attention (when the export returns it). Default true. */
  words?: boolean;
  /** Pack consecutive speech segments into shared windows (default); false gives each segment its own window. */
  pack?: boolean;
  /** Beam search with this many sequences (ESCUCHA_ASR_BEAM_SIZE); 1 decodes greedily. */
  beamSize?: number;
  logger?: Logger;
}

/**
 * OpenAI Whisper (an ONNX export in the Hugging Face layout) on onnxruntime-node, with transformers.js's tokenizer and
 * log-mel features, in a pool of worker threads. A channel's speech segments are packed into 30 s windows, decoded
 * greedily with the language forced (transcribe, never translate), and Whisper's timestamps map the text back to the
 * call's clock; word times come from the cross-attention of the alignment heads.
 */
export class WhisperRecognizer implements SpeechRecognizer {
  readonly model: string;
  readonly windowed = true;
  private readonly pool: WorkerPool<WindowRequest, WindowResult>;
  private readonly words: boolean;
  private readonly pack: boolean;
  private readonly beamSize: number;
  private readonly logger: Logger | undefined;

  constructor(options: WhisperRecognizerOptions) {
    this.model = options.model.label;
    const cores = backgroundCores(options.cpus);
    const size = options.workers && options.workers > 0 ? options.workers : cores;
    const threads = options.threads ?? Math.max(1, Math.floor(cores / size));
    const { encoder, decoder } = options.model.paths;
    if (!encoder || !decoder) {
      throw new EscuchaError('MODEL_INVALID', `model ${options.model.name} lacks its encoder or decoder`);
    }
    const workerData: WhisperWorkerData = {
      dir: options.model.dir,
      encoderPath: encoder,
      decoderPath: decoder,
      threads,
    };
    this.words = options.words ?? true;
    this.pack = options.pack ?? true;
    this.beamSize = options.beamSize ?? 1;
    this.logger = options.logger;
    this.pool = new WorkerPool({
      script: WHISPER_WORKER_SCRIPT,
      size,
      workerData,
      name: `speech recognizer ${options.model.label}`,
      cpus: options.cpus ?? null,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  get workers(): number {
    return this.pool.size;
  }

  get workerCrashes(): number {
    return this.pool.crashCount;
  }

  /** Resolves once the model is loaded in a worker (rejects when it cannot be). */
  async ready(): Promise<void> {
    await this.pool.ready();
  }

  private packer(): WindowPacker {
    return new WindowPacker({
      sampleRate: WHISPER_SAMPLE_RATE,
      windowSamples: Math.min(WINDOW_SAMPLES, WINDOW_CONTENT_SECONDS * WHISPER_SAMPLE_RATE),
      gapSamples: Math.round(GAP_SECONDS * WHISPER_SAMPLE_RATE),
      raiseQuiet: true,
    });
  }

  private run(request: Omit<WindowRequest, 'key' | 'samples' | 'contentSeconds'>, window: PackedWindow) {
    const samples = window.samples.slice();
    const key = windowKey(samples);
    const contentSeconds = samples.length / WHISPER_SAMPLE_RATE;
    return this.pool.run({ ...request, key, samples, contentSeconds }, [samples.buffer], { affinity: key });
  }

  private checkRate(sampleRate: number): void {
    if (sampleRate !== WHISPER_SAMPLE_RATE) {
      throw new EscuchaError('ASR_FAILED', `Whisper takes 16 kHz audio, got ${sampleRate} Hz`);
    }
  }

  async transcribe(
    audio: AsyncIterable<SegmentAudio>,
    options: TranscribeOptions,
  ): Promise<TranscribedSegment[]> {
    this.checkRate(options.sampleRate);
    const language = options.language;
    if (!language) throw new EscuchaError('ASR_FAILED', 'Whisper transcription needs the call language');
    const out: TranscribedSegment[] = [];
    const running = new Set<Promise<void>>();
    let failure: unknown = null;
    const limit = this.pool.size + 1;

    const submit = (window: PackedWindow): void => {
      const p: Promise<void> = this.run(
        { task: 'transcribe', language, words: this.words, beamSize: this.beamSize },
        window,
      ).then(
        (result) => {
          this.logger?.debug(
            {
              pieces: window.pieces.length,
              contentSeconds: window.samples.length / WHISPER_SAMPLE_RATE,
              segments: result.segments.length,
              consumedSeconds: result.consumedSeconds,
              noSpeechProb: result.noSpeechProb,
              temperature: result.temperature,
              silence: result.silence,
              unreadable: result.unreadable,
              encoderCached: result.encoderCached,
              timing: result.timing,
            },
            'whisper window decoded',
          );
          out.push(...mapSegments(window, result));
          if (result.silence || result.unreadable) return;
          // Whisper stopped before the end of the window (token limit, a loop), or ended after some speech as if
          // the rest were silence: the pieces it never reached are decoded once more on their own.
          // Where the speech it wrote ends: its last word when word times are known (a segment's closing timestamp
          // sometimes claims the silence and the pieces after it too).
          const reached = Math.max(0, ...result.segments.map((s) => s.words?.at(-1)?.end ?? s.end));
          const from =
            result.segments.length > 0 ? Math.min(result.consumedSeconds, reached) : result.consumedSeconds;
          const rest = remainderAfter(window, from, result.consumedSeconds > reached).filter(
            (r) => (r.retries ?? 0) <= 1,
          );
          const left = rest.reduce((n, r) => n + r.samples.length, 0) / WHISPER_SAMPLE_RATE;
          if (left < RETRY_MIN_SECONDS) return;
          const again = this.packer();
          const windows = rest.flatMap((r: PieceInput) => again.push(r));
          const last = again.flush();
          if (last) windows.push(last);
          this.logger?.debug(
            { consumed: result.consumedSeconds, reached, left, windows: windows.length },
            'whisper left speech undecoded; decoding it again',
          );
          for (const w of windows) track(w);
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      const tracked = p.finally(() => running.delete(tracked));
      running.add(tracked);
    };
    const track = (window: PackedWindow) => {
      if (window.pieces.every((p) => p.retries > 1)) return;
      submit(window);
    };

    const packer = this.packer();
    for await (const segment of audio) {
      if (failure) break;
      const closed = packer.push({
        index: segment.index,
        samples: segment.samples,
        callOffsetMs: segment.offsetMs,
      });
      if (!this.pack) closed.push(...[packer.flush()].filter((w): w is PackedWindow => w !== null));
      for (const w of closed) {
        while (running.size >= limit) await Promise.race(running);
        track(w);
      }
    }
    const last = packer.flush();
    if (last && !failure) track(last);
    while (running.size > 0) await Promise.all(running);
    if (failure) throw failure;
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * Spoken-language identification on the first window of speech of one channel (the same window transcription
   * starts with, so the worker that keeps its encoding decodes it without encoding it again).
   */
  async detectLanguage(
    audio: AsyncIterable<SegmentAudio>,
    languages: readonly string[],
    sampleRate: number,
  ): Promise<LanguageDetection | null> {
    this.checkRate(sampleRate);
    const packer = this.packer();
    let window: PackedWindow | null = null;
    for await (const segment of audio) {
      const closed = packer.push({
        index: segment.index,
        samples: segment.samples,
        callOffsetMs: segment.offsetMs,
      });
      if (closed.length > 0) {
        window = closed[0]!;
        break;
      }
    }
    window ??= packer.flush();
    if (!window) return null;
    const result = await this.run({ task: 'detect', languages }, window);
    const speechSeconds = window.pieces.reduce((n, p) => n + p.length, 0) / WHISPER_SAMPLE_RATE;
    return { probabilities: result.languages ?? {}, noSpeechProbability: result.noSpeechProb, speechSeconds };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Whisper's segments of one window on the call's clock. With word times, a segment that runs over several packed
 * pieces is split at the pieces (each part belongs to one stretch of the call); without, it keeps Whisper's span.
 */
export function mapSegments(window: PackedWindow, result: WindowResult): TranscribedSegment[] {
  const out: TranscribedSegment[] = [];
  for (const s of result.segments) {
    if (s.words && s.words.length > 0) {
      let group: { piece: number; words: NonNullable<TranscribedSegment['words']>; logp: number } | null =
        null;
      const close = () => {
        if (!group || group.words.length === 0) return;
        out.push({
          startMs: group.words[0]!.startMs,
          endMs: group.words[group.words.length - 1]!.endMs,
          text: group.words.map((w) => w.word).join(' '),
          confidence: round3(Math.exp(group.logp / group.words.length)),
          words: group.words,
        });
      };
      for (const w of s.words) {
        const mid = (w.start + w.end) / 2;
        const piece = pieceAt(window, mid, 'start');
        const startMs = Math.round(
          toCallMs(window, Math.max(w.start, piece.start / window.sampleRate), 'start'),
        );
        const pieceEnd = (piece.start + piece.length) / window.sampleRate;
        const endMs = Math.max(startMs, Math.round(toCallMs(window, Math.min(w.end, pieceEnd), 'end')));
        if (!group || group.piece !== piece.start) {
          close();
          group = { piece: piece.start, words: [], logp: 0 };
        }
        group.words.push({ word: w.word, startMs, endMs });
        group.logp += Math.log(Math.max(1e-6, w.probability));
      }
      close();
    } else {
      const startMs = Math.round(toCallMs(window, s.start, 'start'));
      out.push({
        startMs,
        endMs: Math.max(startMs, Math.round(toCallMs(window, s.end, 'end'))),
        text: s.text,
        confidence: round3(Math.exp(s.avgLogprob)),
        words: null,
      });
    }
  }
  return out;
}

function round3(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 1000) / 1000;
}

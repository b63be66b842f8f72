import { VAD_SAMPLE_RATE } from '../speech/vad.sherpa.ts';

/**
 * Cuts one party's audio of a call in progress into utterances as it arrives: the audio (16-bit PCM at the stream's
 * rate, each stretch with its position on the stream's timeline) is brought to 16 kHz, gaps are filled with silence,
 * and a streaming voice-activity detector (Silero through sherpa-onnx, the model the vad stage uses) says where speech
 * starts and ends. Each utterance is handed on, with its audio, as soon as the detector closes it (a pause of
 * `minSilenceMs`, or `maxSpeechMs` of speech without one). Times are in ms on the stream's own timeline (its position
 * 0); the caller puts them on the call's clock. Runs in the live VAD worker thread (vad.worker.ts), never on capture's.
 */

/** The slice of sherpa-onnx's streaming Vad the segmenter uses (services/speech/sherpa.native.ts). */
export interface StreamingVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  isDetected(): boolean;
  front(enableExternalBuffer?: boolean): { start: number; samples: Float32Array };
  pop(): void;
  flush(): void;
}

export interface Utterance {
  /** On the stream's timeline, in ms. */
  startMs: number;
  endMs: number;
  /** 16 kHz mono. */
  samples: Float32Array;
}

export interface SegmenterOptions {
  /** A new detector (one per run of audio: a long gap starts another). */
  createVad: () => StreamingVad;
  /** A gap longer than this closes the current run instead of being fed as silence. Default 5 s. */
  maxGapMs?: number;
}

/** Silero's window at 16 kHz: sherpa decides once per call of acceptWaveform, so it is fed exactly one at a time. */
const WINDOW = 512;

export class UtteranceSegmenter {
  private vad: StreamingVad | null = null;
  /** Where the current run starts on the stream's timeline, in 16 kHz samples. */
  private runStart = 0;
  /** The next sample expected, in 16 kHz samples on the stream's timeline (null before any audio). */
  private next: number | null = null;
  private readonly window = new Float32Array(WINDOW);
  private filled = 0;
  private readonly maxGap: number;

  constructor(private readonly options: SegmenterOptions) {
    this.maxGap = Math.round(((options.maxGapMs ?? 5000) * VAD_SAMPLE_RATE) / 1000);
  }

  /** Audio processed so far, in ms on the stream's timeline (0 before any). */
  get processedMs(): number {
    return this.next === null ? 0 : Math.round((this.next * 1000) / VAD_SAMPLE_RATE);
  }

  /** Whether the detector is inside speech now (an utterance is open). */
  get speaking(): boolean {
    return this.vad?.isDetected() ?? false;
  }

  /** A stretch of audio; returns the utterances it closed. */
  push(samples: Int16Array, sampleRate: number, position: number): Utterance[] {
    const out: Utterance[] = [];
    const start = Math.round((position * VAD_SAMPLE_RATE) / sampleRate);
    const pcm = toVadRate(samples, sampleRate);
    if (this.next === null || start - this.next > this.maxGap || start < this.next - this.maxGap) {
      // First audio, a long gap (hold, a pause of the recording), or a stream that went back: a new run.
      if (this.vad) this.closeRun(out);
      this.vad = this.options.createVad();
      this.runStart = start;
      this.next = start;
      this.filled = 0;
    }
    if (start > this.next) this.feedSilence(start - this.next, out);
    // Audio that overlaps what was fed already (a stretch played out again) is skipped.
    const skip = Math.max(0, this.next - start);
    if (skip < pcm.length) this.feed(skip === 0 ? pcm : pcm.subarray(skip), out);
    return out;
  }

  /** The stream ended: the speech still open is closed and returned. */
  end(): Utterance[] {
    const out: Utterance[] = [];
    if (this.vad) this.closeRun(out);
    this.vad = null;
    return out;
  }

  private closeRun(out: Utterance[]): void {
    const vad = this.vad!;
    if (this.filled > 0) {
      this.window.fill(0, this.filled);
      vad.acceptWaveform(this.window);
      this.filled = 0;
    }
    vad.flush();
    this.drain(out);
  }

  private feedSilence(n: number, out: Utterance[]): void {
    const zeros = new Float32Array(Math.min(n, 16_000));
    let left = n;
    while (left > 0) {
      const k = Math.min(left, zeros.length);
      this.feed(k === zeros.length ? zeros : zeros.subarray(0, k), out);
      left -= k;
    }
  }

  private feed(pcm: Float32Array, out: Utterance[]): void {
    const vad = this.vad!;
    let i = 0;
    while (i < pcm.length) {
      const n = Math.min(WINDOW - this.filled, pcm.length - i);
      this.window.set(pcm.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === WINDOW) {
        vad.acceptWaveform(this.window);
        this.filled = 0;
        this.drain(out);
      }
    }
    this.next! += pcm.length;
  }

  private drain(out: Utterance[]): void {
    const vad = this.vad!;
    while (!vad.isEmpty()) {
      const s = vad.front(false);
      const at = this.runStart + s.start;
      const startMs = Math.round((at * 1000) / VAD_SAMPLE_RATE);
      const endMs = Math.round(((at + s.samples.length) * 1000) / VAD_SAMPLE_RATE);
      if (endMs > startMs) out.push({ startMs, endMs, samples: Float32Array.from(s.samples) });
      vad.pop();
    }
  }
}

/** 16-bit PCM at `rate` as float samples at 16 kHz (linear interpolation; telephone audio is 8 kHz). */
export function toVadRate(samples: Int16Array, rate: number): Float32Array {
  if (rate === VAD_SAMPLE_RATE) {
    const out = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]! / 32768;
    return out;
  }
  const n = Math.round((samples.length * VAD_SAMPLE_RATE) / rate);
  const out = new Float32Array(n);
  const step = rate / VAD_SAMPLE_RATE;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const k = Math.floor(x);
    const a = samples[k] ?? 0;
    const b = samples[k + 1] ?? a;
    out[i] = (a + (b - a) * (x - k)) / 32768;
  }
  return out;
}

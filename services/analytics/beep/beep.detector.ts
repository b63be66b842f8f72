import { energyOf, Framer, goertzelCoefficient, goertzelPower, shareOf } from '../tones/goertzel.ts';

/**
 * Recording-notice beep detection over 16 kHz mono Float32 PCM. Some jurisdictions and carriers signal recording
 * with a periodic tone (e.g. 1400 Hz every 15 s) instead of, or besides, a spoken notice.
 *
 * Frames of `frameMs` are tested with the Goertzel algorithm at the target frequency: a frame is "tone" when its
 * energy is above a floor and most of it sits at that frequency. Consecutive tone frames make a beep when they last
 * at least `minDurationMs`. The beeps are regular when the gaps between them match `intervalMs` within
 * `toleranceMs`, with none missing.
 *
 * `BeepTracker` takes the audio in chunks of any size (as a decoder streams it), so a long call is never held in
 * memory; `detectBeeps` is the same over one array.
 */

export interface BeepOptions {
  sampleRate?: number;
  frequencyHz?: number;
  /** Frame length (default 20 ms). */
  frameMs?: number;
  minDurationMs?: number;
  maxDurationMs?: number;
  /** Share of the frame's energy at the target frequency (0–1, default 0.4). */
  minToneRatio?: number;
  /** RMS below this is silence (default 0.005, about −46 dBFS). */
  minRms?: number;
  /** Expected period of a regular beep (default 15 s) and allowed deviation (default 1.5 s). */
  intervalMs?: number;
  toleranceMs?: number;
}

export interface Beep {
  startMs: number;
  endMs: number;
  /** Mean tone ratio of its frames. */
  strength: number;
}

export interface BeepResult {
  frequencyHz: number;
  beeps: Beep[];
  intervalsMs: number[];
  /** At least two beeps, every gap within tolerance of the interval (none missing). */
  regular: boolean;
  /**
   * The tone sounds for the whole call: the first beep within one interval (plus tolerance) of the start, every gap
   * within tolerance of the interval, and the end within one interval (plus tolerance) of the last beep. A call
   * shorter than one interval needs one beep.
   */
  throughout: boolean;
  meanIntervalMs: number | null;
  /** Audio examined. */
  durationMs: number;
}

/** Streaming beep detection: `push` chunks of PCM in order, then `finish`. */
export class BeepTracker {
  private readonly sampleRate: number;
  private readonly freq: number;
  private readonly frameMs: number;
  private readonly minDur: number;
  private readonly maxDur: number;
  private readonly minRatio: number;
  private readonly minRms: number;
  private readonly interval: number;
  private readonly tolerance: number;
  /** Samples per frame. */
  private readonly n: number;
  private readonly coeff: number;
  private readonly framer: Framer;
  private readonly onFrame = (x: Float32Array, from: number): void => this.test(x, from);
  private frame = 0;
  private runStart = -1;
  private runFrames = 0;
  private runSum = 0;
  private readonly beeps: Beep[] = [];

  constructor(options: BeepOptions = {}) {
    this.sampleRate = options.sampleRate ?? 16_000;
    this.freq = options.frequencyHz ?? 1400;
    this.frameMs = options.frameMs ?? 20;
    this.minDur = options.minDurationMs ?? 150;
    this.maxDur = options.maxDurationMs ?? 2000;
    this.minRatio = options.minToneRatio ?? 0.4;
    this.minRms = options.minRms ?? 0.005;
    this.interval = options.intervalMs ?? 15_000;
    this.tolerance = options.toleranceMs ?? 1500;
    this.n = Math.max(16, Math.round((this.sampleRate * this.frameMs) / 1000));
    this.coeff = goertzelCoefficient(this.freq, this.sampleRate);
    this.framer = new Framer(this.n);
  }

  push(pcm: Float32Array): void {
    this.framer.push(pcm, this.onFrame);
  }

  finish(): BeepResult {
    this.close(this.frame);
    const beeps = this.beeps;
    const durationMs = Math.round(((this.frame * this.n + this.framer.pending) * 1000) / this.sampleRate);
    const intervalsMs = beeps.slice(1).map((b, i) => b.startMs - beeps[i]!.startMs);
    const inTolerance = (d: number) => Math.abs(d - this.interval) <= this.tolerance;
    const regular = intervalsMs.length >= 1 && intervalsMs.every(inTolerance);
    const reach = this.interval + this.tolerance;
    const first = beeps[0];
    const last = beeps[beeps.length - 1];
    const throughout =
      first !== undefined &&
      last !== undefined &&
      first.startMs <= reach &&
      intervalsMs.every(inTolerance) &&
      durationMs - last.startMs <= reach;
    const meanIntervalMs = intervalsMs.length
      ? Math.round(intervalsMs.reduce((a, b) => a + b, 0) / intervalsMs.length)
      : null;
    return {
      frequencyHz: this.freq,
      beeps: [...beeps],
      intervalsMs,
      regular,
      throughout,
      meanIntervalMs,
      durationMs,
    };
  }

  private test(x: Float32Array, from: number): void {
    const n = this.n;
    const energy = energyOf(x, from, n);
    const f = this.frame++;
    const loud = Math.sqrt(energy / n) >= this.minRms;
    const ratio = loud ? shareOf(goertzelPower(x, from, n, this.coeff), energy, n) : 0;
    if (loud && ratio >= this.minRatio) {
      if (this.runStart < 0) {
        this.runStart = f;
        this.runFrames = 0;
        this.runSum = 0;
      }
      this.runFrames++;
      this.runSum += ratio;
    } else this.close(f);
  }

  private close(endFrame: number): void {
    if (this.runStart < 0) return;
    const startMs = (this.runStart * this.frameMs) | 0;
    const endMs = (endFrame * this.frameMs) | 0;
    const dur = endMs - startMs;
    if (dur >= this.minDur && dur <= this.maxDur)
      this.beeps.push({ startMs, endMs, strength: Math.round((this.runSum / this.runFrames) * 1000) / 1000 });
    this.runStart = -1;
  }
}

export function detectBeeps(pcm: Float32Array, options: BeepOptions = {}): BeepResult {
  const tracker = new BeepTracker(options);
  tracker.push(pcm);
  return tracker.finish();
}

/** Detects beeps over a stream of PCM chunks (e.g. a channel as the decoder streams it). */
export async function detectBeepsInStream(
  audio: AsyncIterable<Float32Array>,
  options: BeepOptions = {},
): Promise<BeepResult> {
  const tracker = new BeepTracker(options);
  for await (const chunk of audio) tracker.push(chunk);
  return tracker.finish();
}

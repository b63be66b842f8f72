/**
 * Recording-notice beep detection over 16 kHz mono Float32 PCM. Some jurisdictions and carriers signal recording
 * with a periodic tone (e.g. 1400 Hz every 15 s) instead of, or besides, a spoken notice.
 *
 * Frames of `frameMs` are tested with the Goertzel algorithm at the target frequency: a frame is "tone" when its
 * energy is above a floor and most of it sits at that frequency. Consecutive tone frames make a beep when they last
 * at least `minDurationMs`. The beeps are regular when the gaps between them match `intervalMs` within
 * `toleranceMs`, with none missing.
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
  meanIntervalMs: number | null;
}

/** Goertzel power at `freq` over x[from, from+n) divided by the frame's energy scaled so a pure tone gives ~1. */
export function toneRatio(
  x: Float32Array,
  from: number,
  n: number,
  freq: number,
  sampleRate: number,
): { ratio: number; rms: number } {
  const w = (2 * Math.PI * freq) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const v = x[from + i]!;
    energy += v * v;
    const s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  const rms = Math.sqrt(energy / n);
  if (energy <= 0) return { ratio: 0, rms: 0 };
  return { ratio: Math.min(1, (2 * power) / (n * energy)), rms };
}

export function detectBeeps(pcm: Float32Array, options: BeepOptions = {}): BeepResult {
  const sampleRate = options.sampleRate ?? 16_000;
  const freq = options.frequencyHz ?? 1400;
  const frameMs = options.frameMs ?? 20;
  const minDur = options.minDurationMs ?? 150;
  const maxDur = options.maxDurationMs ?? 2000;
  const minRatio = options.minToneRatio ?? 0.4;
  const minRms = options.minRms ?? 0.005;
  const interval = options.intervalMs ?? 15_000;
  const tolerance = options.toleranceMs ?? 1500;
  const n = Math.max(16, Math.round((sampleRate * frameMs) / 1000));
  const beeps: Beep[] = [];
  let run: { start: number; frames: number; sum: number } | undefined;
  const close = (endFrame: number) => {
    if (!run) return;
    const startMs = (run.start * frameMs) | 0;
    const endMs = (endFrame * frameMs) | 0;
    const dur = endMs - startMs;
    if (dur >= minDur && dur <= maxDur)
      beeps.push({ startMs, endMs, strength: Math.round((run.sum / run.frames) * 1000) / 1000 });
    run = undefined;
  };
  const frames = Math.floor(pcm.length / n);
  for (let f = 0; f < frames; f++) {
    const { ratio, rms } = toneRatio(pcm, f * n, n, freq, sampleRate);
    const tone = rms >= minRms && ratio >= minRatio;
    if (tone) {
      if (!run) run = { start: f, frames: 0, sum: 0 };
      run.frames++;
      run.sum += ratio;
    } else close(f);
  }
  close(frames);
  const intervalsMs = beeps.slice(1).map((b, i) => b.startMs - beeps[i]!.startMs);
  const regular = intervalsMs.length >= 1 && intervalsMs.every((d) => Math.abs(d - interval) <= tolerance);
  const meanIntervalMs = intervalsMs.length
    ? Math.round(intervalsMs.reduce((a, b) => a + b, 0) / intervalsMs.length)
    : null;
  return { frequencyHz: freq, beeps, intervalsMs, regular, meanIntervalMs };
}

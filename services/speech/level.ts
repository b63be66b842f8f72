/**
 * Levels for the voice-activity model. Silero VAD misses speech recorded 40 dB below a normal line level (some
 * recorders, handsets and conference bridges deliver that, sometimes for one speaker only), so a first pass over a
 * channel measures its level in 30 ms frames, and the pass that detects speech amplifies the stretches whose loudest
 * frames are very quiet. Stretches at a normal level are left as they are, so the gain never turns a line's noise
 * into "speech". Whisper gets the same treatment per packed stretch of speech (whisper/packing.ts).
 */

export const LEVEL_FRAME = 480; // 30 ms at 16 kHz
/** Stretches whose loud frames are below this get amplified… */
const QUIET_DBFS = -35;
/** …to about this level, at most by MAX_GAIN_DB. */
const TARGET_DBFS = -25;
const MAX_GAIN_DB = 30;
/** Frames on each side that decide a frame's gain (±1.5 s). */
const HALF_WINDOW = 50;

export class SpeechLevelMeter {
  private readonly levels: number[] = [];
  private sum = 0;
  private n = 0;

  push(pcm: Float32Array): void {
    for (let i = 0; i < pcm.length; i++) {
      this.sum += pcm[i]! * pcm[i]!;
      if (++this.n === LEVEL_FRAME) {
        this.levels.push(10 * Math.log10(this.sum / LEVEL_FRAME + 1e-12));
        this.sum = 0;
        this.n = 0;
      }
    }
  }

  /** The level of the loudest tenth of the frames (dBFS): the speech, when the party speaks at all. */
  levelDbfs(): number | null {
    if (this.levels.length === 0) return null;
    const sorted = [...this.levels].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length * 0.9)]!;
  }

  /**
   * Gain (dB) per frame: from the loudest tenth of the frames within ±1.5 s, 0 unless that is below −35 dBFS, then
   * up to +30 dB towards −25 dBFS.
   */
  gainCurve(): Float32Array {
    const n = this.levels.length;
    const out = new Float32Array(n);
    const window: number[] = [];
    for (let f = 0; f < n; f++) {
      window.length = 0;
      for (let k = Math.max(0, f - HALF_WINDOW); k <= Math.min(n - 1, f + HALF_WINDOW); k++)
        window.push(this.levels[k]!);
      window.sort((a, b) => a - b);
      const loud = window[Math.floor(window.length * 0.9)]!;
      out[f] = loud >= QUIET_DBFS || loud < -100 ? 0 : Math.min(MAX_GAIN_DB, TARGET_DBFS - loud);
    }
    return out;
  }
}

/** Gain (dB) for one stretch of speech: 0 at a normal level; a quiet one (loud frames below −35 dBFS) raised. */
export function quietGainDb(samples: Float32Array): number {
  const meter = new SpeechLevelMeter();
  meter.push(samples);
  const loud = meter.levelDbfs();
  return loud === null || loud >= QUIET_DBFS || loud < -100 ? 0 : Math.min(MAX_GAIN_DB, TARGET_DBFS - loud);
}

/** The chunks with the per-frame gain (dB) applied, interpolated between frames (copies; the input is unchanged). */
export async function* amplified(
  audio: AsyncIterable<Float32Array>,
  gainDb: Float32Array,
): AsyncIterable<Float32Array> {
  const anyGain = gainDb.some((g) => g !== 0);
  let pos = 0;
  for await (const chunk of audio) {
    if (!anyGain) {
      yield chunk;
      continue;
    }
    const out = new Float32Array(chunk.length);
    for (let i = 0; i < chunk.length; i++, pos++) {
      const f = pos / LEVEL_FRAME - 0.5;
      const a = Math.max(0, Math.min(gainDb.length - 1, Math.floor(f)));
      const b = Math.min(gainDb.length - 1, a + 1);
      const t = Math.max(0, Math.min(1, f - a));
      const db = gainDb.length === 0 ? 0 : gainDb[a]! * (1 - t) + gainDb[b]! * t;
      out[i] = Math.max(-1, Math.min(1, chunk[i]! * 10 ** (db / 20)));
    }
    yield out;
  }
}

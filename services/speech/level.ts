/**
 * Levels for the voice-activity model. Silero VAD misses speech recorded 40 dB below a normal line level (some
 * recorders, handsets and conference bridges deliver that, sometimes for one speaker only), so a channel's level is
 * measured in 30 ms frames as it is decoded, and the audio reaches the voice-activity model 1.5 s later with the
 * stretches whose loudest frames are very quiet amplified. Stretches at a normal level are left as they are, so the
 * gain never turns a line's noise into "speech". Whisper gets the same treatment per packed stretch of speech
 * (whisper/packing.ts).
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

  /** Frames measured so far. */
  get frames(): number {
    return this.levels.length;
  }

  /** The largest gain given so far (dB). */
  maxGainDb = 0;
  private ended = false;

  /** The audio has ended: the last frames' gains are final too. */
  end(): void {
    this.ended = true;
  }
  private readonly gains: number[] = [];
  private readonly window: number[] = [];

  /**
   * Gain (dB) of frame f: from the loudest tenth of the frames within ±1.5 s, 0 unless that is below −35 dBFS, then
   * up to +30 dB towards −25 dBFS. Final once the frames 1.5 s after it are measured (or the audio has ended).
   */
  gainAt(f: number): number {
    const known = this.gains[f];
    if (known !== undefined) return known;
    const n = this.levels.length;
    this.window.length = 0;
    for (let k = Math.max(0, f - HALF_WINDOW); k <= Math.min(n - 1, f + HALF_WINDOW); k++) {
      this.window.push(this.levels[k]!);
    }
    if (this.window.length === 0) return 0;
    this.window.sort((a, b) => a - b);
    const loud = this.window[Math.floor(this.window.length * 0.9)]!;
    const gain = loud >= QUIET_DBFS || loud < -100 ? 0 : Math.min(MAX_GAIN_DB, TARGET_DBFS - loud);
    if (this.ended || f + HALF_WINDOW < n) this.gains[f] = gain; // every frame of its window is known: final
    if (gain > this.maxGainDb) this.maxGainDb = gain;
    return gain;
  }

  /** The gain of every frame (dB), for audio that has been measured whole. */
  gainCurve(): Float32Array {
    this.end();
    return Float32Array.from({ length: this.levels.length }, (_, f) => this.gainAt(f));
  }
}

/**
 * The audio with its very quiet stretches raised, measured by `meter` as it passes and held back 1.5 s (the gain of a
 * stretch depends on the levels around it), in one pass and bounded memory. Copies: the input is not changed.
 */
export async function* raisingQuiet(
  audio: AsyncIterable<Float32Array>,
  meter: SpeechLevelMeter,
): AsyncIterable<Float32Array> {
  const held: Float32Array[] = [];
  let heldFrom = 0; // absolute index of held[0][0]
  let emitted = 0; // absolute index of the next sample to give out
  let total = 0;
  const emit = (upTo: number): Float32Array => {
    const out = new Float32Array(upTo - emitted);
    let o = 0;
    while (emitted < upTo) {
      const chunk = held[0]!;
      const from = emitted - heldFrom;
      const n = Math.min(chunk.length - from, upTo - emitted);
      for (let i = 0; i < n; i++) {
        const pos = emitted + i;
        const f = pos / LEVEL_FRAME - 0.5;
        const a = Math.max(0, Math.min(meter.frames - 1, Math.floor(f)));
        const b = Math.min(meter.frames - 1, a + 1);
        const t = Math.max(0, Math.min(1, f - a));
        const db = meter.frames === 0 ? 0 : meter.gainAt(a) * (1 - t) + meter.gainAt(b) * t;
        const x = chunk[from + i]!;
        out[o++] = db === 0 ? x : Math.max(-1, Math.min(1, x * 10 ** (db / 20)));
      }
      emitted += n;
      if (emitted - heldFrom === chunk.length) {
        held.shift();
        heldFrom += chunk.length;
      }
    }
    return out;
  };
  for await (const chunk of audio) {
    meter.push(chunk);
    held.push(chunk);
    total += chunk.length;
    // Samples whose frame and the next have their final gains.
    const ready = Math.min(total, Math.max(0, meter.frames - HALF_WINDOW - 2) * LEVEL_FRAME);
    if (ready > emitted) yield emit(ready);
  }
  meter.end();
  if (total > emitted) yield emit(total);
}

/** Gain (dB) for one stretch of speech: 0 at a normal level; a quiet one (loud frames below −35 dBFS) raised. */
export function quietGainDb(samples: Float32Array): number {
  const meter = new SpeechLevelMeter();
  meter.push(samples);
  const loud = meter.levelDbfs();
  return loud === null || loud >= QUIET_DBFS || loud < -100 ? 0 : Math.min(MAX_GAIN_DB, TARGET_DBFS - loud);
}

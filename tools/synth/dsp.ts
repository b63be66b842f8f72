/**
 * The signal processing synthetic calls need, on float samples in [-1, 1]: band-limited resampling, the
 * telephone band (300–3400 Hz), DTMF dual tones, levels, trimming, and the Goertzel filter that finds a tone.
 * Pure functions, no I/O.
 */

import { DTMF_FREQUENCIES, DTMF_HIGH_GROUP, DTMF_LOW_GROUP } from '../../services/analytics/tones/dtmf.ts';
import { goertzelCoefficient, goertzelPower as goertzel } from '../../services/analytics/tones/goertzel.ts';

export { DTMF_FREQUENCIES, DTMF_HIGH_GROUP, DTMF_LOW_GROUP } from '../../services/analytics/tones/dtmf.ts';

/** RFC 4733 event code of a DTMF key (0–9, * = 10, # = 11, A–D = 12–15). */
export function dtmfEventCode(digit: string): number {
  const code = '0123456789*#ABCD'.indexOf(digit);
  if (code < 0 || digit.length !== 1) throw new RangeError(`not a DTMF key: ${digit}`);
  return code;
}

export function dbToAmplitude(db: number): number {
  return 10 ** (db / 20);
}

export function rms(samples: ArrayLike<number>, start = 0, end = samples.length): number {
  const from = Math.max(0, start);
  const to = Math.min(samples.length, end);
  if (to <= from) return 0;
  let sum = 0;
  for (let i = from; i < to; i++) {
    const v = samples[i] ?? 0;
    sum += v * v;
  }
  return Math.sqrt(sum / (to - from));
}

/**
 * A DTMF key as two sines, each `levelDb` dBFS peak (default -9, so the pair peaks near -3 dBFS), with 4 ms
 * raised-cosine edges so the tone starts and stops without clicks.
 */
export function dtmfTone(digit: string, durationMs: number, sampleRate: number, levelDb = -9): Float32Array {
  const pair = DTMF_FREQUENCIES[digit];
  if (!pair) throw new RangeError(`not a DTMF key: ${digit}`);
  const n = Math.round((durationMs * sampleRate) / 1000);
  const out = new Float32Array(n);
  const a = dbToAmplitude(levelDb);
  const ramp = Math.max(1, Math.round(0.004 * sampleRate));
  const [low, high] = pair;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    let env = 1;
    if (i < ramp) env = 0.5 - 0.5 * Math.cos((Math.PI * i) / ramp);
    else if (i >= n - ramp) env = 0.5 - 0.5 * Math.cos((Math.PI * (n - 1 - i)) / ramp);
    out[i] = env * a * (Math.sin(2 * Math.PI * low * t) + Math.sin(2 * Math.PI * high * t));
  }
  return out;
}

/** Power of one frequency over a block (Goertzel), normalised so a full-scale sine gives about 0.25. */
export function goertzelPower(
  samples: ArrayLike<number>,
  start: number,
  length: number,
  frequency: number,
  sampleRate: number,
): number {
  const from = Math.max(0, start);
  const to = Math.min(samples.length, start + length);
  const n = to - from;
  if (n <= 0) return 0;
  const x = samples instanceof Float32Array ? samples : Float32Array.from(samples);
  return goertzel(x, from, n, goertzelCoefficient(frequency, sampleRate)) / (n * n);
}

/**
 * The DTMF key in a block, or null: the strongest low-group and high-group frequencies must each stand well above
 * the others of their group (the usual Goertzel detector, without the second-harmonic check).
 */
export function detectDtmf(
  samples: ArrayLike<number>,
  start: number,
  length: number,
  sampleRate: number,
): string | null {
  const strongest = (group: readonly number[]) => {
    const powers = group.map((f) => goertzelPower(samples, start, length, f, sampleRate));
    let best = 0;
    for (let i = 1; i < powers.length; i++) if ((powers[i] ?? 0) > (powers[best] ?? 0)) best = i;
    const top = powers[best] ?? 0;
    const rest = Math.max(0, ...powers.filter((_, i) => i !== best));
    return { frequency: group[best] ?? 0, top, clear: top > 1e-5 && top > 8 * rest };
  };
  const low = strongest(DTMF_LOW_GROUP);
  const high = strongest(DTMF_HIGH_GROUP);
  if (!low.clear || !high.clear) return null;
  // Twist: the two tones within 8 dB of each other.
  const twist = low.top / high.top;
  if (twist > 6.3 || twist < 1 / 6.3) return null;
  for (const [digit, [l, h]] of Object.entries(DTMF_FREQUENCIES)) {
    if (l === low.frequency && h === high.frequency) return digit;
  }
  return null;
}

// ------------------------------------------------------------------------------------------------- resampling

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 50; k++) {
    term *= (half / k) * (half / k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/**
 * Band-limited resampling (windowed-sinc interpolation, Kaiser window β = 8.6, 24 zero crossings each side):
 * frequencies above the lower Nyquist are removed before they can alias. The kernel is tabulated 512 times per
 * input sample and interpolated linearly.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return Float32Array.from(samples);
  const ratio = toRate / fromRate;
  const outLength = Math.floor(samples.length * ratio);
  const out = new Float32Array(outLength);
  const cutoff = Math.min(1, ratio) * 0.95;
  const halfWidth = 24 / cutoff;
  const steps = 512;
  const table = new Float64Array(Math.ceil(halfWidth * steps) + 2);
  const i0beta = besselI0(8.6);
  for (let j = 0; j < table.length; j++) {
    const x = j / steps;
    if (x >= halfWidth) continue;
    const arg = x / halfWidth;
    const window = besselI0(8.6 * Math.sqrt(1 - arg * arg)) / i0beta;
    const px = Math.PI * cutoff * x;
    table[j] = cutoff * (x === 0 ? 1 : Math.sin(px) / px) * window;
  }
  const kernel = (x: number): number => {
    const pos = Math.abs(x) * steps;
    const j = Math.floor(pos);
    const frac = pos - j;
    return (table[j] ?? 0) * (1 - frac) + (table[j + 1] ?? 0) * frac;
  };
  for (let n = 0; n < outLength; n++) {
    const t = n / ratio;
    const first = Math.max(0, Math.ceil(t - halfWidth));
    const last = Math.min(samples.length - 1, Math.floor(t + halfWidth));
    let acc = 0;
    for (let k = first; k <= last; k++) acc += (samples[k] ?? 0) * kernel(t - k);
    out[n] = acc;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------- filters

interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** RBJ cookbook low/high-pass section. */
function section(kind: 'low' | 'high', frequency: number, q: number, sampleRate: number): Biquad {
  const w0 = (2 * Math.PI * frequency) / sampleRate;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  const b1 = kind === 'low' ? 1 - cos : -(1 + cos);
  const b0 = kind === 'low' ? (1 - cos) / 2 : (1 + cos) / 2;
  return { b0: b0 / a0, b1: b1 / a0, b2: b0 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

function applySection(samples: Float32Array, s: Biquad): void {
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i] ?? 0;
    const y = s.b0 * x + s.b1 * x1 + s.b2 * x2 - s.a1 * y1 - s.a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    samples[i] = y;
  }
}

/** Q of the two sections of a 4th-order Butterworth filter. */
const BUTTERWORTH_4 = [0.5411961, 1.306563];

/** 4th-order Butterworth band-pass 300–3400 Hz (a telephone channel), in place; returns the same array. */
export function telephoneBand(samples: Float32Array, sampleRate: number): Float32Array {
  for (const q of BUTTERWORTH_4) applySection(samples, section('high', 300, q, sampleRate));
  if (sampleRate > 2 * 3400) {
    for (const q of BUTTERWORTH_4) applySection(samples, section('low', 3400, q, sampleRate));
  }
  return samples;
}

// ------------------------------------------------------------------------------------------------- levels

/**
 * The part of an utterance above the noise floor: [start, end) sample indices of the first and last 10 ms
 * window whose RMS reaches `thresholdDb` below the loudest window, with `marginMs` kept on each side.
 */
export function speechBounds(
  samples: Float32Array,
  sampleRate: number,
  options: { thresholdDb?: number; marginMs?: number } = {},
): { start: number; end: number } {
  const win = Math.max(1, Math.round(sampleRate / 100));
  const windows = Math.ceil(samples.length / win);
  const levels = new Float64Array(windows);
  let loudest = 0;
  for (let w = 0; w < windows; w++) {
    const level = rms(samples, w * win, (w + 1) * win);
    levels[w] = level;
    if (level > loudest) loudest = level;
  }
  if (loudest === 0) return { start: 0, end: 0 };
  const threshold = loudest * dbToAmplitude(options.thresholdDb ?? -40);
  let first = 0;
  while (first < windows && (levels[first] ?? 0) < threshold) first++;
  let last = windows - 1;
  while (last > first && (levels[last] ?? 0) < threshold) last--;
  const margin = Math.round(((options.marginMs ?? 10) * sampleRate) / 1000);
  return {
    start: Math.max(0, first * win - margin),
    end: Math.min(samples.length, (last + 1) * win + margin),
  };
}

/** Scales samples (in place) to an RMS of `levelDb` dBFS, then limits peaks to 0.95. */
export function normalizeLevel(samples: Float32Array, levelDb: number): Float32Array {
  const current = rms(samples);
  if (current === 0) return samples;
  let gain = dbToAmplitude(levelDb) / current;
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  if (peak * gain > 0.95) gain = 0.95 / peak;
  for (let i = 0; i < samples.length; i++) samples[i] = (samples[i] ?? 0) * gain;
  return samples;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

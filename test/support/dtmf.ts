import { DTMF_FREQUENCIES } from '../../services/analytics/tones/dtmf.ts';

/** Keypad tones for tests: the DTMF row and column frequencies of each key, and audio of key presses over noise. */
/** Every DTMF key's row and column frequencies. */
export const DTMF_KEYS = DTMF_FREQUENCIES;

export interface KeyPress {
  key: string;
  atMs: number;
  ms: number;
  /** Amplitude of the row tone (default 0.2). */
  level?: number;
  /** How much louder the column tone is, in dB (default 2). */
  twistDb?: number;
}

/** `seconds` of uniform noise at `noise` amplitude (deterministic) with the key presses added. */
export function keypadAudio(
  seconds: number,
  presses: readonly KeyPress[],
  options: { noise?: number; sampleRate?: number; seed?: number } = {},
): Float32Array {
  const rate = options.sampleRate ?? 16_000;
  const noise = options.noise ?? 0.005;
  const x = new Float32Array(Math.round(seconds * rate));
  let s = options.seed ?? 11;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    x[i] = noise * ((s / 0x7fffffff) * 2 - 1);
  }
  for (const p of presses) {
    const [lo, hi] = DTMF_KEYS[p.key]!;
    const a = p.level ?? 0.2;
    const b = a * 10 ** ((p.twistDb ?? 2) / 20);
    const from = Math.round((p.atMs / 1000) * rate);
    const n = Math.round((p.ms / 1000) * rate);
    for (let i = 0; i < n && from + i < x.length; i++) {
      const t = i / rate;
      x[from + i]! += a * Math.sin(2 * Math.PI * lo * t) + b * Math.sin(2 * Math.PI * hi * t);
    }
  }
  return x;
}

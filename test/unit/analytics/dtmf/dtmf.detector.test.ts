import { describe, expect, it } from 'vitest';
import { KeyPressTracker, detectKeyPresses } from '../../../../services/analytics/dtmf/dtmf.detector.ts';
import { DTMF_KEYS, keypadAudio, type KeyPress } from '../../../support/dtmf.ts';

const RATE = 16_000;
/** Noise at `noise` amplitude plus key tones. */
const audio = (seconds: number, presses: KeyPress[], noise = 0.005) =>
  keypadAudio(seconds, presses, { noise });

function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
}

/** A vowel-like sound: a 120–220 Hz glottal pulse train with many harmonics, shaped by two formants. */
function speech(seconds: number): Float32Array {
  const x = new Float32Array(seconds * RATE);
  const r = rng(5);
  let phase = 0;
  for (let i = 0; i < x.length; i++) {
    const f0 = 170 + 50 * Math.sin((2 * Math.PI * i) / RATE / 0.7);
    phase += f0 / RATE;
    let v = 0;
    for (let h = 1; h <= 20; h++) {
      const f = h * f0;
      const gain = 1 / (1 + ((f - 700) / 150) ** 2) + 0.6 / (1 + ((f - 1200) / 200) ** 2) + 0.05;
      v += gain * Math.sin(2 * Math.PI * h * phase);
    }
    x[i] = 0.05 * v + 0.003 * r();
  }
  return x;
}

describe(detectKeyPresses.name, () => {
  it('finds every key of a card number typed on the keypad, with times and no digits', () => {
    const typed = '4526018159083012';
    const presses = [...typed].map((key, i) => ({ key, atMs: 1000 + i * 180, ms: 80 }));
    const spans = detectKeyPresses(audio(5, presses));
    expect(spans).toHaveLength(typed.length);
    spans.forEach((s, i) => {
      expect(s.startMs).toBeGreaterThanOrEqual(presses[i]!.atMs - 26);
      expect(s.endMs).toBeLessThanOrEqual(presses[i]!.atMs + presses[i]!.ms + 26);
      expect(s.endMs - s.startMs).toBeGreaterThanOrEqual(60);
    });
    expect(Object.keys(spans[0]!).sort()).toEqual(['endMs', 'startMs']);
  });

  it('finds all sixteen keys, 40 ms presses, quiet ones and twisted ones', () => {
    const keys = Object.keys(DTMF_KEYS);
    expect(keys).toHaveLength(16);
    const spans = detectKeyPresses(
      audio(
        6,
        keys.map((key, i) => ({
          key,
          atMs: 500 + i * 300,
          ms: i % 3 === 0 ? 40 : 100,
          level: i % 2 === 0 ? 0.02 : 0.3,
          twistDb: i % 4 === 0 ? -4 : 6,
        })),
      ),
    );
    expect(spans).toHaveLength(keys.length);
  });

  it('ignores speech, a recording beep, a single tone and presses shorter than 25 ms', () => {
    expect(detectKeyPresses(speech(4))).toEqual([]);
    const x = new Float32Array(2 * RATE);
    for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 1400 * i) / RATE);
    expect(detectKeyPresses(x)).toEqual([]);
    const single = new Float32Array(RATE);
    for (let i = 0; i < single.length; i++) single[i] = 0.3 * Math.sin((2 * Math.PI * 697 * i) / RATE);
    expect(detectKeyPresses(single)).toEqual([]);
    expect(detectKeyPresses(audio(1, [{ key: '5', atMs: 300, ms: 20 }]))).toEqual([]);
  });

  it('gives the same spans when the audio comes in chunks of any size', () => {
    const x = audio(
      3,
      [...'1234'].map((key, i) => ({ key, atMs: 400 + i * 500, ms: 90 })),
    );
    const whole = detectKeyPresses(x);
    expect(whole).toHaveLength(4);
    for (const size of [1, 205, 410, 999, 48_000]) {
      const t = new KeyPressTracker();
      for (let at = 0; at < x.length; at += size) t.push(x.subarray(at, at + size));
      expect(t.finish(), `chunks of ${size}`).toEqual(whole);
    }
  });
});

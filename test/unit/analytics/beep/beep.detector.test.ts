import { describe, expect, it } from 'vitest';
import { BeepTracker, detectBeeps } from '../../../../services/analytics/beep/beep.detector.ts';

const RATE = 16_000;

/** Low-level noise, tones at the given starts, and speech-like noise bursts. */
function signal(seconds: number, beeps: { atMs: number; ms: number; hz?: number }[], seed = 7): Float32Array {
  const x = new Float32Array(seconds * RATE);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  for (let i = 0; i < x.length; i++) x[i] = 0.01 * rand();
  for (const b of beeps) {
    const from = Math.round((b.atMs / 1000) * RATE);
    const n = Math.round((b.ms / 1000) * RATE);
    for (let i = 0; i < n && from + i < x.length; i++)
      x[from + i]! += 0.3 * Math.sin((2 * Math.PI * (b.hz ?? 1400) * i) / RATE);
  }
  return x;
}

describe(detectBeeps.name, () => {
  it('finds a regular 1400 Hz beep every 15 s', () => {
    const r = detectBeeps(
      signal(
        50,
        [0, 15_000, 30_000, 45_000].map((atMs) => ({ atMs: atMs + 2000, ms: 300 })),
      ),
    );
    expect(r.beeps.map((b) => Math.round(b.startMs / 100) / 10)).toEqual([2, 17, 32, 47]);
    expect(r.beeps[0]!.endMs - r.beeps[0]!.startMs).toBeGreaterThanOrEqual(280);
    expect(r.regular).toBe(true);
    expect(r.meanIntervalMs).toBe(15_000);
  });

  it('says irregular when a beep is missing, and ignores other frequencies and too-short blips', () => {
    const r = detectBeeps(
      signal(50, [
        { atMs: 2000, ms: 300 },
        { atMs: 17_000, ms: 300 },
        { atMs: 47_000, ms: 300 },
        { atMs: 25_000, ms: 300, hz: 440 },
        { atMs: 35_000, ms: 60 },
      ]),
    );
    expect(r.beeps).toHaveLength(3);
    expect(r.regular).toBe(false);
  });

  it('finds nothing in noise', () => {
    expect(detectBeeps(signal(10, [])).beeps).toEqual([]);
  });
});

describe(BeepTracker.name, () => {
  it('finds the same beeps in chunks of any size as in one array, across chunk boundaries', () => {
    const x = signal(
      50,
      [0, 15_000, 30_000, 45_000].map((atMs) => ({ atMs: atMs + 1234, ms: 400 })),
    );
    const whole = detectBeeps(x);
    for (const size of [1, 317, 320, 4096, 16_001]) {
      const tracker = new BeepTracker();
      for (let at = 0; at < x.length; at += size) tracker.push(x.subarray(at, at + size));
      expect(tracker.finish(), `chunks of ${size}`).toEqual(whole);
    }
    expect(whole.beeps).toHaveLength(4);
    expect(whole.durationMs).toBe(50_000);
  });

  it('says throughout only when the tone starts early, keeps its period and lasts to the end', () => {
    const every15 = (from: number, to: number) =>
      Array.from({ length: Math.floor((to - from) / 15_000) + 1 }, (_, i) => ({
        atMs: from + i * 15_000,
        ms: 300,
      }));
    expect(detectBeeps(signal(62, every15(1000, 61_000))).throughout).toBe(true);
    // starts 20 s into the call: the first 20 s went without a tone
    const late = detectBeeps(signal(62, every15(20_000, 61_000)));
    expect(late.regular).toBe(true);
    expect(late.throughout).toBe(false);
    // stops at 31 s of a 62 s call
    const stops = detectBeeps(signal(62, every15(1000, 31_000)));
    expect(stops.regular).toBe(true);
    expect(stops.throughout).toBe(false);
    // a call shorter than one period needs one beep
    expect(detectBeeps(signal(12, [{ atMs: 500, ms: 300 }])).throughout).toBe(true);
    expect(detectBeeps(signal(12, [])).throughout).toBe(false);
  });

  it('looks for the configured frequency and period', () => {
    const x = signal(
      31,
      [1000, 11_000, 21_000]
        .map((atMs) => ({ atMs, ms: 300, hz: 1000 }))
        .concat([{ atMs: 29_000, ms: 300, hz: 1000 }]),
    );
    expect(detectBeeps(x).beeps).toEqual([]);
    const r = detectBeeps(x, { frequencyHz: 1000, intervalMs: 10_000, toleranceMs: 1000 });
    expect(r.beeps).toHaveLength(4);
    expect(r.regular).toBe(false);
    expect(r.intervalsMs).toEqual([10_000, 10_000, 8000]);
    expect(r.throughout).toBe(false);
  });
});

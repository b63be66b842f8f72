import { describe, expect, it } from 'vitest';
import {
  energyOf,
  Framer,
  goertzelCoefficient,
  goertzelPower,
  shareOf,
} from '../../../../services/analytics/tones/goertzel.ts';

describe(Framer.name, () => {
  const signal = Float32Array.from({ length: 1000 }, (_, i) => i);
  const framesOf = (size: number, hop: number, chunk: number) => {
    const framer = new Framer(size, hop);
    const frames: number[][] = [];
    for (let at = 0; at < signal.length; at += chunk) {
      framer.push(signal.subarray(at, at + chunk), (x, from) =>
        frames.push([...x.subarray(from, from + size)]),
      );
    }
    return { frames, pending: framer.pending };
  };

  it('hands over every frame of the stream, whatever the chunk sizes, overlapping or not', () => {
    for (const [size, hop] of [
      [100, 100],
      [100, 50],
      [410, 205],
      [64, 17],
    ] as const) {
      const expected: number[][] = [];
      for (let at = 0; at + size <= signal.length; at += hop)
        expected.push([...signal.subarray(at, at + size)]);
      for (const chunk of [1, 7, hop, size, size + 1, 333, 1000]) {
        const { frames, pending } = framesOf(size, hop, chunk);
        expect(frames, `size ${size} hop ${hop} chunk ${chunk}`).toEqual(expected);
        expect(pending).toBe(signal.length - expected.length * hop);
      }
    }
  });
});

describe(shareOf.name, () => {
  it('is close to 1 for a pure tone at the frequency and small elsewhere', () => {
    const x = new Float32Array(320).map((_, i) => Math.sin((2 * Math.PI * 1400 * i) / 16_000));
    const share = (freq: number) =>
      shareOf(goertzelPower(x, 0, 320, goertzelCoefficient(freq, 16_000)), energyOf(x, 0, 320), 320);
    expect(share(1400)).toBeGreaterThan(0.9);
    expect(share(1000)).toBeLessThan(0.1);
  });
});

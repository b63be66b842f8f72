import { describe, expect, it } from 'vitest';
import {
  pieceAt,
  remainderAfter,
  toCallMs,
  WindowPacker,
  type PackedWindow,
} from '../../../../services/speech/whisper/packing.ts';

const RATE = 100; // 100 samples per second keeps the arithmetic readable
const piece = (index: number, seconds: number, callOffsetMs: number, value = 0.1) => ({
  index,
  samples: new Float32Array(seconds * RATE).fill(value),
  callOffsetMs,
});

describe(WindowPacker.name, () => {
  it('packs consecutive pieces with a gap between them, starting a window when the next does not fit', () => {
    const packer = new WindowPacker({ sampleRate: RATE, windowSamples: 10 * RATE, gapSamples: RATE / 2 });
    expect(packer.push(piece(0, 4, 1000))).toEqual([]);
    expect(packer.push(piece(1, 3, 9000))).toEqual([]);
    const closed = packer.push(piece(2, 4, 20000));
    expect(closed).toHaveLength(1);
    expect(closed[0]!.pieces.map((p) => [p.index, p.start, p.length, p.callOffsetMs])).toEqual([
      [0, 0, 400, 1000],
      [1, 450, 300, 9000],
    ]);
    expect(closed[0]!.samples.length).toBe(750);
    expect(closed[0]!.samples[420]).toBe(0); // the gap is silence
    const last = packer.flush()!;
    expect(last.pieces.map((p) => p.index)).toEqual([2]);
    expect(packer.flush()).toBeNull();
  });

  it('cuts a piece longer than a window', () => {
    const packer = new WindowPacker({ sampleRate: RATE, windowSamples: 10 * RATE, gapSamples: 0 });
    const closed = packer.push(piece(0, 25, 0));
    const last = packer.flush()!;
    expect([...closed, last].map((w) => [w.pieces[0]!.callOffsetMs, w.samples.length])).toEqual([
      [0, 1000],
      [10000, 1000],
      [20000, 500],
    ]);
  });

  it('raises a very quiet piece to a speech level and leaves a normal one as it is', () => {
    const packer = new WindowPacker({
      sampleRate: 16000,
      windowSamples: 16000 * 28,
      gapSamples: 0,
      raiseQuiet: true,
    });
    const quiet = Float32Array.from({ length: 16000 }, (_, i) => 0.001 * Math.sin(i / 5));
    const normal = Float32Array.from({ length: 16000 }, (_, i) => 0.1 * Math.sin(i / 5));
    packer.push({ index: 0, samples: quiet, callOffsetMs: 0 });
    packer.push({ index: 1, samples: normal, callOffsetMs: 2000 });
    const w = packer.flush()!;
    const peak = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(peak(w.samples.subarray(0, 16000))).toBeGreaterThan(0.01);
    expect(peak(w.samples.subarray(16000))).toBeCloseTo(0.1, 3);
  });
});

describe('window times on the call clock', () => {
  const window: PackedWindow = {
    samples: new Float32Array(750),
    sampleRate: RATE,
    pieces: [
      { index: 0, start: 0, length: 400, callOffsetMs: 1000, retries: 0 },
      { index: 1, start: 450, length: 300, callOffsetMs: 9000, retries: 0 },
    ],
  };

  it('maps a time inside a piece to its call time, and one in the gap to the nearest edge', () => {
    expect(toCallMs(window, 1.5, 'start')).toBe(2500);
    expect(toCallMs(window, 5.0, 'start')).toBe(9500);
    expect(toCallMs(window, 4.2, 'start')).toBe(9000); // in the gap: the next piece starts
    expect(toCallMs(window, 4.2, 'end')).toBe(5000); // in the gap: the previous piece ended
    expect(toCallMs(window, 9.0, 'end')).toBe(12000);
    expect(pieceAt(window, 4.6, 'start').index).toBe(1);
  });

  it('gives back what a decode did not cover: the rest of the audio, or the pieces it never reached', () => {
    const rest = remainderAfter(window, 2);
    expect(rest.map((r) => [r.index, r.samples.length, r.callOffsetMs, r.retries])).toEqual([
      [0, 200, 3000, 1],
      [1, 300, 9000, 1],
    ]);
    const unreached = remainderAfter(window, 2, true);
    expect(unreached.map((r) => [r.index, r.samples.length, r.callOffsetMs])).toEqual([[1, 300, 9000]]);
  });
});

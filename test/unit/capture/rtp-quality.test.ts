import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  detectOneWayAudio,
  estimateQuality,
  mosFromR,
  rmsDbfs,
} from '../../../services/capture/rtp/rtp-quality.ts';

describe(estimateQuality.name, () => {
  it('rates a clean G.711 call about 4.4 and a clean G.729 call lower', () => {
    const g711 = estimateQuality({ lossPercent: 0, jitterMs: 0 });
    expect(g711.rFactor).toBeCloseTo(93, 0);
    expect(g711.mos).toBeCloseTo(4.4, 1);
    expect(estimateQuality({ lossPercent: 0, jitterMs: 0, codec: 'G729' }).mos).toBeLessThan(g711.mos);
  });

  it('follows the G.107 loss impairment: 5% random loss on G.711 costs about 16 R points', () => {
    const clean = estimateQuality({ lossPercent: 0, jitterMs: 0 }).rFactor;
    const lossy = estimateQuality({ lossPercent: 5, jitterMs: 0 }).rFactor;
    // Ie,eff = 95 · 5 / (5 + 25.1) = 15.8
    expect(clean - lossy).toBeCloseTo(15.8, 0);
  });

  it('penalises delay beyond 177 ms much more than below it', () => {
    const at = (d: number): number =>
      estimateQuality({ lossPercent: 0, jitterMs: 0, oneWayDelayMs: d }).rFactor;
    expect(at(0) - at(100)).toBeLessThan(3);
    expect(at(200) - at(300)).toBeGreaterThan(10);
  });

  it('stays within 1–4.5 and never improves with more loss or jitter', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 50, noNaN: true }),
        (loss, jitter, extra) => {
          const base = estimateQuality({ lossPercent: loss, jitterMs: jitter });
          expect(base.mos).toBeGreaterThanOrEqual(1);
          expect(base.mos).toBeLessThanOrEqual(4.5);
          expect(
            estimateQuality({ lossPercent: Math.min(100, loss + extra), jitterMs: jitter }).mos,
          ).toBeLessThanOrEqual(base.mos);
          expect(estimateQuality({ lossPercent: loss, jitterMs: jitter + extra }).mos).toBeLessThanOrEqual(
            base.mos,
          );
        },
      ),
    );
    expect(
      estimateQuality({ lossPercent: Number.NaN, jitterMs: Number.POSITIVE_INFINITY }).mos,
    ).toBeGreaterThanOrEqual(1);
  });

  it('maps R to MOS at the usual anchor points', () => {
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(50)).toBeCloseTo(2.58, 2);
    // The G.107 polynomial dips below 1 for R under about 6.5; the scale's floor holds there.
    expect(mosFromR(3)).toBe(1);
    expect(estimateQuality({ lossPercent: 64.5, jitterMs: 176.9 }).mos).toBe(1);
  });
});

describe(detectOneWayAudio.name, () => {
  it('flags a side that sent no RTP', () => {
    expect(detectOneWayAudio({ packets: 3000 }, { packets: 2 })).toEqual({
      oneWay: true,
      silentSide: 'b',
      reason: 'no-packets',
    });
  });

  it('flags a side whose audio is silent', () => {
    expect(
      detectOneWayAudio({ packets: 3000, levelDbfs: -70 }, { packets: 2900, levelDbfs: -20 }),
    ).toMatchObject({
      oneWay: true,
      silentSide: 'a',
      reason: 'silent-audio',
    });
  });

  it('does not flag a normal call nor a call with no audio at all', () => {
    expect(
      detectOneWayAudio({ packets: 3000, levelDbfs: -25 }, { packets: 2800, levelDbfs: -30 }).oneWay,
    ).toBe(false);
    expect(detectOneWayAudio({ packets: 0 }, { packets: 0 })).toMatchObject({
      oneWay: false,
      reason: 'no-audio-either-side',
    });
  });
});

describe(rmsDbfs.name, () => {
  it('measures full-scale square waves at about 0 dBFS and silence at -Infinity', () => {
    expect(rmsDbfs(Int16Array.from({ length: 100 }, (_, i) => (i % 2 ? 32767 : -32768)))).toBeCloseTo(0, 1);
    expect(rmsDbfs(new Int16Array(10))).toBe(-Infinity);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ALAW_SILENCE,
  ALAW_TO_LINEAR,
  decodeG711,
  encodeG711,
  linearToAlaw,
  linearToUlaw,
  ULAW_SILENCE,
  ULAW_TO_LINEAR,
} from '../../../services/capture/rtp/g711.ts';

describe('G.711 µ-law', () => {
  it('decodes known ITU table entries', () => {
    // Code → decoded value (the G.711 Table 2a decision levels in 16-bit scale).
    expect(ULAW_TO_LINEAR[0xff]).toBe(0);
    expect(ULAW_TO_LINEAR[0x7f]).toBe(0);
    expect(ULAW_TO_LINEAR[0xfe]).toBe(8);
    expect(ULAW_TO_LINEAR[0x7e]).toBe(-8);
    expect(ULAW_TO_LINEAR[0xf0]).toBe(120);
    expect(ULAW_TO_LINEAR[0xef]).toBe(132);
    expect(ULAW_TO_LINEAR[0x80]).toBe(32124);
    expect(ULAW_TO_LINEAR[0x00]).toBe(-32124);
    expect(ULAW_TO_LINEAR[ULAW_SILENCE]).toBe(0);
  });

  it('encodes zero, the extremes and clipped input to the expected codes', () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(linearToUlaw(100_000)).toBe(0x80);
  });

  it('re-encodes every decoded code to a code with the same value', () => {
    for (let code = 0; code < 256; code++) {
      const value = ULAW_TO_LINEAR[code] ?? 0;
      expect(ULAW_TO_LINEAR[linearToUlaw(value)]).toBe(value);
    }
  });

  it('is monotonic and symmetric', () => {
    const positives = Array.from({ length: 128 }, (_, i) => ULAW_TO_LINEAR[0xff - i] ?? 0);
    for (let i = 1; i < positives.length; i++) expect(positives[i]).toBeGreaterThan(positives[i - 1] ?? 0);
    for (let code = 0; code < 128; code++) {
      expect((ULAW_TO_LINEAR[code] ?? 1) + (ULAW_TO_LINEAR[code | 0x80] ?? 1)).toBe(0);
    }
  });

  it('keeps the quantisation error within half a step of the segment', () => {
    fc.assert(
      fc.property(fc.integer({ min: -32124, max: 32124 }), (x) => {
        const y = ULAW_TO_LINEAR[linearToUlaw(x)] ?? 0;
        const segmentStep = 8 << Math.max(0, Math.floor(Math.log2(Math.abs(x) + 132)) - 7);
        expect(Math.abs(y - x)).toBeLessThanOrEqual(segmentStep);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('G.711 A-law', () => {
  it('decodes known ITU table entries', () => {
    expect(ALAW_TO_LINEAR[0xd5]).toBe(8);
    expect(ALAW_TO_LINEAR[0x55]).toBe(-8);
    expect(ALAW_TO_LINEAR[0xd4]).toBe(24);
    expect(ALAW_TO_LINEAR[0xc5]).toBe(264);
    expect(ALAW_TO_LINEAR[0xaa]).toBe(32256);
    expect(ALAW_TO_LINEAR[0x2a]).toBe(-32256);
    expect(ALAW_TO_LINEAR[ALAW_SILENCE]).toBe(8);
  });

  it('encodes zero and the extremes to the expected codes', () => {
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(linearToAlaw(-32768)).toBe(0x2a);
  });

  it('re-encodes every code to itself', () => {
    for (let code = 0; code < 256; code++) expect(linearToAlaw(ALAW_TO_LINEAR[code] ?? 0)).toBe(code);
  });

  it('is monotonic and symmetric', () => {
    const sorted = [...ALAW_TO_LINEAR].sort((a, b) => a - b);
    expect(new Set(sorted).size).toBe(256);
    for (let code = 0; code < 256; code++) {
      expect((ALAW_TO_LINEAR[code] ?? 1) + (ALAW_TO_LINEAR[code ^ 0x80] ?? 1)).toBe(0);
    }
  });
});

describe(decodeG711.name, () => {
  it('round-trips a sine wave through both laws with a small error', () => {
    const samples = Int16Array.from({ length: 800 }, (_, i) =>
      Math.round(12000 * Math.sin((2 * Math.PI * 440 * i) / 8000)),
    );
    for (const law of ['PCMU', 'PCMA'] as const) {
      const decoded = decodeG711(encodeG711(samples, law), law);
      expect(decoded).toHaveLength(800);
      let noise = 0;
      let signal = 0;
      for (let i = 0; i < samples.length; i++) {
        noise += ((decoded[i] ?? 0) - (samples[i] ?? 0)) ** 2;
        signal += (samples[i] ?? 0) ** 2;
      }
      // G.711 gives roughly 38 dB SNR on a full-scale tone.
      expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30);
    }
  });

  it('decodes any payload byte-for-sample', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom('PCMU' as const, 'PCMA' as const),
        (bytes, law) => {
          const decoded = decodeG711(bytes, law);
          expect(decoded).toHaveLength(bytes.length);
          expect(
            encodeG711(decoded, law).equals(
              Buffer.from(law === 'PCMA' ? bytes : bytes.map((b) => (b === 0x7f ? 0xff : b))),
            ),
          ).toBe(true);
        },
      ),
    );
  });
});

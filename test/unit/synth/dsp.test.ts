import { describe, expect, it } from 'vitest';
import {
  detectDtmf,
  DTMF_FREQUENCIES,
  dtmfEventCode,
  dtmfTone,
  goertzelPower,
  normalizeLevel,
  resample,
  rms,
  seededRandom,
  speechBounds,
  telephoneBand,
} from '../../../tools/synth/dsp.ts';

const sine = (frequency: number, seconds: number, rate: number, amplitude = 0.5) =>
  Float32Array.from(
    { length: Math.round(seconds * rate) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / rate),
  );

describe(dtmfTone.name, () => {
  it('makes a tone every key is recognised from by the Goertzel detector', () => {
    for (const digit of Object.keys(DTMF_FREQUENCIES)) {
      const tone = dtmfTone(digit, 160, 8000);
      expect(tone).toHaveLength(1280);
      expect(detectDtmf(tone, 0, tone.length, 8000)).toBe(digit);
    }
  });

  it('is silent at its edges and finds nothing in speech-band noise', () => {
    const tone = dtmfTone('5', 100, 16000);
    expect(Math.abs(tone[0]!)).toBeLessThan(1e-6);
    const random = seededRandom(3);
    const noise = Float32Array.from({ length: 4000 }, () => 0.3 * (2 * random() - 1));
    expect(detectDtmf(noise, 0, noise.length, 16000)).toBeNull();
    expect(detectDtmf(new Float32Array(1000), 0, 1000, 16000)).toBeNull();
  });

  it('maps keys to RFC 4733 event codes', () => {
    expect(['0', '9', '*', '#', 'A', 'D'].map(dtmfEventCode)).toEqual([0, 9, 10, 11, 12, 15]);
    expect(() => dtmfEventCode('x')).toThrow();
  });
});

describe(goertzelPower.name, () => {
  it('is high at the tone frequency and low elsewhere', () => {
    const s = sine(1209, 0.1, 8000);
    expect(goertzelPower(s, 0, s.length, 1209, 8000)).toBeGreaterThan(0.05);
    expect(goertzelPower(s, 0, s.length, 1477, 8000)).toBeLessThan(0.001);
  });
});

describe(resample.name, () => {
  it('keeps a tone below both Nyquist frequencies and its duration', () => {
    const s = sine(1000, 1, 22050);
    const out = resample(s, 22050, 16000);
    expect(out.length).toBe(16000);
    expect(rms(out, 500, 15500)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(goertzelPower(out, 1000, 8000, 1000, 16000)).toBeGreaterThan(0.05);
  });

  it('removes what the lower rate cannot carry instead of aliasing it', () => {
    const s = sine(6000, 1, 16000);
    const out = resample(s, 16000, 8000);
    expect(out.length).toBe(8000);
    expect(rms(out, 200, 7800)).toBeLessThan(0.005);
  });
});

describe(telephoneBand.name, () => {
  it('passes 1 kHz and cuts 100 Hz and 6 kHz', () => {
    const pass = telephoneBand(sine(1000, 1, 16000), 16000);
    const low = telephoneBand(sine(100, 1, 16000), 16000);
    const high = telephoneBand(sine(6000, 1, 16000), 16000);
    expect(rms(pass, 4000, 16000)).toBeGreaterThan(0.33);
    expect(rms(low, 4000, 16000)).toBeLessThan(0.02);
    expect(rms(high, 4000, 16000)).toBeLessThan(0.02);
  });
});

describe(speechBounds.name, () => {
  it('finds where the sound starts and ends', () => {
    const s = new Float32Array(16000);
    s.set(sine(300, 0.5, 16000), 4000);
    const { start, end } = speechBounds(s, 16000, { marginMs: 0 });
    expect(start).toBe(4000);
    expect(end).toBe(12000);
    expect(speechBounds(new Float32Array(100), 16000)).toEqual({ start: 0, end: 0 });
  });
});

describe(normalizeLevel.name, () => {
  it('sets the RMS level and never clips', () => {
    const s = normalizeLevel(sine(300, 0.5, 16000, 0.01), -20);
    expect(20 * Math.log10(rms(s))).toBeCloseTo(-20, 1);
    const loud = normalizeLevel(Float32Array.from([0, 0, 0, 0.9, 0, 0, 0, 0]), -6);
    expect(Math.max(...loud)).toBeLessThanOrEqual(0.95 + 1e-6);
  });
});

describe(seededRandom.name, () => {
  it('repeats for the same seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

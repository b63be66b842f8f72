import { describe, expect, it } from 'vitest';
import { quietGainDb, raisingQuiet, SpeechLevelMeter } from '../../../services/speech/level.ts';

const tone = (seconds: number, amplitude: number) =>
  Float32Array.from(
    { length: seconds * 16000 },
    (_, i) => amplitude * Math.sin((2 * Math.PI * 300 * i) / 16000),
  );

async function collect(chunks: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe(SpeechLevelMeter.name, () => {
  it('raises only the stretches of a channel that are very quiet, in one pass', async () => {
    // 5 s at a normal line level (−23 dBFS), then 5 s 40 dB quieter, in uneven chunks.
    const audio = new Float32Array(160000);
    audio.set(tone(5, 0.1), 0);
    audio.set(tone(5, 0.001), 80000);
    const meter = new SpeechLevelMeter();
    const out = await collect(
      raisingQuiet(
        (async function* () {
          for (let i = 0; i < audio.length; i += 7001) yield audio.slice(i, i + 7001);
        })(),
        meter,
      ),
    );
    expect(out.length).toBe(audio.length);
    expect(meter.levelDbfs()!).toBeCloseTo(-23, 0);
    expect(meter.maxGainDb).toBeGreaterThan(25);
    const gain = meter.gainCurve();
    expect(gain[10]).toBe(0);
    expect(gain[gain.length - 10]!).toBeGreaterThan(25);
    const peak = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(peak(out.subarray(0, 60000))).toBeCloseTo(0.1, 3);
    expect(peak(out.subarray(120000))).toBeGreaterThan(0.02);
    expect(peak(audio.subarray(120000))).toBeCloseTo(0.001, 4); // the input is not changed
    // Nothing is lost or moved: the loud part comes out sample for sample.
    expect(out.subarray(0, 60000)).toEqual(audio.subarray(0, 60000));
  });

  it('leaves a normal level, and silence, alone', () => {
    expect(quietGainDb(tone(2, 0.1))).toBe(0);
    expect(quietGainDb(new Float32Array(32000))).toBe(0);
    expect(quietGainDb(tone(2, 0.002))).toBeGreaterThan(15);
  });
});

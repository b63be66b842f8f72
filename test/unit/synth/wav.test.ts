import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../../tools/synth/wav.ts';

const ramp = (n: number, scale: number) =>
  Float32Array.from({ length: n }, (_, i) => scale * Math.sin(i / 7));

describe(encodeWav.name, () => {
  it('writes 16-bit stereo that reads back sample for sample', () => {
    const left = ramp(1000, 0.5);
    const right = ramp(1000, -0.25);
    const file = encodeWav({ sampleRate: 16000, channels: [left, right] });
    expect(file.length).toBe(44 + 1000 * 4);
    expect(file.readUInt16LE(22)).toBe(2);
    expect(file.readUInt32LE(24)).toBe(16000);
    const back = decodeWav(file);
    expect(back).toMatchObject({ sampleRate: 16000, encoding: 'pcm16' });
    expect(back.channels).toHaveLength(2);
    for (let i = 0; i < 1000; i += 37) {
      expect(back.channels[0]![i]).toBeCloseTo(left[i]!, 3);
      expect(back.channels[1]![i]).toBeCloseTo(right[i]!, 3);
    }
  });

  it('writes 8 kHz µ-law with fmt extension and fact chunk, within G.711 precision', () => {
    const left = ramp(800, 0.6);
    const file = encodeWav({ sampleRate: 8000, channels: [left, new Float32Array(800)] }, 'ulaw');
    expect(file.readUInt16LE(20)).toBe(7);
    expect(file.readUInt16LE(34)).toBe(8);
    expect(file.toString('ascii', 38, 42)).toBe('fact');
    expect(file.readUInt32LE(46)).toBe(800);
    const back = decodeWav(file);
    expect(back.encoding).toBe('ulaw');
    for (let i = 0; i < 800; i += 13) expect(Math.abs(back.channels[0]![i]! - left[i]!)).toBeLessThan(0.02);
    expect(Math.max(...back.channels[1]!.map(Math.abs))).toBeLessThan(0.001);
  });

  it('reads a file whose sizes are placeholders, as espeak-ng writes to a pipe', () => {
    const file = encodeWav({ sampleRate: 22050, channels: [ramp(500, 0.3)] });
    file.writeUInt32LE(0x7ffff000, 40);
    file.writeUInt32LE(0x7ffff000, 4);
    expect(decodeWav(file).channels[0]).toHaveLength(500);
  });

  it('refuses what is not a WAV file', () => {
    expect(() => decodeWav(Buffer.from('OggS0000000000000000'))).toThrow(/RIFF/);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSherpa } from '../../../services/speech/sherpa.native.ts';
import { SileroVad } from '../../../services/speech/vad.sherpa.ts';
import { requireTools, silence, utteranceWithSilence } from './synthetic-speech.ts';

describe(SileroVad.name, () => {
  let dir: string;
  beforeAll(async () => {
    await requireTools('espeak-ng', 'sox');
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-vad-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the speech of an espeak-ng utterance between two seconds of silence on each side', async () => {
    const file = path.join(dir, 'utt.wav');
    await utteranceWithSilence(file, 'buenos días, le llamo de parte del banco por su cuenta', 'es', 2, 2);
    const wave = loadSherpa().readWave(file);
    const totalMs = (wave.samples.length / wave.sampleRate) * 1000;
    const segments = await new SileroVad().detect(wave.samples);

    expect(segments.length).toBeGreaterThanOrEqual(1);
    const first = segments[0]!;
    const last = segments[segments.length - 1]!;
    // Speech starts after the 2 s of leading silence and ends before the trailing 2 s (small tolerance for padding).
    expect(first.startMs).toBeGreaterThan(1700);
    expect(first.startMs).toBeLessThan(2400);
    expect(last.endMs).toBeLessThan(totalMs - 1500);
    expect(last.endMs).toBeGreaterThan(totalMs - 2600);
    const speechMs = segments.reduce((s, x) => s + x.endMs - x.startMs, 0);
    expect(speechMs).toBeGreaterThan((totalMs - 4000) * 0.6);
  });

  it('finds no speech in silence', async () => {
    const file = path.join(dir, 'silence.wav');
    await silence(file, 5);
    const wave = loadSherpa().readWave(file);
    expect(await new SileroVad().detect(wave.samples)).toEqual([]);
  });

  it('gives the same segments when the audio arrives in uneven chunks', async () => {
    const file = path.join(dir, 'chunks.wav');
    await utteranceWithSilence(file, 'this call is being recorded for quality purposes', 'en-us', 1, 1);
    const { samples } = loadSherpa().readWave(file);
    const whole = await new SileroVad().detect(samples);
    async function* chunks() {
      for (let i = 0; i < samples.length; i += 3001) yield samples.slice(i, i + 3001);
    }
    expect(await new SileroVad().detect(chunks())).toEqual(whole);
  });

  it('cuts speech longer than maxSpeechMs into chunks no longer than it', async () => {
    const file = path.join(dir, 'long.wav');
    await utteranceWithSilence(
      file,
      'le informamos que esta llamada está siendo grabada y monitoreada para fines de calidad y seguridad, ' +
        'por favor confirme su nombre completo, su número de documento y la fecha de su último pago',
      'es',
      0.5,
      0.5,
    );
    const { samples } = loadSherpa().readWave(file);
    const segments = await new SileroVad({ maxSpeechMs: 3000, maxChunkMs: 4000, minSilenceMs: 2000 }).detect(
      samples,
    );
    expect(segments.length).toBeGreaterThan(1);
    for (const s of segments) expect(s.endMs - s.startMs).toBeLessThanOrEqual(4000);
  });
});

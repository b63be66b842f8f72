import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SileroVad } from '../../../services/speech/vad.sherpa.ts';
import { toVadRate, UtteranceSegmenter, type Utterance } from '../../../services/live/utterance.segmenter.ts';
import { phonePcm } from '../../support/phone-speech.ts';
import { SPEECH_DIR } from '../../support/real-speech.ts';

/** Feeds 8 kHz PCM in 20 ms stretches from `at` (samples on the stream's timeline), as capture plays it out. */
function feed(segmenter: UtteranceSegmenter, pcm: Int16Array, at: number): Utterance[] {
  const out: Utterance[] = [];
  for (let i = 0; i < pcm.length; i += 160) {
    out.push(...segmenter.push(pcm.slice(i, i + 160), 8000, at + i));
  }
  return out;
}

describe('UtteranceSegmenter (Silero VAD on audio as it arrives)', () => {
  it('closes each utterance of real speech as it ends, on the stream timeline, gaps counted as silence', async () => {
    const first = await phonePcm(path.join(SPEECH_DIR, 'fleurs-es-000.ogg'));
    const second = await phonePcm(path.join(SPEECH_DIR, 'fleurs-en-001.ogg'));
    const silero = new SileroVad();
    const segmenter = new UtteranceSegmenter({ createVad: () => silero.stream() });
    const during = feed(segmenter, first, 0);
    // Three seconds without any audio (nothing arrived), then the second recording.
    const secondAt = first.length + 3 * 8000;
    during.push(...feed(segmenter, second, secondAt));
    const atEnd = segmenter.end();
    const all = [...during, ...atEnd];

    const firstEndMs = (first.length / 8000) * 1000;
    const secondStartMs = (secondAt / 8000) * 1000;
    expect(all.length).toBeGreaterThanOrEqual(2);
    // Utterances of the first recording were handed on before the second one was fed to the end.
    expect(during.some((u) => u.endMs <= firstEndMs + 600)).toBe(true);
    // In order, not overlapping, each with its 16 kHz audio.
    for (let i = 0; i < all.length; i++) {
      const u = all[i]!;
      expect(u.endMs).toBeGreaterThan(u.startMs);
      expect(Math.abs(u.samples.length - ((u.endMs - u.startMs) * 16000) / 1000)).toBeLessThanOrEqual(16);
      if (i > 0) expect(u.startMs).toBeGreaterThanOrEqual(all[i - 1]!.endMs);
    }
    // Speech of the second recording is placed after the gap, none inside it.
    expect(all.some((u) => u.startMs >= secondStartMs - 300)).toBe(true);
    expect(all.every((u) => u.startMs >= secondStartMs - 300 || u.endMs <= firstEndMs + 600)).toBe(true);
    expect(segmenter.processedMs).toBeGreaterThanOrEqual(((secondAt + second.length) / 8000) * 1000 - 1);
  });

  it('finds nothing in silence and starts a new run after a long gap', () => {
    const silero = new SileroVad();
    let created = 0;
    const segmenter = new UtteranceSegmenter({
      createVad: () => {
        created++;
        return silero.stream();
      },
      maxGapMs: 5000,
    });
    const silence = new Int16Array(8000);
    expect(feed(segmenter, silence, 0)).toEqual([]);
    expect(feed(segmenter, silence, 8000 * 60)).toEqual([]);
    expect(segmenter.end()).toEqual([]);
    expect(created).toBe(2);
    expect(segmenter.processedMs).toBe(61_000);
  });

  it('brings 8 kHz audio to 16 kHz', () => {
    const out = toVadRate(Int16Array.from([0, 16384, -16384, 0]), 8000);
    expect(out.length).toBe(8);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(0.25);
    expect(out[2]).toBeCloseTo(0.5);
  });
});

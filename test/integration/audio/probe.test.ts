import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAudioTool } from '../../../services/archive/audio.ffmpeg.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import {
  BAD_KINDS,
  expectedAudio,
  fixtureFfmpeg,
  makeFixture,
  type GoodKind,
} from '../../support/audio-fixtures.ts';

const SECONDS = 4.2;

/** Good inputs: what call centers, dialers and phones export, at their usual channel counts and rates. */
const GOOD: [GoodKind, number, number][] = [
  ['wav-pcm', 2, 8000],
  ['wav-pcm', 1, 44100],
  ['wav-ulaw', 2, 8000],
  ['wav-ulaw', 1, 8000],
  ['wav-alaw', 2, 8000],
  ['wav-alaw', 1, 16000],
  ['ogg-opus', 2, 48000],
  ['ogg-opus', 1, 16000],
  ['ogg-vorbis', 1, 44100],
  ['ogg-vorbis', 2, 22050],
  ['mp3', 2, 44100],
  ['mp3', 1, 22050],
  ['m4a', 2, 44100],
  ['m4a', 1, 16000],
  ['flac', 2, 16000],
  ['flac', 1, 8000],
  ['3gp', 1, 8000],
  ['wma', 2, 44100],
  ['wma', 1, 22050],
  ['webm-opus', 2, 48000],
];

describe(FfmpegAudioTool.name, () => {
  const tool = new FfmpegAudioTool();
  let dir: string;

  beforeAll(async () => {
    fixtureFfmpeg();
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-audio-probe-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('probe', () => {
    for (const [kind, channels, sampleRate] of GOOD) {
      it(`reports codec, channels, rate and duration of a ${channels}-channel ${sampleRate} Hz ${kind}`, async () => {
        const options = { seconds: SECONDS, channels, sampleRate };
        const file = await makeFixture(dir, kind, options);
        const expected = await expectedAudio(kind, options);
        const probe = await tool.probe(file);
        expect(probe).toMatchObject({
          codec: expected.codec,
          channels: expected.channels,
          sampleRate: expected.sampleRate,
          formatName: expected.formatName,
        });
        expect(Number.isInteger(probe.durationMs)).toBe(true);
        expect(Math.abs(probe.durationMs - SECONDS * 1000)).toBeLessThanOrEqual(50);
      });
    }

    it('counts the duration by decoding when the container states none (WebM from a browser recorder)', async () => {
      const file = await makeFixture(dir, 'webm-opus', { seconds: 7.3, channels: 1, sampleRate: 16000 });
      const probe = await tool.probe(file);
      expect(probe.bitRate).toBeNull(); // ffprobe had nothing to say about this file's length
      expect(Math.abs(probe.durationMs - 7300)).toBeLessThanOrEqual(50);
    });

    it('reports the G.711 codecs of 8 kHz telephony WAVs', async () => {
      const ulaw = await tool.probe(
        await makeFixture(dir, 'wav-ulaw', { seconds: 1, channels: 2, sampleRate: 8000 }),
      );
      const alaw = await tool.probe(
        await makeFixture(dir, 'wav-alaw', { seconds: 1, channels: 2, sampleRate: 8000 }),
      );
      expect([ulaw.codec, alaw.codec]).toEqual(['pcm_mulaw', 'pcm_alaw']);
      expect(ulaw.bitRate).toBe(128000);
    });

    for (const kind of BAD_KINDS) {
      it(`refuses a ${kind} file with INVALID_AUDIO`, async () => {
        const file = await makeFixture(dir, kind, { seconds: 1, channels: 1, sampleRate: 8000 });
        const error = await tool.probe(file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isEscuchaError(error, 'INVALID_AUDIO'), String(error)).toBe(true);
        expect((error as Error).message).not.toContain(dir);
      });
    }

    it('refuses a folder with INVALID_AUDIO and a missing file with NOT_FOUND', async () => {
      await expect(tool.probe(dir)).rejects.toMatchObject({ code: 'INVALID_AUDIO' });
      await expect(tool.probe(path.join(dir, 'nope.wav'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('reads a file whose name looks like an ffmpeg protocol or option', async () => {
      const file = await makeFixture(dir, 'wav-pcm', { seconds: 1, channels: 1, sampleRate: 8000 });
      const odd = path.join(dir, 'concat:-y http:x.wav');
      await import('node:fs/promises').then((fs) => fs.copyFile(file, odd));
      await expect(tool.probe(odd)).resolves.toMatchObject({ codec: 'pcm_s16le', durationMs: 1000 });
    });
  });
});

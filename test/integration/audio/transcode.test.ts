import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAudioTool } from '../../../services/archive/audio.ffmpeg.ts';
import type { ArchiveProfile } from '../../../services/archive/audio.types.ts';
import {
  channelRmsDb,
  expectedAudio,
  fixtureFfmpeg,
  GOOD_KINDS,
  makeFixture,
  makeOneSidedTone,
  readOpusHead,
} from '../../support/audio-fixtures.ts';

const DEFAULT: ArchiveProfile = { format: 'opus', bitrateKbps: 16, sampleRate: 16000, opusComplexity: 5 };
const SECONDS = 4.2;

/** Usual channels and rate of each input kind in a call-center archive. */
const SHAPE: Record<(typeof GOOD_KINDS)[number], [number, number]> = {
  'wav-pcm': [2, 16000],
  'wav-ulaw': [2, 8000],
  'wav-alaw': [2, 8000],
  'ogg-opus': [2, 48000],
  'ogg-vorbis': [1, 44100],
  mp3: [2, 44100],
  m4a: [2, 44100],
  flac: [1, 16000],
  '3gp': [1, 8000],
  wma: [2, 44100],
  'webm-opus': [1, 48000],
};

describe(FfmpegAudioTool.name, () => {
  const tool = new FfmpegAudioTool();
  let dir: string;
  let counter = 0;

  beforeAll(async () => {
    fixtureFfmpeg();
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-audio-transcode-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Transcodes into a file the way the object stores consume the stream; returns the file. */
  async function transcodeToFile(input: string, profile: ArchiveProfile, channels: number): Promise<string> {
    const out = path.join(dir, `out-${++counter}.${tool.describe(profile).extension}`);
    const job = tool.transcode(input, profile, channels);
    await Promise.all([pipeline(job.output, createWriteStream(out)), job.done]);
    return out;
  }

  describe('transcode with the default profile (Opus in Ogg)', () => {
    for (const kind of GOOD_KINDS) {
      it(`turns a ${kind} into Ogg/Opus with the same duration and channels`, async () => {
        const [channels, sampleRate] = SHAPE[kind];
        const options = { seconds: SECONDS, channels, sampleRate };
        const input = await makeFixture(dir, kind, options);
        const source = await tool.probe(input);
        expect(source.channels).toBe((await expectedAudio(kind, options)).channels);
        const out = await transcodeToFile(input, DEFAULT, source.channels);
        const back = await tool.probe(out);
        expect(back).toMatchObject({ formatName: 'ogg', codec: 'opus', channels: source.channels });
        expect(Math.abs(back.durationMs - source.durationMs)).toBeLessThanOrEqual(50);
        const head = await readOpusHead(out);
        expect(head.channels).toBe(source.channels);
        // Stereo is two independent mono streams (mapping family 255); mono is the plain family 0.
        expect(head.mappingFamily).toBe(source.channels === 2 ? 255 : 0);
        if (head.streams) expect(head.streams).toEqual({ count: 2, coupled: 0 });
        // Narrowband sources stay narrowband; wider ones come down to the profile's 16 kHz.
        expect(head.inputSampleRate).toBe(source.sampleRate <= 8000 ? 8000 : 16000);
      });
    }

    it('stays within 8 MB per call-hour at the default 16 kbps', async () => {
      const input = await makeFixture(dir, 'wav-ulaw', { seconds: 30, channels: 2, sampleRate: 8000 });
      const out = await transcodeToFile(input, DEFAULT, 2);
      const bytesPerHour = ((await readFile(out)).length * 3600) / 30;
      expect(bytesPerHour).toBeLessThan(8e6);
    });

    it('downmixes more than two channels to two and keeps mono as mono', async () => {
      const quad = await makeFixture(dir, 'wav-pcm', { seconds: 2, channels: 4, sampleRate: 16000 });
      expect((await tool.probe(quad)).channels).toBe(4);
      const fromQuad = await tool.probe(await transcodeToFile(quad, DEFAULT, 4));
      expect(fromQuad.channels).toBe(2);
      const mono = await makeFixture(dir, 'wav-pcm', { seconds: 2, channels: 1, sampleRate: 16000 });
      expect((await tool.probe(await transcodeToFile(mono, DEFAULT, 1))).channels).toBe(1);
    });

    it('writes the same bytes for the same input and profile', async () => {
      const input = await makeFixture(dir, 'mp3', { seconds: 3, channels: 2, sampleRate: 44100 });
      const digest = async (file: string) =>
        createHash('sha256')
          .update(await readFile(file))
          .digest('hex');
      const a = await digest(await transcodeToFile(input, DEFAULT, 2));
      const b = await digest(await transcodeToFile(input, DEFAULT, 2));
      expect(a).toBe(b);
    });
  });

  describe('channel separation (agent left, customer right)', () => {
    for (const toneOn of ['left', 'right'] as const) {
      for (const sampleRate of [8000, 16000]) {
        it(`keeps the silent side silent below -40 dB when the tone is on the ${toneOn} at ${sampleRate} Hz`, async () => {
          const input = await makeOneSidedTone(dir, { seconds: 5, sampleRate, toneOn });
          const out = await transcodeToFile(input, DEFAULT, 2);
          const [left, right] = await channelRmsDb(out);
          const [tone, silent] = toneOn === 'left' ? [left!, right!] : [right!, left!];
          expect(tone).toBeGreaterThan(-12); // the tone (−9 dBFS RMS) survives
          expect(silent - tone).toBeLessThan(-40);
        });
      }
    }
  });

  describe('other profiles', () => {
    const cases: [string, ArchiveProfile, string, number][] = [
      ['flac', { ...DEFAULT, format: 'flac' }, 'flac', 50],
      ['wav', { ...DEFAULT, format: 'wav' }, 'pcm_s16le', 50],
      [
        'mp3 at 32 kbps, 44.1 kHz',
        { ...DEFAULT, format: 'mp3', bitrateKbps: 32, sampleRate: 44100 },
        'mp3',
        50,
      ],
      [
        'mp3 at 256 kbps, 44.1 kHz',
        { ...DEFAULT, format: 'mp3', bitrateKbps: 256, sampleRate: 44100 },
        'mp3',
        50,
      ],
      // MPEG-2 layer III through a pipe: no LAME header, so the encoder delay and padding play (≤ 105 ms).
      [
        'mp3 at 32 kbps, 16 kHz',
        { ...DEFAULT, format: 'mp3', bitrateKbps: 32, sampleRate: 16000 },
        'mp3',
        110,
      ],
    ];
    for (const [name, profile, codec, toleranceMs] of cases) {
      for (const [kind, channels, sampleRate] of [
        ['wav-ulaw', 2, 8000],
        ['m4a', 1, 44100],
      ] as const) {
        it(`turns a ${channels}-channel ${kind} into ${name} with the same duration and channels`, async () => {
          const input = await makeFixture(dir, kind, { seconds: SECONDS, channels, sampleRate });
          const source = await tool.probe(input);
          const out = await transcodeToFile(input, profile, source.channels);
          const back = await tool.probe(out);
          const described = tool.describe(profile);
          expect(back).toMatchObject({ codec, channels: source.channels, sampleRate: profile.sampleRate });
          expect(back.formatName).toBe(described.format);
          expect(Math.abs(back.durationMs - source.durationMs)).toBeLessThanOrEqual(toleranceMs);
          if (profile.format === 'mp3') {
            expect(back.bitRate).toBe(profile.bitrateKbps * 1000);
          }
        });
      }
    }

    it('keeps the two channels apart in FLAC too', async () => {
      const input = await makeOneSidedTone(dir, { seconds: 2, sampleRate: 8000, toneOn: 'left' });
      const [left, right] = await channelRmsDb(
        await transcodeToFile(input, { ...DEFAULT, format: 'flac' }, 2),
      );
      expect(left).toBeGreaterThan(-12);
      expect(right).toBe(Number.NEGATIVE_INFINITY);
    });
  });

  describe('failures', () => {
    it('rejects done with TRANSCODE_FAILED and ffmpeg’s last words when the input cannot be read', async () => {
      const job = tool.transcode(path.join(dir, 'gone.wav'), DEFAULT, 2);
      const chunks: Buffer[] = [];
      const consumed = collect(job.output, chunks);
      await expect(job.done).rejects.toMatchObject({
        code: 'TRANSCODE_FAILED',
        message: expect.stringMatching(/No such file or directory/),
      });
      await expect(consumed).rejects.toMatchObject({ code: 'TRANSCODE_FAILED' });
      expect(await job.done.catch((e: Error) => e.message)).not.toContain(dir);
    });

    it('fails the stream for a reader that listens, so a store never keeps a partial object', async () => {
      const job = tool.transcode(path.join(dir, 'gone-too.wav'), DEFAULT, 2);
      const sink = path.join(dir, 'partial.ogg');
      await expect(pipeline(job.output, createWriteStream(sink))).rejects.toMatchObject({
        code: 'TRANSCODE_FAILED',
      });
      await expect(job.done).rejects.toMatchObject({ code: 'TRANSCODE_FAILED' });
    });

    it('reports TOOL_MISSING when the ffmpeg binary does not exist', async () => {
      const broken = new FfmpegAudioTool({
        paths: { ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe', source: 'system' },
      });
      const input = await makeFixture(dir, 'wav-pcm', { seconds: 1, channels: 1, sampleRate: 8000 });
      await expect(broken.probe(input)).rejects.toMatchObject({ code: 'TOOL_MISSING' });
      expect(() => broken.transcode(input, DEFAULT, 1)).toThrow(
        expect.objectContaining({ code: 'TOOL_MISSING' }),
      );
      // Later commands in this process go back to the real binaries.
      await expect(tool.probe(input)).resolves.toMatchObject({ codec: 'pcm_s16le' });
    });
  });
});

function collect(stream: Readable, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
}

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAudioTool } from '../../../services/archive/audio.ffmpeg.ts';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import { collectSamples, FfmpegChannelDecoder } from '../../../services/speech/audio-decode.ts';
import { requireTools, synthesizeCall } from './synthetic-speech.ts';

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
}

describe(FfmpegChannelDecoder.name, () => {
  let dir: string;
  let store: FsObjectStore;
  const key = '2026/01/01/call/call.ogg';

  beforeAll(async () => {
    await requireTools('espeak-ng', 'sox', 'ffmpeg');
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-decode-'));
    store = new FsObjectStore({ root: path.join(dir, 'objects') });
    const wav = path.join(dir, 'call.wav');
    await synthesizeCall(
      wav,
      {
        left: [{ text: 'buenos días, esta llamada está siendo grabada', voice: 'es', at: 0.5 }],
        right: [{ text: 'sí, dígame', voice: 'es', at: 5 }],
      },
      8,
    );
    // Exactly what the archive stores: its default profile (Opus in OGG, 16 kHz, 16 kbps, two channels).
    const job = new FfmpegAudioTool().transcode(
      wav,
      { format: 'opus', bitrateKbps: 16, sampleRate: 16000, opusComplexity: 5 },
      2,
    );
    await Promise.all([store.put(key, job.output, { contentType: 'audio/ogg' }), job.done]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes one channel of an archived Opus object to 16 kHz mono float PCM', async () => {
    const decoder = new FfmpegChannelDecoder({ store });
    const left = await collectSamples(decoder.decodeChannel(key, 0));
    const right = await collectSamples(decoder.decodeChannel(key, 1));
    expect(left.length / 16000).toBeCloseTo(8, 0);
    expect(right.length).toBe(left.length);
    const sec = (s: number) => Math.round(s * 16000);
    // The agent speaks on the left from 0.5 s; the right channel is silent then and speaks from 5 s.
    expect(rms(left, sec(0.6), sec(2.5))).toBeGreaterThan(0.02);
    expect(rms(right, sec(0.6), sec(2.5))).toBeLessThan(0.005);
    expect(rms(right, sec(5.05), sec(5.8))).toBeGreaterThan(0.02);
    expect(left.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(1.01);
  });

  it('stops ffmpeg when the consumer stops early', async () => {
    const decoder = new FfmpegChannelDecoder({ store });
    let chunks = 0;
    for await (const _ of decoder.decodeChannel(key, 0)) {
      if (++chunks === 1) break;
    }
    expect(chunks).toBe(1);
  });

  it('fails with TRANSCODE_FAILED on an object that is not audio', async () => {
    await store.put(
      '2026/01/01/bad/bad.ogg',
      Readable.from([Buffer.from('this is not an ogg file at all')]),
      { contentType: 'audio/ogg' },
    );
    const error = await collectSamples(
      new FfmpegChannelDecoder({ store }).decodeChannel('2026/01/01/bad/bad.ogg', 0),
    ).catch((e: unknown) => e);
    expect(isEscuchaError(error, 'TRANSCODE_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(
      /ffmpeg could not decode channel 0 of 2026\/01\/01\/bad\/bad\.ogg/,
    );
  });

  it('names the missing tool when ffmpeg is not there', async () => {
    const error = await collectSamples(
      new FfmpegChannelDecoder({ store, ffmpegPath: '/nonexistent/ffmpeg' }).decodeChannel(key, 0),
    ).catch((e: unknown) => e);
    expect(isEscuchaError(error, 'TOOL_MISSING')).toBe(true);
    expect((error as Error).message).toMatch(/ffmpeg not found .*apt-get install ffmpeg/);
  });
});

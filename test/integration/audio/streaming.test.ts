import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAudioTool } from '../../../services/archive/audio.ffmpeg.ts';
import type { ArchiveProfile } from '../../../services/archive/audio.types.ts';
import { childProcesses, fixtureFfmpeg, makeFixture, makeLongFixture } from '../../support/audio-fixtures.ts';

const DEFAULT: ArchiveProfile = { format: 'opus', bitrateKbps: 16, sampleRate: 16000, opusComplexity: 5 };

/** Peak RSS sampled every 20 ms until stopped. */
function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/** Resolves once no child ffmpeg of this process is left, zombie or alive; false after `ms`. */
async function noFfmpegChildren(ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await childProcesses('ffmpeg')).length === 0) return true;
    await sleep(25);
  }
  return (await childProcesses('ffmpeg')).length === 0;
}

describe(FfmpegAudioTool.name, () => {
  const tool = new FfmpegAudioTool();
  let dir: string;

  beforeAll(async () => {
    fixtureFfmpeg();
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-audio-stream-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams a 2-hour recording with flat memory', { timeout: 240_000 }, async () => {
    const input = await makeLongFixture(dir, { seconds: 7200, channels: 1, sampleRate: 8000 });
    const source = await tool.probe(input);
    expect(source.durationMs).toBe(7_200_000);
    // The WAV profile makes ffmpeg's output large (2 h × 16 kHz × 16 bit = 230 MB): buffering any real part of it
    // would show in the RSS; Opus output (14 MB) would be too small to prove it.
    const profile: ArchiveProfile = { ...DEFAULT, format: 'wav' };
    const out = path.join(dir, 'long.wav');
    const rssBefore = process.memoryUsage().rss;
    const sampler = rssSampler();
    const job = tool.transcode(input, profile, 1);
    await Promise.all([pipeline(job.output, createWriteStream(out)), job.done]);
    const growthMb = (sampler.stop() - rssBefore) / 2 ** 20;
    const bytes = (await stat(out)).size;
    expect(bytes).toBe(44 + 7200 * 16000 * 2);
    expect(growthMb).toBeLessThan(60);
    const back = await tool.probe(out);
    expect(Math.abs(back.durationMs - source.durationMs)).toBeLessThanOrEqual(50);
    console.log(
      `2 h WAV transcode: ${(bytes / 2 ** 20).toFixed(0)} MiB streamed, RSS growth ${growthMb.toFixed(1)} MiB`,
    );
  });

  it(
    'streams a 2-hour recording to Opus with flat memory and the same duration',
    { timeout: 240_000 },
    async () => {
      const input = await makeLongFixture(dir, { seconds: 7200, channels: 1, sampleRate: 8000 });
      const out = path.join(dir, 'long.ogg');
      const rssBefore = process.memoryUsage().rss;
      const sampler = rssSampler();
      // Complexity 0 keeps this test quick; the code path is the default profile's.
      const job = tool.transcode(input, { ...DEFAULT, opusComplexity: 0 }, 1);
      await Promise.all([pipeline(job.output, createWriteStream(out)), job.done]);
      const growthMb = (sampler.stop() - rssBefore) / 2 ** 20;
      expect(growthMb).toBeLessThan(60);
      const back = await tool.probe(out);
      expect(Math.abs(back.durationMs - 7_200_000)).toBeLessThanOrEqual(50);
      expect(((await stat(out)).size * 3600) / 7200).toBeLessThan(8e6);
    },
  );

  it('applies backpressure: a slow reader holds ffmpeg back instead of filling memory', async () => {
    const input = await makeFixture(dir, 'wav-pcm', { seconds: 600, channels: 2, sampleRate: 16000 });
    const job = tool.transcode(input, { ...DEFAULT, format: 'wav' }, 2);
    const rssBefore = process.memoryUsage().rss;
    let received = 0;
    // Reads 64 KiB every 10 ms (6.5 MB/s) of a 38 MB output ffmpeg could write in well under a second.
    const slow = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        setTimeout(callback, 10);
      },
    });
    const reading = pipeline(job.output, slow);
    await sleep(1500);
    const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(received).toBeLessThan(20 * 2 ** 20);
    expect(growthMb).toBeLessThan(30);
    job.output.destroy();
    await expect(reading).rejects.toThrow();
    await expect(job.done).rejects.toMatchObject({ code: 'TRANSCODE_FAILED' });
    expect(await noFfmpegChildren(5000)).toBe(true);
  });

  it('kills ffmpeg and leaves no zombie when the reader destroys the stream midway', async () => {
    const input = await makeFixture(dir, 'wav-ulaw', { seconds: 600, channels: 2, sampleRate: 8000 });
    const job = tool.transcode(input, DEFAULT, 2);
    await new Promise<void>((resolve) => job.output.once('data', () => resolve()));
    const running = await childProcesses('ffmpeg');
    expect(running.length).toBe(1);
    job.output.destroy();
    await expect(job.done).rejects.toMatchObject({
      code: 'TRANSCODE_FAILED',
      message: expect.stringContaining('closed before the end'),
    });
    expect(await noFfmpegChildren(5000)).toBe(true);
  });

  it('kills ffmpeg when the reader gives up before ffmpeg has even started', async () => {
    const input = await makeFixture(dir, 'wav-ulaw', { seconds: 600, channels: 2, sampleRate: 8000 });
    const job = tool.transcode(input, DEFAULT, 2);
    job.output.destroy();
    await expect(job.done).rejects.toMatchObject({ code: 'TRANSCODE_FAILED' });
    expect(await noFfmpegChildren(5000)).toBe(true);
  });

  it('leaves no child process behind after many short transcodes', async () => {
    const input = await makeFixture(dir, 'wav-ulaw', { seconds: 1, channels: 2, sampleRate: 8000 });
    for (let i = 0; i < 8; i++) {
      const job = tool.transcode(input, DEFAULT, 2);
      job.output.resume();
      await job.done;
    }
    expect(await noFfmpegChildren(2000)).toBe(true);
  });
});

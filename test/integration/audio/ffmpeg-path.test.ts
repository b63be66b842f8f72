import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegAudioTool } from '../../../services/archive/audio.ffmpeg.ts';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { fixtureFfmpeg, makeFixture, readOpusHead } from '../../support/audio-fixtures.ts';

const missing = { ffmpeg: 'escucha-no-such-ffmpeg', ffprobe: 'escucha-no-such-ffprobe' };

describe(resolveFfmpegPaths.name, () => {
  let dir: string;

  beforeAll(async () => {
    fixtureFfmpeg();
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-ffmpeg-path-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a working ffmpeg/ffprobe pair and remembers it', () => {
    const paths = resolveFfmpegPaths();
    expect(resolveFfmpegPaths()).toBe(paths);
    for (const binary of [paths.ffmpeg, paths.ffprobe]) {
      expect(spawnSync(binary, ['-version']).status).toBe(0);
    }
    if (paths.source === 'system') {
      expect(path.isAbsolute(paths.ffmpeg)).toBe(true);
      expect(path.isAbsolute(paths.ffprobe)).toBe(true);
    }
  });

  it('falls back to the binaries of the npm packages when none is on PATH', () => {
    const paths = resolveFfmpegPaths({ systemNames: missing });
    expect(paths.source).toBe('bundled');
    expect(paths.ffmpeg).toMatch(/@ffmpeg-installer/);
    expect(paths.ffprobe).toMatch(/@ffprobe-installer/);
  });

  it('fails with TOOL_MISSING naming the install step when nothing runs', () => {
    expect(() => resolveFfmpegPaths({ systemNames: missing, allowBundled: false })).toThrow(
      expect.objectContaining({
        code: 'TOOL_MISSING',
        message: expect.stringContaining('apt-get install ffmpeg'),
      }),
    );
  });

  it('probes and transcodes with the bundled binaries too', async () => {
    const tool = new FfmpegAudioTool({ paths: resolveFfmpegPaths({ systemNames: missing }) });
    const input = await makeFixture(dir, 'wav-ulaw', { seconds: 3, channels: 2, sampleRate: 8000 });
    const source = await tool.probe(input);
    expect(source).toMatchObject({ codec: 'pcm_mulaw', channels: 2, sampleRate: 8000, durationMs: 3000 });
    const out = path.join(dir, 'bundled.ogg');
    const job = tool.transcode(
      input,
      { format: 'opus', bitrateKbps: 16, sampleRate: 16000, opusComplexity: 5 },
      2,
    );
    await Promise.all([pipeline(job.output, createWriteStream(out)), job.done]);
    const back = await tool.probe(out);
    expect(back).toMatchObject({ codec: 'opus', channels: 2 });
    expect(Math.abs(back.durationMs - 3000)).toBeLessThanOrEqual(50);
    expect((await readOpusHead(out)).mappingFamily).toBe(255);
  });
});

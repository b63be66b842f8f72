import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runFfmpeg, runFfprobe } from '../../../services/archive/ffmpeg.runner.ts';

/** One second of a 440 Hz tone as 8 kHz mono s16le on stdout. */
const TONE = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=8000:duration=1', '-f', 's16le', 'pipe:1'];

describe(runFfmpeg.name, () => {
  it('streams stdout and resolves once ffmpeg has exited cleanly', async () => {
    const job = runFfmpeg(TONE, { what: 'make a tone', stdout: 'pipe' });
    let bytes = 0;
    for await (const chunk of job.stdout as AsyncIterable<Buffer>) bytes += chunk.length;
    await expect(job.done).resolves.toBe('');
    expect(bytes).toBe(16_000);
  });

  it('feeds an input stream into stdin', async () => {
    const pcm = Buffer.alloc(16_000);
    const job = runFfmpeg(
      ['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'],
      {
        what: 'copy samples',
        input: Readable.from([pcm]),
        stdout: 'pipe',
      },
    );
    let bytes = 0;
    for await (const chunk of job.stdout as AsyncIterable<Buffer>) bytes += chunk.length;
    await job.done;
    expect(bytes).toBe(16_000);
  });

  it('rejects with the caller code and the end of stderr when ffmpeg fails', async () => {
    const job = runFfmpeg(['-i', '/nonexistent/input.wav', '-f', 'null', '-'], {
      what: 'read it',
      code: 'INVALID_AUDIO',
    });
    const error = await job.done.catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_AUDIO',
      message: expect.stringMatching(/^ffmpeg could not read it: .*No such file/),
    });
    expect((error as { details: { stderr: string[] } }).details.stderr.join('\n')).toMatch(/No such file/);
  });

  it('names the install step when the binary does not start', async () => {
    const job = runFfmpeg(TONE, { what: 'make a tone', ffmpegPath: '/nonexistent/ffmpeg' });
    await expect(job.done).rejects.toMatchObject({
      code: 'TOOL_MISSING',
      message: expect.stringMatching(/ffmpeg not found \(\/nonexistent\/ffmpeg\): install ffmpeg/),
    });
  });

  it('stops ffmpeg and rejects with STORAGE_ERROR when the input stream fails', async () => {
    const input = new Readable({ read() {} });
    const job = runFfmpeg(['-f', 's16le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 'null', '-'], {
      what: 'read samples',
      input,
    });
    input.push(Buffer.alloc(1600));
    input.destroy(new Error('the store went away'));
    await expect(job.done).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringMatching(/the store went away/),
    });
  });

  it('kills ffmpeg on stop() and rejects', async () => {
    const job = runFfmpeg(['-re', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'], {
      what: 'run for ever',
    });
    job.stop();
    await expect(job.done).rejects.toMatchObject({ code: 'TRANSCODE_FAILED', message: /stopped/ });
  });
});

describe(runFfprobe.name, () => {
  it('returns what ffprobe writes', async () => {
    const json = await runFfprobe(
      ['-f', 'lavfi', '-print_format', 'json', '-show_streams', 'sine=sample_rate=8000'],
      {
        what: 'describe a tone',
      },
    );
    expect(JSON.parse(json)).toMatchObject({ streams: [{ codec_type: 'audio', sample_rate: '8000' }] });
  });
});

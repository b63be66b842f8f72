import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ObjectStore } from '../archive/object-store.ts';
import { EscuchaError } from '../platform/errors.ts';

/** Decodes one channel of a stored recording to mono float PCM, streamed in chunks. */
export interface ChannelAudioDecoder {
  readonly sampleRate: number;
  /**
   * Samples in [-1, 1] at `sampleRate`. Stopping the iteration early (break/return) stops the decoder and releases
   * the object stream.
   */
  decodeChannel(objectKey: string, channel: number): AsyncIterable<Float32Array>;
}

export interface FfmpegChannelDecoderOptions {
  store: ObjectStore;
  /** ffmpeg binary; the system one on PATH by default. */
  ffmpegPath?: string;
  sampleRate?: number;
}

/**
 * The only place in the speech pipeline that spawns ffmpeg: the archived object is streamed from the ObjectStore into
 * ffmpeg's stdin (OGG/Opus, FLAC, WAV and MP3 all decode from a pipe), one channel is picked with the pan filter and
 * resampled, and raw little-endian float32 comes back on stdout.
 */
export class FfmpegChannelDecoder implements ChannelAudioDecoder {
  readonly sampleRate: number;
  private readonly ffmpegPath: string;

  constructor(private readonly options: FfmpegChannelDecoderOptions) {
    this.sampleRate = options.sampleRate ?? 16_000;
    this.ffmpegPath = options.ffmpegPath ?? 'ffmpeg';
  }

  async *decodeChannel(objectKey: string, channel: number): AsyncIterable<Float32Array> {
    if (!Number.isInteger(channel) || channel < 0 || channel > 7) {
      throw new EscuchaError('BAD_REQUEST', `invalid channel ${channel}`);
    }
    const input: Readable = await this.options.store.get(objectKey);
    const args = [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      'pipe:0',
      '-vn',
      '-af',
      `pan=mono|c0=c${channel}`,
      '-ar',
      String(this.sampleRate),
      '-ac',
      '1',
      '-c:a',
      'pcm_f32le',
      '-f',
      'f32le',
      'pipe:1',
    ];
    const child = spawn(this.ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>(
      (resolve) => {
        child.once('error', (spawnError) => resolve({ code: null, signal: null, spawnError }));
        child.once('close', (code, signal) => resolve({ code, signal }));
      },
    );
    let inputError: Error | undefined;
    input.once('error', (e) => {
      inputError = e;
      child.kill('SIGKILL');
    });
    // ffmpeg may stop reading early (an error, or the consumer stopped): EPIPE on stdin is expected then.
    child.stdin.on('error', () => undefined);
    input.pipe(child.stdin);

    let finished = false;
    try {
      let carry: Buffer | null = null;
      for await (const data of child.stdout as AsyncIterable<Buffer>) {
        let buf: Buffer = carry ? Buffer.concat([carry, data]) : data;
        const usable = buf.length - (buf.length % 4);
        carry = usable < buf.length ? Buffer.from(buf.subarray(usable)) : null;
        if (usable === 0) continue;
        buf = buf.subarray(0, usable);
        // Copy into a fresh, aligned buffer the consumer owns (it may transfer it to a worker thread).
        const out = new Float32Array(usable / 4);
        new Uint8Array(out.buffer).set(buf);
        yield out;
      }
      const result = await exited;
      if (inputError) {
        throw new EscuchaError('STORAGE_ERROR', `cannot read ${objectKey}: ${inputError.message}`, {
          cause: inputError,
        });
      }
      if (result.spawnError) {
        const missing = (result.spawnError as NodeJS.ErrnoException).code === 'ENOENT';
        throw new EscuchaError(
          missing ? 'TOOL_MISSING' : 'TRANSCODE_FAILED',
          missing
            ? `ffmpeg not found (${this.ffmpegPath}): install it (apt-get install ffmpeg)`
            : result.spawnError.message,
          { cause: result.spawnError },
        );
      }
      if (result.code !== 0) {
        throw new EscuchaError(
          'TRANSCODE_FAILED',
          `ffmpeg could not decode channel ${channel} of ${objectKey} (exit ${result.code ?? result.signal}): ${stderr.trim().slice(-500)}`,
        );
      }
      finished = true;
    } finally {
      if (!finished) {
        input.unpipe(child.stdin);
        input.destroy();
        child.kill('SIGKILL');
        await exited;
      }
    }
  }
}

/** Collects a whole decoded stream (tests and short clips only; real calls are processed as they stream). */
export async function collectSamples(chunks: AsyncIterable<Float32Array>): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  let n = 0;
  for await (const c of chunks) {
    parts.push(c);
    n += c.length;
  }
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

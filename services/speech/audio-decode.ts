import type { Readable } from 'node:stream';
import { runFfmpeg } from '../archive/ffmpeg.runner.ts';
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
  /** ffmpeg binary; the resolved one (archive/ffmpeg-path.ts) by default. */
  ffmpegPath?: string;
  sampleRate?: number;
}

/**
 * The speech pipeline's ffmpeg decoding (run by archive/ffmpeg.runner.ts): the archived object is streamed from the ObjectStore into
 * ffmpeg's stdin (OGG/Opus, FLAC, WAV and MP3 all decode from a pipe), one channel is picked with the pan filter and
 * resampled, and raw little-endian float32 comes back on stdout.
 */
export class FfmpegChannelDecoder implements ChannelAudioDecoder {
  readonly sampleRate: number;

  constructor(private readonly options: FfmpegChannelDecoderOptions) {
    this.sampleRate = options.sampleRate ?? 16_000;
  }

  async *decodeChannel(objectKey: string, channel: number): AsyncIterable<Float32Array> {
    if (!Number.isInteger(channel) || channel < 0 || channel > 7) {
      throw new EscuchaError('BAD_REQUEST', `invalid channel ${channel}`);
    }
    const input: Readable = await this.options.store.get(objectKey);
    const args = [
      ...['-i', 'pipe:0', '-vn', '-af', `pan=mono|c0=c${channel}`],
      ...['-ar', String(this.sampleRate), '-ac', '1', '-c:a', 'pcm_f32le', '-f', 'f32le', 'pipe:1'],
    ];
    const job = runFfmpeg(args, {
      what: `decode channel ${channel} of ${objectKey}`,
      input,
      stdout: 'pipe',
      ...(this.options.ffmpegPath ? { ffmpegPath: this.options.ffmpegPath } : {}),
    });
    let finished = false;
    try {
      let carry: Buffer | null = null;
      for await (const data of job.stdout as AsyncIterable<Buffer>) {
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
      await job.done;
      finished = true;
    } finally {
      if (!finished) {
        job.stop();
        await job.done.catch(() => undefined);
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

import { spawn } from 'node:child_process';
import type { AudioDecoder } from './jitter-buffer.ts';

/**
 * Codecs Escucha decodes with ffmpeg after the call instead of packet by packet: G.722, G.729 and Opus. While the
 * call runs, their decoder stands in with silence of the right length (so the jitter buffer keeps real time) and
 * hands the payload to the recorder, which spools it; at assembly the payloads of a stream go through ffmpeg as one
 * raw G.722/G.729 bitstream or one Ogg Opus stream, and the decoded audio replaces the placeholders.
 */

export type DeferredCodec = 'g722' | 'g729' | 'opus';

export function deferredCodecOf(encoding: string): DeferredCodec | undefined {
  const e = encoding.toLowerCase();
  if (e === 'g722' || e === 'g729' || e === 'opus') return e;
  return undefined;
}

/** Decoded sample rate of each codec (G.722 is 16 kHz audio on an 8 kHz RTP clock; Opus decodes at 48 kHz). */
export function deferredSampleRate(codec: DeferredCodec): number {
  return codec === 'g722' ? 16000 : codec === 'g729' ? 8000 : 48000;
}

const OPUS_FRAME_SILK = [480, 960, 1920, 2880];
const OPUS_FRAME_HYBRID = [480, 960];
const OPUS_FRAME_CELT = [120, 240, 480, 960];

/** Samples at 48 kHz in one Opus packet, from its TOC byte (RFC 6716 §3.1). */
export function opusPacketSamples(packet: Buffer): number {
  if (packet.length < 1) return 0;
  const toc = packet[0] ?? 0;
  const config = toc >> 3;
  const frame =
    config < 12
      ? (OPUS_FRAME_SILK[config & 3] ?? 960)
      : config < 16
        ? (OPUS_FRAME_HYBRID[config & 1] ?? 960)
        : (OPUS_FRAME_CELT[config & 3] ?? 960);
  const code = toc & 3;
  const frames = code === 0 ? 1 : code === 3 ? (packet.length > 1 ? (packet[1] ?? 0) & 0x3f : 0) : 2;
  return frames * frame;
}

/** The usable part of a payload for the raw ffmpeg input (G.729 SID frames and trailing bytes are dropped). */
export function deferredUsableBytes(codec: DeferredCodec, payload: Buffer): Buffer {
  if (codec === 'g729') return payload.subarray(0, Math.floor(payload.length / 10) * 10);
  return payload;
}

/** Samples a payload decodes to, at `deferredSampleRate(codec)`. */
export function deferredSamples(codec: DeferredCodec, payload: Buffer): number {
  if (codec === 'g722') return payload.length * 2;
  if (codec === 'g729') return Math.floor(payload.length / 10) * 80;
  return opusPacketSamples(payload);
}

/**
 * A stand-in decoder: returns silence of the payload's length, and remembers which payload each returned array
 * belongs to (`payloadOf`), so the recorder can spool the payload at the position the jitter buffer gave it.
 */
export class DeferredDecoder implements AudioDecoder {
  readonly sampleRate: number;
  private readonly payloads = new WeakMap<ArrayBufferLike, Buffer>();

  constructor(readonly codec: DeferredCodec) {
    this.sampleRate = deferredSampleRate(codec);
  }

  decode(payload: Buffer): Int16Array {
    const samples = new Int16Array(deferredSamples(this.codec, payload));
    if (samples.length > 0) this.payloads.set(samples.buffer, Buffer.from(payload));
    return samples;
  }

  /** The payload behind a frame this decoder produced (the frame may be a trimmed view of it). */
  payloadOf(samples: Int16Array): { payload: Buffer; trim: number } | undefined {
    const payload = this.payloads.get(samples.buffer);
    if (!payload) return undefined;
    return { payload, trim: samples.byteOffset / 2 };
  }
}

/* ---------- Ogg Opus writer (RFC 7845), enough for ffmpeg to decode a packet stream ---------- */

const OGG_CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(data: Buffer): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) ^ (OGG_CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] ?? 0)) >>> 0;
  return crc >>> 0;
}

export class OggOpusWriter {
  private sequence = 0;
  private granule = 0n;
  private readonly serial = 0x45534355; // "ESCU"

  /** The identification and comment headers (each on its own page). */
  header(): Buffer {
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'latin1');
    head[8] = 1; // version
    head[9] = 1; // channels: decode to mono (stereo packets are downmixed)
    head.writeUInt16LE(0, 10); // pre-skip: the RTP stream is already running
    head.writeUInt32LE(48000, 12);
    head.writeInt16LE(0, 16);
    head[18] = 0;
    const vendor = Buffer.from('escucha', 'latin1');
    const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
    tags.write('OpusTags', 0, 'latin1');
    tags.writeUInt32LE(vendor.length, 8);
    vendor.copy(tags, 12);
    tags.writeUInt32LE(0, 12 + vendor.length);
    return Buffer.concat([this.page(head, 0x02, 0n), this.page(tags, 0x00, 0n)]);
  }

  /** One audio packet on its own page. */
  packet(packet: Buffer, last = false): Buffer {
    this.granule += BigInt(opusPacketSamples(packet));
    return this.page(packet, last ? 0x04 : 0x00, this.granule);
  }

  /** An empty end-of-stream page, for a stream whose last packet was already written. */
  end(): Buffer {
    return this.page(Buffer.alloc(0), 0x04, this.granule);
  }

  private page(data: Buffer, flags: number, granule: bigint): Buffer {
    const lacing: number[] = [];
    let left = data.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    lacing.push(left);
    const header = Buffer.alloc(27 + lacing.length);
    header.write('OggS', 0, 'latin1');
    header[4] = 0;
    header[5] = flags;
    header.writeBigInt64LE(granule, 6);
    header.writeUInt32LE(this.serial, 14);
    header.writeUInt32LE(this.sequence++, 18);
    header.writeUInt32LE(0, 22);
    header[26] = lacing.length;
    lacing.forEach((l, i) => (header[27 + i] = l));
    const page = Buffer.concat([header, data]);
    page.writeUInt32LE(oggCrc(page), 22);
    return page;
  }
}

/** ffmpeg arguments decoding a deferred stream file to mono s16le at the codec's rate. */
export function deferredFfmpegArgs(codec: DeferredCodec, input: string, output: string): string[] {
  const format = codec === 'opus' ? 'ogg' : codec;
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    format,
    '-i',
    input,
    '-f',
    's16le',
    '-acodec',
    'pcm_s16le',
    '-ac',
    '1',
    '-ar',
    String(deferredSampleRate(codec)),
    output,
  ];
}

/** Runs ffmpeg; rejects with its error output when it fails. */
export function runFfmpeg(ffmpegPath: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`));
    });
  });
}

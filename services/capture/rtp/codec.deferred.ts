import type { AudioDecoder } from './jitter-buffer.ts';

/**
 * Codecs Escucha decodes with ffmpeg after the call instead of packet by packet: G.722, G.729, Opus, GSM and G.726
 * at its four rates (RFC 3551 packing, and the big-endian AAL2 one). While the call runs, their decoder stands in
 * with silence of the right length (so the jitter buffer keeps real time) and hands the payload to the recorder,
 * which spools it; at assembly the payloads of a stream go through ffmpeg as one raw bitstream (or one Ogg Opus
 * stream), and the decoded audio replaces the placeholders.
 */

export const DEFERRED_CODECS = [
  'g722',
  'g729',
  'opus',
  'gsm',
  'g726-16',
  'g726-24',
  'g726-32',
  'g726-40',
  'aal2-g726-16',
  'aal2-g726-24',
  'aal2-g726-32',
  'aal2-g726-40',
] as const;
export type DeferredCodec = (typeof DEFERRED_CODECS)[number];

const DEFERRED = new Set<string>(DEFERRED_CODECS);

/** The deferred codec of an SDP encoding name (G726-32, AAL2-G726-32, GSM, ...), if it is one. */
export function deferredCodecOf(encoding: string): DeferredCodec | undefined {
  const e = encoding.toLowerCase();
  return DEFERRED.has(e) ? (e as DeferredCodec) : undefined;
}

/** Bits per sample of a G.726 codec (its rate in kbit/s over 8 kHz), or undefined for the others. */
function g726Bits(codec: DeferredCodec): number | undefined {
  const match = /g726-(\d\d)$/.exec(codec);
  return match ? Number(match[1]) / 8 : undefined;
}

/** Decoded sample rate of each codec (G.722 is 16 kHz audio on an 8 kHz RTP clock; Opus decodes at 48 kHz). */
export function deferredSampleRate(codec: DeferredCodec): number {
  return codec === 'g722' ? 16000 : codec === 'opus' ? 48000 : 8000;
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

/** Bytes and samples of one frame of the frame-based codecs (G.729 10 ms, GSM 20 ms). */
const FRAMES: Partial<Record<DeferredCodec, { bytes: number; samples: number }>> = {
  g729: { bytes: 10, samples: 80 },
  gsm: { bytes: 33, samples: 160 },
};

/**
 * The usable part of a payload for the raw ffmpeg input: whole frames only (G.729 SID frames and trailing bytes
 * are dropped, as is a GSM payload's odd tail).
 */
export function deferredUsableBytes(codec: DeferredCodec, payload: Buffer): Buffer {
  const frame = FRAMES[codec];
  if (frame) return payload.subarray(0, Math.floor(payload.length / frame.bytes) * frame.bytes);
  return payload;
}

/** Samples a payload decodes to, at `deferredSampleRate(codec)`. */
export function deferredSamples(codec: DeferredCodec, payload: Buffer): number {
  if (codec === 'g722') return payload.length * 2;
  const frame = FRAMES[codec];
  if (frame) return Math.floor(payload.length / frame.bytes) * frame.samples;
  const bits = g726Bits(codec);
  if (bits !== undefined) return Math.floor((payload.length * 8) / bits);
  return opusPacketSamples(payload);
}

/** File extension of a stream's spooled payloads at assembly. */
export function deferredFileExtension(codec: DeferredCodec): string {
  return codec === 'opus' ? 'ogg' : codec;
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
  const bits = g726Bits(codec);
  // RTP packs G.726 code words from the least significant bit (RFC 3551 §4.5.4): ffmpeg's "g726le"; AAL2 packs
  // them from the most significant: "g726".
  const format =
    bits !== undefined
      ? [
          '-f',
          codec.startsWith('aal2-') ? 'g726' : 'g726le',
          '-code_size',
          String(bits),
          '-sample_rate',
          '8000',
        ]
      : ['-f', codec === 'opus' ? 'ogg' : codec];
  return [
    '-y',
    ...format,
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

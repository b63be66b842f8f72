import type { AudioDecoder } from './jitter-buffer.ts';
import {
  AMR_MAGIC,
  amrFormatOf,
  amrFrameSamples,
  amrStorageFrames,
  splitAmrStorage,
  type AmrPayloadFormat,
} from './amr.ts';
import {
  speexBandOf,
  speexFrameSamples,
  speexFrames,
  speexHeader,
  speexSampleRate,
  type SpeexBand,
} from './speex.ts';

/**
 * Codecs Escucha decodes with ffmpeg after the call instead of packet by packet: G.722, G.729, Opus, GSM, G.726
 * at its four rates (RFC 3551 packing, and the big-endian AAL2 one), iLBC (RFC 3952), Speex (RFC 5574, narrow,
 * wide and ultra-wide band) and AMR and AMR-WB (RFC 4867). While the call runs, their decoder stands in with
 * silence of the right length (so the jitter buffer keeps real time) and hands the payload to the recorder, which
 * spools it in a form that says its own length (iLBC with its mode, Speex cut into frames, AMR repacked into the
 * storage format); at assembly the payloads of a stream go through ffmpeg as one bitstream (raw, an iLBC or AMR
 * storage file, or an Ogg stream), and the decoded audio replaces the placeholders. Frames ffmpeg does not decode
 * (AMR comfort-noise and no-data frames, an iLBC frame of the other mode) stay silence of their length.
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
  'ilbc',
  'speex-nb',
  'speex-wb',
  'speex-uwb',
  'amr',
  'amr-wb',
] as const;
export type DeferredCodec = (typeof DEFERRED_CODECS)[number];

const DEFERRED = new Set<string>(DEFERRED_CODECS);

/**
 * The deferred codec of an SDP encoding name (G726-32, AAL2-G726-32, GSM, iLBC, AMR-WB, ...), if it is one; Speex
 * takes its band from the clock rate (8000 when not given).
 */
export function deferredCodecOf(encoding: string, clockRate = 8000): DeferredCodec | undefined {
  const e = encoding.toLowerCase();
  if (e === 'speex') return `speex-${speexBandOf(clockRate)}`;
  return DEFERRED.has(e) ? (e as DeferredCodec) : undefined;
}

function speexBand(codec: DeferredCodec): SpeexBand | undefined {
  return codec.startsWith('speex-') ? (codec.slice(6) as SpeexBand) : undefined;
}

/** Bits per sample of a G.726 codec (its rate in kbit/s over 8 kHz), or undefined for the others. */
function g726Bits(codec: DeferredCodec): number | undefined {
  const match = /g726-(\d\d)$/.exec(codec);
  return match ? Number(match[1]) / 8 : undefined;
}

/** Decoded sample rate of each codec (G.722 is 16 kHz audio on an 8 kHz RTP clock; Opus decodes at 48 kHz). */
export function deferredSampleRate(codec: DeferredCodec): number {
  const band = speexBand(codec);
  if (band) return speexSampleRate(band);
  return codec === 'g722' || codec === 'amr-wb' ? 16000 : codec === 'opus' ? 48000 : 8000;
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

/** iLBC frame sizes (RFC 3952): 38 bytes per 20 ms, 50 per 30 ms. */
const ILBC = { 20: { bytes: 38, samples: 160 }, 30: { bytes: 50, samples: 240 } } as const;
type IlbcMode = keyof typeof ILBC;

/** What a stream's `a=fmtp` says of how its payloads are packed (iLBC mode, AMR payload format). */
export interface DeferredParams {
  ilbcMode: IlbcMode;
  amr: AmrPayloadFormat;
}

/** The packing parameters of a stream's `a=fmtp` value (RFC 3952 §5: iLBC is 30 ms unless `mode=20`). */
export function deferredParamsOf(fmtp: string | undefined): DeferredParams {
  return { ilbcMode: /(^|[;\s])mode\s*=\s*20\b/.test(fmtp ?? '') ? 20 : 30, amr: amrFormatOf(fmtp) };
}

/**
 * An RTP payload in the form the spool keeps, which says its own length: iLBC as its mode's byte (20 or 30) and
 * whole frames, the mode taken from the payload's size when only one fits (RFC 3952 §3.2); Speex as one
 * length-prefixed packet per frame; AMR as storage-format frames; the other codecs as received. Empty when nothing
 * in the payload can be used.
 */
export function deferredUnit(codec: DeferredCodec, payload: Buffer, params: DeferredParams): Buffer {
  if (codec === 'ilbc') {
    const fits20 = payload.length % ILBC[20].bytes === 0;
    const fits30 = payload.length % ILBC[30].bytes === 0;
    const mode: IlbcMode = fits20 && !fits30 ? 20 : fits30 && !fits20 ? 30 : params.ilbcMode;
    const whole = Math.floor(payload.length / ILBC[mode].bytes) * ILBC[mode].bytes;
    return whole === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([mode]), payload.subarray(0, whole)]);
  }
  if (speexBand(codec)) {
    return Buffer.concat(speexFrames(payload).flatMap((frame) => [Buffer.from([frame.length]), frame]));
  }
  if (codec === 'amr' || codec === 'amr-wb') {
    return Buffer.concat(amrStorageFrames(codec, payload, params.amr) ?? []);
  }
  return Buffer.from(payload);
}

/** Length-prefixed Speex packets of a spooled unit. */
function speexPackets(unit: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < unit.length;) {
    const length = unit[at]!;
    if (at + 1 + length > unit.length) break;
    out.push(unit.subarray(at + 1, at + 1 + length));
    at += 1 + length;
  }
  return out;
}

/** One piece of a spooled unit: bytes for ffmpeg and the samples they decode to, or (`data` null) silence. */
export interface DeferredPiece {
  data: Buffer | null;
  samples: number;
}

/**
 * The pieces of a spooled unit, in order: whole frames only (G.729 SID frames and trailing bytes are dropped, as
 * is a GSM payload's odd tail); AMR comfort-noise and no-data frames as silence of their 20 ms.
 */
export function deferredPieces(codec: DeferredCodec, unit: Buffer): DeferredPiece[] {
  if (codec === 'ilbc') {
    const frame = ILBC[unit[0] === 20 ? 20 : 30];
    const count = Math.floor((unit.length - 1) / frame.bytes);
    return count > 0
      ? [{ data: unit.subarray(1, 1 + count * frame.bytes), samples: count * frame.samples }]
      : [];
  }
  const band = speexBand(codec);
  if (band) return speexPackets(unit).map((data) => ({ data, samples: speexFrameSamples(band) }));
  if (codec === 'amr' || codec === 'amr-wb') {
    const samples = amrFrameSamples(codec);
    return splitAmrStorage(codec, unit).map((f) => ({ data: f.speech ? f.frame : null, samples }));
  }
  const frame = FRAMES[codec];
  if (frame) {
    const count = Math.floor(unit.length / frame.bytes);
    return count > 0 ? [{ data: unit.subarray(0, count * frame.bytes), samples: count * frame.samples }] : [];
  }
  return [{ data: unit, samples: deferredSamples(codec, unit) }];
}

/** Samples a spooled unit decodes to, at `deferredSampleRate(codec)`. */
export function deferredSamples(codec: DeferredCodec, unit: Buffer): number {
  if (codec === 'g722') return unit.length * 2;
  const bits = g726Bits(codec);
  if (bits !== undefined) return Math.floor((unit.length * 8) / bits);
  if (codec === 'opus') return opusPacketSamples(unit);
  const frame = FRAMES[codec];
  if (frame) return Math.floor(unit.length / frame.bytes) * frame.samples;
  return deferredPieces(codec, unit).reduce((n, p) => n + p.samples, 0);
}

/** File extension of a stream's spooled payloads at assembly. */
export function deferredFileExtension(codec: DeferredCodec): string {
  return codec === 'opus' || speexBand(codec) ? 'ogg' : codec;
}

/**
 * A stand-in decoder: returns silence of the payload's length, and remembers which spooled unit each returned
 * array belongs to (`payloadOf`), so the recorder can spool it at the position the jitter buffer gave it.
 */
export class DeferredDecoder implements AudioDecoder {
  readonly sampleRate: number;
  private readonly payloads = new WeakMap<ArrayBufferLike, Buffer>();
  private readonly params: DeferredParams;

  /** `fmtp`: the stream's `a=fmtp` value for its payload type, when the SDP had one. */
  constructor(
    readonly codec: DeferredCodec,
    fmtp?: string,
  ) {
    this.sampleRate = deferredSampleRate(codec);
    this.params = deferredParamsOf(fmtp);
  }

  decode(payload: Buffer): Int16Array {
    const unit = deferredUnit(this.codec, payload, this.params);
    const samples = new Int16Array(deferredSamples(this.codec, unit));
    if (samples.length > 0) this.payloads.set(samples.buffer, unit);
    return samples;
  }

  /** The payload behind a frame this decoder produced (the frame may be a trimmed view of it). */
  payloadOf(samples: Int16Array): { payload: Buffer; trim: number } | undefined {
    const payload = this.payloads.get(samples.buffer);
    if (!payload) return undefined;
    return { payload, trim: samples.byteOffset / 2 };
  }
}

/* ---------- Ogg writers (Opus, RFC 7845; Speex), enough for ffmpeg to decode a packet stream ---------- */

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

/** An Ogg stream of one logical bitstream: its header packets, then one page per audio packet. */
export class OggWriter {
  private sequence = 0;
  private granule = 0n;
  private readonly serial = 0x45534355; // "ESCU"

  /** `headers`: the stream's header packets; `samplesOf`: the granule step of an audio packet. */
  constructor(
    private readonly headers: readonly Buffer[],
    private readonly samplesOf: (packet: Buffer) => number,
  ) {}

  /** The header packets, each on its own page (the first flagged beginning-of-stream). */
  header(): Buffer {
    return Buffer.concat(this.headers.map((h, i) => this.page(h, i === 0 ? 0x02 : 0x00, 0n)));
  }

  /** One audio packet on its own page. */
  packet(packet: Buffer, last = false): Buffer {
    this.granule += BigInt(this.samplesOf(packet));
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

/** Comment header of a stream Escucha wrote (vendor "escucha", no comments), after `magic`. */
function commentHeader(magic: string): Buffer {
  const vendor = Buffer.from('escucha', 'latin1');
  const tags = Buffer.alloc(magic.length + 4 + vendor.length + 4);
  tags.write(magic, 0, 'latin1');
  tags.writeUInt32LE(vendor.length, magic.length);
  vendor.copy(tags, magic.length + 4);
  return tags;
}

export class OggOpusWriter extends OggWriter {
  constructor() {
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'latin1');
    head[8] = 1; // version
    head[9] = 1; // channels: decode to mono (stereo packets are downmixed)
    head.writeUInt16LE(0, 10); // pre-skip: the RTP stream is already running
    head.writeUInt32LE(48000, 12);
    super([head, commentHeader('OpusTags')], opusPacketSamples);
  }
}

/** Ogg Speex with one frame per packet (what `speexFrames` cuts an RTP payload into). */
export class OggSpeexWriter extends OggWriter {
  constructor(band: SpeexBand) {
    const samples = speexFrameSamples(band);
    super([speexHeader(band), commentHeader('')], () => samples);
  }
}

/**
 * The ffmpeg input of one deferred stream, written as its spooled units come: the container's header before the
 * first (an iLBC file takes the mode of the first unit; units of the other mode are silence), then each unit's
 * bytes; `pieces` says which samples of the unit ffmpeg will decode and which are silence.
 */
export class DeferredInput {
  private started = false;
  private readonly ogg: OggWriter | undefined;
  private ilbcMode = 0;

  constructor(private readonly codec: DeferredCodec) {
    const band = speexBand(codec);
    this.ogg = codec === 'opus' ? new OggOpusWriter() : band ? new OggSpeexWriter(band) : undefined;
  }

  add(unit: Buffer): { bytes: Buffer; pieces: DeferredPiece[] } {
    const chunks: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      if (this.ogg) chunks.push(this.ogg.header());
      else if (this.codec === 'amr' || this.codec === 'amr-wb') chunks.push(AMR_MAGIC[this.codec]);
      else if (this.codec === 'ilbc') {
        this.ilbcMode = unit[0] === 20 ? 20 : 30;
        chunks.push(Buffer.from(`#!iLBC${this.ilbcMode}\n`, 'latin1'));
      }
    }
    let pieces = deferredPieces(this.codec, unit);
    if (this.codec === 'ilbc' && unit[0] !== this.ilbcMode) {
      pieces = pieces.map((p) => ({ data: null, samples: p.samples }));
    }
    for (const piece of pieces) {
      if (piece.data) chunks.push(this.ogg ? this.ogg.packet(piece.data) : piece.data);
    }
    return { bytes: Buffer.concat(chunks), pieces };
  }

  /** What closes the input (an Ogg stream's end page). */
  end(): Buffer {
    return this.ogg && this.started ? this.ogg.end() : Buffer.alloc(0);
  }
}

/** ffmpeg's input options naming the form a deferred stream's input is written in (DeferredInput). */
function deferredInputFormat(codec: DeferredCodec): string[] {
  const bits = g726Bits(codec);
  // RTP packs G.726 code words from the least significant bit (RFC 3551 §4.5.4): ffmpeg's "g726le"; AAL2 packs
  // them from the most significant: "g726".
  if (bits !== undefined) {
    return [
      '-f',
      codec.startsWith('aal2-') ? 'g726' : 'g726le',
      '-code_size',
      String(bits),
      '-sample_rate',
      '8000',
    ];
  }
  if (codec === 'opus') return ['-f', 'ogg'];
  if (speexBand(codec)) return ['-f', 'ogg', '-acodec', 'libspeex'];
  if (codec === 'amr' || codec === 'amr-wb') return ['-f', 'amr'];
  return ['-f', codec];
}

/** ffmpeg's output options: mono s16le at the codec's rate. */
function deferredOutputFormat(codec: DeferredCodec): string[] {
  return ['-f', 's16le', '-acodec', 'pcm_s16le', '-ac', '1', '-ar', String(deferredSampleRate(codec))];
}

/** ffmpeg arguments decoding a deferred stream file to mono s16le at the codec's rate. */
export function deferredFfmpegArgs(codec: DeferredCodec, input: string, output: string): string[] {
  return ['-y', ...deferredInputFormat(codec), '-i', input, ...deferredOutputFormat(codec), output];
}

/**
 * ffmpeg arguments decoding a deferred stream live: its input written to stdin as it comes (DeferredInput), its
 * PCM read from stdout as each packet is decoded. No probing (the form is named, so ffmpeg need not read ahead
 * before decoding) and a flush after each packet, so that ffmpeg holds nothing back.
 */
export function liveDeferredFfmpegArgs(codec: DeferredCodec): string[] {
  return [
    '-probesize',
    '32',
    '-analyzeduration',
    '0',
    ...deferredInputFormat(codec),
    '-i',
    'pipe:0',
    ...deferredOutputFormat(codec),
    '-flush_packets',
    '1',
    'pipe:1',
  ];
}

/**
 * AMR and AMR-WB over RTP (RFC 4867): both payload formats (bandwidth-efficient, and octet-aligned with its
 * optional CRCs), a codec mode request and a table of contents before one or more 20 ms frames, repacked into the
 * storage format (RFC 4867 §5: a one-byte frame header, the frame's bits from the most significant, zero padded)
 * that ffmpeg's amr demuxer reads after its `#!AMR\n` / `#!AMR-WB\n` magic. Interleaved and robust-sorted
 * payloads are not unpacked (nothing decodes them here): those packets stand for silence.
 */

export type AmrVariant = 'amr' | 'amr-wb';

/** Speech bits of each frame type (-1: reserved); 15 (and AMR-WB's 14, speech lost) carry none. */
const FRAME_BITS: Record<AmrVariant, readonly number[]> = {
  amr: [95, 103, 118, 134, 148, 159, 204, 244, 39, 43, 38, 37, -1, -1, -1, 0],
  'amr-wb': [132, 177, 253, 285, 317, 365, 397, 461, 477, 40, -1, -1, -1, -1, 0, 0],
};

/** Frame types that are speech (what ffmpeg's decoders decode; SID and no-data frames are silence here). */
const SPEECH_TYPES: Record<AmrVariant, number> = { amr: 8, 'amr-wb': 9 };

export const AMR_MAGIC: Record<AmrVariant, Buffer> = {
  amr: Buffer.from('#!AMR\n', 'latin1'),
  'amr-wb': Buffer.from('#!AMR-WB\n', 'latin1'),
};

/** Samples in one frame (20 ms at 8 or 16 kHz). */
export function amrFrameSamples(variant: AmrVariant): number {
  return variant === 'amr' ? 160 : 320;
}

export interface AmrPayloadFormat {
  octetAligned: boolean;
  crc: boolean;
  /** Interleaving or robust sorting: not unpacked. */
  unsupported: boolean;
}

/** The payload format an `a=fmtp` line gives (RFC 4867 §8.1; without one, bandwidth-efficient). */
export function amrFormatOf(fmtp: string | undefined): AmrPayloadFormat {
  const params = new Map<string, string>();
  for (const part of (fmtp ?? '').split(';')) {
    const [key = '', value = ''] = part.split('=');
    if (key.trim() !== '') params.set(key.trim().toLowerCase(), value.trim());
  }
  const on = (name: string): boolean => params.get(name) === '1';
  const crc = on('crc');
  const unsupported = on('robust-sorting') || params.has('interleaving');
  // CRCs, robust sorting and interleaving exist only in the octet-aligned format.
  return { octetAligned: on('octet-align') || crc || unsupported, crc, unsupported };
}

class BitReader {
  private at = 0;
  constructor(private readonly data: Buffer) {}
  get left(): number {
    return this.data.length * 8 - this.at;
  }
  read(bits: number): number {
    let value = 0;
    for (let i = 0; i < bits; i++, this.at++) {
      value = (value << 1) | (((this.data[this.at >> 3] ?? 0) >> (7 - (this.at & 7))) & 1);
    }
    return value;
  }
  /** `bits` bits into a zero-padded byte buffer, from its most significant bit. */
  copy(bits: number, out: Buffer, offset: number): void {
    for (let i = 0; i < bits; i++) {
      if (this.read(1)) out[offset + (i >> 3)]! |= 0x80 >> (i & 7);
    }
  }
}

interface TocEntry {
  type: number;
  quality: number;
}

function storageFrame(variant: AmrVariant, toc: TocEntry): Buffer | undefined {
  const bits = FRAME_BITS[variant][toc.type] ?? -1;
  if (bits < 0) return undefined;
  const frame = Buffer.alloc(1 + Math.ceil(bits / 8));
  frame[0] = (toc.type << 3) | (toc.quality << 2);
  return frame;
}

function bandwidthEfficient(variant: AmrVariant, payload: Buffer): Buffer[] | undefined {
  const reader = new BitReader(payload);
  if (reader.left < 10) return undefined;
  reader.read(4); // codec mode request
  const toc: TocEntry[] = [];
  for (let follows = 1; follows === 1;) {
    if (reader.left < 6) return undefined;
    follows = reader.read(1);
    toc.push({ type: reader.read(4), quality: reader.read(1) });
  }
  const frames: Buffer[] = [];
  for (const entry of toc) {
    const frame = storageFrame(variant, entry);
    const bits = FRAME_BITS[variant][entry.type] ?? -1;
    if (!frame || bits > reader.left) return undefined;
    reader.copy(bits, frame, 1);
    frames.push(frame);
  }
  return reader.left < 8 ? frames : undefined;
}

function octetAligned(variant: AmrVariant, payload: Buffer, crc: boolean): Buffer[] | undefined {
  if (payload.length < 2 || (payload[0]! & 0x0f) !== 0) return undefined;
  const toc: TocEntry[] = [];
  let at = 1;
  for (let follows = true; follows; at++) {
    const byte = payload[at];
    if (byte === undefined || (byte & 0x03) !== 0) return undefined;
    follows = (byte & 0x80) !== 0;
    toc.push({ type: (byte >> 3) & 0x0f, quality: (byte >> 2) & 1 });
  }
  if (crc) at += toc.filter((e) => (FRAME_BITS[variant][e.type] ?? 0) > 0).length;
  const frames: Buffer[] = [];
  for (const entry of toc) {
    const frame = storageFrame(variant, entry);
    if (!frame || at + frame.length - 1 > payload.length) return undefined;
    payload.copy(frame, 1, at, at + frame.length - 1);
    at += frame.length - 1;
    frames.push(frame);
  }
  return frames;
}

/**
 * The storage-format frames of one RTP payload, in the format the SDP names; when the payload does not parse in
 * that format but does in the other (a capture that missed the SDP with `octet-align`), the other one. Undefined
 * when it parses in neither, or uses interleaving or robust sorting.
 */
export function amrStorageFrames(
  variant: AmrVariant,
  payload: Buffer,
  format: AmrPayloadFormat,
): Buffer[] | undefined {
  if (format.unsupported) return undefined;
  if (format.octetAligned) {
    return octetAligned(variant, payload, format.crc) ?? bandwidthEfficient(variant, payload);
  }
  return bandwidthEfficient(variant, payload) ?? octetAligned(variant, payload, false);
}

/**
 * Splits concatenated storage-format frames: each frame's bytes, and whether it is speech (decoded by ffmpeg) or
 * a SID, lost or no-data frame (silence of the same 20 ms).
 */
export function splitAmrStorage(
  variant: AmrVariant,
  data: Buffer,
): Array<{ frame: Buffer; speech: boolean }> {
  const out: Array<{ frame: Buffer; speech: boolean }> = [];
  for (let at = 0; at < data.length;) {
    const type = (data[at]! >> 3) & 0x0f;
    const bits = FRAME_BITS[variant][type] ?? -1;
    if (bits < 0) break;
    const length = 1 + Math.ceil(bits / 8);
    if (at + length > data.length) break;
    out.push({ frame: data.subarray(at, at + length), speech: type < SPEECH_TYPES[variant] });
    at += length;
  }
  return out;
}

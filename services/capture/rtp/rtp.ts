import { fail, ok, type ParseResult } from '../parse-result.ts';

/**
 * RTP fixed header, CSRC list, header extension and padding (RFC 3550 §5.1, §5.3.1). `parseRtp` runs once per
 * captured packet, so it returns a result instead of throwing; the payload is a view into the input.
 */

export interface RtpHeaderExtension {
  /** "defined by profile" field (0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  data: Buffer;
}

export interface RtpPacket {
  version: 2;
  padding: boolean;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  extension: RtpHeaderExtension | undefined;
  payload: Buffer;
  /** Padding bytes removed from the end (0 when there is none). */
  paddingLength: number;
}

export const RTP_HEADER_BYTES = 12;

/**
 * The fixed-header fields of one RTP packet, read into a reused object: the per-packet paths (live sockets,
 * capture files) parse every datagram with one `RtpHeader` instead of building a packet object, a CSRC array and
 * a payload view each time. `payloadStart`/`payloadEnd` delimit the payload in the datagram (padding removed).
 */
export class RtpHeader {
  padding = false;
  hasExtension = false;
  marker = false;
  payloadType = 0;
  sequence = 0;
  timestamp = 0;
  ssrc = 0;
  csrcCount = 0;
  /** Offset of the header extension's profile field (valid when `hasExtension`). */
  extensionStart = 0;
  payloadStart = 0;
  payloadEnd = 0;
  paddingLength = 0;
  /** Why the last `read` failed. */
  error = '';

  /** Reads `data`; false (with `error`) when it is not a well-formed RTP packet. */
  read(data: Buffer): boolean {
    const length = data.length;
    if (length < RTP_HEADER_BYTES) return this.fail('shorter than an RTP header');
    const b0 = data[0]!;
    const b1 = data[1]!;
    if (b0 >> 6 !== 2) return this.fail(`RTP version ${b0 >> 6}`);
    this.padding = (b0 & 0x20) !== 0;
    this.hasExtension = (b0 & 0x10) !== 0;
    this.csrcCount = b0 & 0x0f;
    let offset = RTP_HEADER_BYTES + this.csrcCount * 4;
    if (length < offset) return this.fail('CSRC list runs past the packet');
    if (this.hasExtension) {
      if (length < offset + 4) return this.fail('extension header runs past the packet');
      this.extensionStart = offset;
      const end = offset + 4 + ((data[offset + 2]! << 8) | data[offset + 3]!) * 4;
      if (length < end) return this.fail('extension data runs past the packet');
      offset = end;
    }
    let paddingLength = 0;
    if (this.padding) {
      paddingLength = data[length - 1]!;
      if (paddingLength === 0 || offset + paddingLength > length)
        return this.fail('invalid RTP padding length');
    }
    this.marker = (b1 & 0x80) !== 0;
    this.payloadType = b1 & 0x7f;
    this.sequence = (data[2]! << 8) | data[3]!;
    this.timestamp = ((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0;
    this.ssrc = ((data[8]! << 24) | (data[9]! << 16) | (data[10]! << 8) | data[11]!) >>> 0;
    this.payloadStart = offset;
    this.payloadEnd = length - paddingLength;
    this.paddingLength = paddingLength;
    this.error = '';
    return true;
  }

  /** The packet as an object (the header must come from a successful `read` of `data`). */
  toPacket(data: Buffer): RtpPacket {
    const csrc: number[] = [];
    for (let i = 0; i < this.csrcCount; i++) csrc.push(data.readUInt32BE(RTP_HEADER_BYTES + i * 4));
    const at = this.extensionStart;
    return {
      version: 2,
      padding: this.padding,
      marker: this.marker,
      payloadType: this.payloadType,
      sequence: this.sequence,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      csrc,
      extension: this.hasExtension
        ? {
            profile: data.readUInt16BE(at),
            data: data.subarray(at + 4, at + 4 + data.readUInt16BE(at + 2) * 4),
          }
        : undefined,
      payload: data.subarray(this.payloadStart, this.payloadEnd),
      paddingLength: this.paddingLength,
    };
  }

  private fail(reason: string): false {
    this.error = reason;
    return false;
  }
}

const scratch = new RtpHeader();

export function parseRtp(data: Buffer): ParseResult<RtpPacket> {
  if (!scratch.read(data)) return fail(scratch.error);
  return ok(scratch.toPacket(data));
}

/** True when `header` (just read) has a payload type that can be RTP rather than RTCP (RFC 5761 §4). */
export function isRtpPayloadType(payloadType: number): boolean {
  return payloadType < 64 || payloadType > 95;
}

/**
 * Cheap test for "this UDP payload looks like RTP": version 2, not an RTCP packet type (RFC 5761 §4: payload
 * types 64–95 collide with RTCP 192–223 once the marker bit is included), and a well-formed header.
 */
export function looksLikeRtp(data: Buffer): boolean {
  if (data.length < RTP_HEADER_BYTES || (data[0] ?? 0) >> 6 !== 2) return false;
  const pt = (data[1] ?? 0) & 0x7f;
  if (pt >= 64 && pt <= 95) return false;
  return scratch.read(data);
}

export interface RtpEncodeInput {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  csrc?: readonly number[];
  extension?: RtpHeaderExtension;
  /** Adds this many padding bytes (1–255). */
  padding?: number;
  payload: Buffer;
}

/** Builds an RTP packet (synthetic calls and tests). */
export function encodeRtp(input: RtpEncodeInput): Buffer {
  const csrc = (input.csrc ?? []).slice(0, 15);
  const ext = input.extension;
  const extLength = ext ? 4 + Math.ceil(ext.data.length / 4) * 4 : 0;
  const padding = input.padding ?? 0;
  const out = Buffer.alloc(RTP_HEADER_BYTES + csrc.length * 4 + extLength + input.payload.length + padding);
  out[0] = 0x80 | (padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | (csrc.length & 0x0f);
  out[1] = (input.marker ? 0x80 : 0) | (input.payloadType & 0x7f);
  out.writeUInt16BE(input.sequence & 0xffff, 2);
  out.writeUInt32BE(input.timestamp >>> 0, 4);
  out.writeUInt32BE(input.ssrc >>> 0, 8);
  let offset = RTP_HEADER_BYTES;
  for (const c of csrc) {
    out.writeUInt32BE(c >>> 0, offset);
    offset += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile & 0xffff, offset);
    out.writeUInt16BE((extLength - 4) / 4, offset + 2);
    ext.data.copy(out, offset + 4);
    offset += extLength;
  }
  input.payload.copy(out, offset);
  if (padding > 0) out[out.length - 1] = padding;
  return out;
}

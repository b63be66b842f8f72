import { fail, ok, type ParseResult } from './parse-result.ts';

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

export function parseRtp(data: Buffer): ParseResult<RtpPacket> {
  if (data.length < RTP_HEADER_BYTES) return fail('shorter than an RTP header');
  const b0 = data[0] ?? 0;
  const b1 = data[1] ?? 0;
  if (b0 >> 6 !== 2) return fail(`RTP version ${b0 >> 6}`);
  const padding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_BYTES + csrcCount * 4;
  if (data.length < offset) return fail('CSRC list runs past the packet');
  const csrc: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrc.push(data.readUInt32BE(RTP_HEADER_BYTES + i * 4));

  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    if (data.length < offset + 4) return fail('extension header runs past the packet');
    const profile = data.readUInt16BE(offset);
    const words = data.readUInt16BE(offset + 2);
    const end = offset + 4 + words * 4;
    if (data.length < end) return fail('extension data runs past the packet');
    extension = { profile, data: data.subarray(offset + 4, end) };
    offset = end;
  }

  let paddingLength = 0;
  if (padding) {
    paddingLength = data[data.length - 1] ?? 0;
    if (paddingLength === 0 || offset + paddingLength > data.length)
      return fail('invalid RTP padding length');
  }
  return ok({
    version: 2,
    padding,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: data.readUInt16BE(2),
    timestamp: data.readUInt32BE(4),
    ssrc: data.readUInt32BE(8),
    csrc,
    extension,
    payload: data.subarray(offset, data.length - paddingLength),
    paddingLength,
  });
}

/**
 * Cheap test for "this UDP payload looks like RTP": version 2, not an RTCP packet type (RFC 5761 §4: payload
 * types 64–95 collide with RTCP 192–223 once the marker bit is included), and a well-formed header.
 */
export function looksLikeRtp(data: Buffer): boolean {
  if (data.length < RTP_HEADER_BYTES || (data[0] ?? 0) >> 6 !== 2) return false;
  const pt = (data[1] ?? 0) & 0x7f;
  if (pt >= 64 && pt <= 95) return false;
  return parseRtp(data).ok;
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

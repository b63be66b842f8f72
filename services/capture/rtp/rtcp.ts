import { fail, ok, type ParseResult } from '../parse-result.ts';

/**
 * RTCP compound packets (RFC 3550 §6.4–6.6): sender and receiver reports with their report blocks, SDES items
 * and BYE. Other packet types (APP, RTPFB, PSFB, XR) are listed with their type only.
 */

export interface ReportBlock {
  ssrc: number;
  /** Fraction of packets lost since the previous report, 0–1. */
  fractionLost: number;
  /** Cumulative packets lost (signed 24-bit: duplicates can make it negative). */
  cumulativeLost: number;
  highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}

export interface SenderInfo {
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export type RtcpPacket =
  | { type: 'sr'; ssrc: number; sender: SenderInfo; reports: ReportBlock[] }
  | { type: 'rr'; ssrc: number; reports: ReportBlock[] }
  | { type: 'sdes'; chunks: Array<{ ssrc: number; items: Array<{ type: number; value: string }> }> }
  | { type: 'bye'; ssrcs: number[]; reason: string | undefined }
  | { type: 'other'; packetType: number };

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
/** SDES item types (RFC 3550 §6.5). */
export const SDES_CNAME = 1;

function reportBlocks(data: Buffer, offset: number, count: number, end: number): ReportBlock[] | undefined {
  if (offset + count * 24 > end) return undefined;
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + i * 24;
    const lost = data.readUIntBE(at + 5, 3);
    blocks.push({
      ssrc: data.readUInt32BE(at),
      fractionLost: (data[at + 4] ?? 0) / 256,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      highestSequence: data.readUInt32BE(at + 8),
      jitter: data.readUInt32BE(at + 12),
      lastSr: data.readUInt32BE(at + 16),
      delaySinceLastSr: data.readUInt32BE(at + 20),
    });
  }
  return blocks;
}

function parseSdes(data: Buffer, offset: number, count: number, end: number): RtcpPacket | undefined {
  const chunks: Array<{ ssrc: number; items: Array<{ type: number; value: string }> }> = [];
  let at = offset;
  for (let c = 0; c < count; c++) {
    if (at + 4 > end) return undefined;
    const chunk = { ssrc: data.readUInt32BE(at), items: [] as Array<{ type: number; value: string }> };
    at += 4;
    for (;;) {
      if (at >= end) return undefined;
      const type = data[at] ?? 0;
      if (type === 0) {
        at = (at + 4) & ~3; // null item, then padding to the next 32-bit boundary
        break;
      }
      const length = data[at + 1];
      if (length === undefined || at + 2 + length > end) return undefined;
      chunk.items.push({ type, value: data.toString('utf8', at + 2, at + 2 + length) });
      at += 2 + length;
    }
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

/** Parses every packet of a compound RTCP datagram. */
export function parseRtcp(data: Buffer): ParseResult<RtcpPacket[]> {
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (data.length - offset < 4) return fail('RTCP header runs past the datagram');
    const b0 = data[offset] ?? 0;
    if (b0 >> 6 !== 2) return fail(`RTCP version ${b0 >> 6}`);
    const count = b0 & 0x1f;
    const packetType = data[offset + 1] ?? 0;
    const end = offset + (data.readUInt16BE(offset + 2) + 1) * 4;
    if (end > data.length) return fail('RTCP length runs past the datagram');
    const body = offset + 4;
    let packet: RtcpPacket | undefined;
    if (packetType === RTCP_SR) {
      if (body + 24 <= end) {
        const reports = reportBlocks(data, body + 24, count, end);
        if (reports) {
          packet = {
            type: 'sr',
            ssrc: data.readUInt32BE(body),
            sender: {
              ntpSeconds: data.readUInt32BE(body + 4),
              ntpFraction: data.readUInt32BE(body + 8),
              rtpTimestamp: data.readUInt32BE(body + 12),
              packetCount: data.readUInt32BE(body + 16),
              octetCount: data.readUInt32BE(body + 20),
            },
            reports,
          };
        }
      }
    } else if (packetType === RTCP_RR) {
      const reports = body + 4 <= end ? reportBlocks(data, body + 4, count, end) : undefined;
      if (reports) packet = { type: 'rr', ssrc: data.readUInt32BE(body), reports };
    } else if (packetType === RTCP_SDES) {
      packet = parseSdes(data, body, count, end);
    } else if (packetType === RTCP_BYE) {
      if (body + count * 4 <= end) {
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(data.readUInt32BE(body + i * 4));
        const reasonAt = body + count * 4;
        let reason: string | undefined;
        if (reasonAt < end) {
          const length = data[reasonAt] ?? 0;
          if (reasonAt + 1 + length > end) return fail('RTCP BYE reason runs past the packet');
          reason = data.toString('utf8', reasonAt + 1, reasonAt + 1 + length);
        }
        packet = { type: 'bye', ssrcs, reason };
      }
    } else {
      packet = { type: 'other', packetType };
    }
    if (!packet) return fail(`malformed RTCP packet type ${packetType}`);
    packets.push(packet);
    offset = end;
  }
  if (packets.length === 0) return fail('empty RTCP datagram');
  return ok(packets);
}

/** A UDP payload that starts like RTCP (version 2, SR/RR/SDES/BYE/APP/feedback/XR packet type). */
export function looksLikeRtcp(data: Buffer): boolean {
  if (data.length < 8 || (data[0] ?? 0) >> 6 !== 2) return false;
  const pt = data[1] ?? 0;
  return pt >= 192 && pt <= 223;
}

import { gunzipSync } from 'node:zlib';
import { formatIpv4, formatIpv6 } from './packet.decode.ts';
import { badInput, fail, ok, type ParseResult } from '../parse-result.ts';

/**
 * HEP v3 (Homer Encapsulation Protocol, EEP): a `HEP3` header with the total length, then chunks of
 * (vendor id, type, length, value). Escucha reads the generic chunks (vendor 0): addresses, ports,
 * timestamps, capture protocol type, agent id, auth key, payload (plain or gzip), correlation id; other
 * chunks are kept raw. `encodeHep` builds packets for tests and for forwarding.
 */

/** Capture protocol types (chunk 0x000b). */
export const HEP_PROTOCOL = {
  SIP: 0x01,
  XMPP: 0x02,
  SDP: 0x03,
  RTP: 0x04,
  RTCP_JSON: 0x05,
  MGCP: 0x06,
  MEGACO: 0x07,
  M2UA: 0x08,
  M3UA: 0x09,
  IAX: 0x0a,
  H322: 0x0b,
  H321: 0x0c,
  M2PA: 0x0d,
  MOS_FULL_JSON: 0x22,
  MOS_SHORT: 0x23,
  SIP_JSON: 0x32,
  DNS_JSON: 0x35,
  M3UA_ISUP_JSON: 0x36,
  RTSP: 0x37,
  DIAMETER: 0x38,
  GSM_MAP: 0x39,
  LOG: 0x64,
} as const;

export const HEP_CHUNK = {
  IP_FAMILY: 0x01,
  IP_PROTOCOL: 0x02,
  IPV4_SRC: 0x03,
  IPV4_DST: 0x04,
  IPV6_SRC: 0x05,
  IPV6_DST: 0x06,
  SRC_PORT: 0x07,
  DST_PORT: 0x08,
  TIMESTAMP_SECONDS: 0x09,
  TIMESTAMP_MICROS: 0x0a,
  PROTOCOL_TYPE: 0x0b,
  CAPTURE_AGENT_ID: 0x0c,
  KEEP_ALIVE: 0x0d,
  AUTH_KEY: 0x0e,
  PAYLOAD: 0x0f,
  COMPRESSED_PAYLOAD: 0x10,
  CORRELATION_ID: 0x11,
  VLAN_ID: 0x12,
  NODE_NAME: 0x13,
} as const;

export interface HepChunk {
  vendor: number;
  type: number;
  data: Buffer;
}

export interface HepPacket {
  /** 2 (AF_INET) or 10 (AF_INET6). */
  ipFamily: number | undefined;
  /** IP protocol of the captured packet (17 UDP, 6 TCP). */
  ipProtocol: number | undefined;
  src: string | undefined;
  dst: string | undefined;
  srcPort: number | undefined;
  dstPort: number | undefined;
  seconds: number | undefined;
  micros: number | undefined;
  /** Capture time in ms since the epoch, when the packet carries one. */
  timeMs: number | undefined;
  protocolType: number | undefined;
  captureAgentId: number | undefined;
  keepAliveTimer: number | undefined;
  authKey: string | undefined;
  correlationId: string | undefined;
  vlanId: number | undefined;
  nodeName: string | undefined;
  payload: Buffer;
  /** The payload arrived gzip-compressed (chunk 0x0010) and was inflated. */
  compressed: boolean;
  /** Chunks of other vendors or unknown types, as received. */
  otherChunks: HepChunk[];
}

export const HEP3_MAGIC = Buffer.from('HEP3', 'latin1');
const MAX_INFLATED = 1024 * 1024;

export function isHep3(data: Buffer): boolean {
  return data.length >= 6 && data.subarray(0, 4).equals(HEP3_MAGIC);
}

export function parseHep(data: Buffer): ParseResult<HepPacket> {
  if (!isHep3(data)) return fail('not a HEP3 packet');
  const total = data.readUInt16BE(4);
  if (total < 6 || total > data.length) return fail(`HEP3 length ${total} does not fit ${data.length} bytes`);
  const packet: HepPacket = {
    ipFamily: undefined,
    ipProtocol: undefined,
    src: undefined,
    dst: undefined,
    srcPort: undefined,
    dstPort: undefined,
    seconds: undefined,
    micros: undefined,
    timeMs: undefined,
    protocolType: undefined,
    captureAgentId: undefined,
    keepAliveTimer: undefined,
    authKey: undefined,
    correlationId: undefined,
    vlanId: undefined,
    nodeName: undefined,
    payload: Buffer.alloc(0),
    compressed: false,
    otherChunks: [],
  };
  let offset = 6;
  while (offset < total) {
    if (offset + 6 > total) return fail('HEP3 chunk header runs past the packet');
    const vendor = data.readUInt16BE(offset);
    const type = data.readUInt16BE(offset + 2);
    const length = data.readUInt16BE(offset + 4);
    if (length < 6 || offset + length > total) return fail(`HEP3 chunk ${type} length ${length} is invalid`);
    const value = data.subarray(offset + 6, offset + length);
    offset += length;
    if (vendor !== 0) {
      packet.otherChunks.push({ vendor, type, data: value });
      continue;
    }
    const problem = applyChunk(packet, type, value);
    if (problem !== undefined) return fail(problem);
  }
  if (packet.seconds !== undefined) packet.timeMs = packet.seconds * 1000 + (packet.micros ?? 0) / 1000;
  return ok(packet);
}

function applyChunk(packet: HepPacket, type: number, value: Buffer): string | undefined {
  const need = (n: number): string | undefined =>
    value.length < n ? `HEP3 chunk ${type} shorter than ${n} bytes` : undefined;
  switch (type) {
    case HEP_CHUNK.IP_FAMILY:
      return need(1) ?? void (packet.ipFamily = value[0]);
    case HEP_CHUNK.IP_PROTOCOL:
      return need(1) ?? void (packet.ipProtocol = value[0]);
    case HEP_CHUNK.IPV4_SRC:
      return need(4) ?? void (packet.src = formatIpv4(value));
    case HEP_CHUNK.IPV4_DST:
      return need(4) ?? void (packet.dst = formatIpv4(value));
    case HEP_CHUNK.IPV6_SRC:
      return need(16) ?? void (packet.src = formatIpv6(value));
    case HEP_CHUNK.IPV6_DST:
      return need(16) ?? void (packet.dst = formatIpv6(value));
    case HEP_CHUNK.SRC_PORT:
      return need(2) ?? void (packet.srcPort = value.readUInt16BE(0));
    case HEP_CHUNK.DST_PORT:
      return need(2) ?? void (packet.dstPort = value.readUInt16BE(0));
    case HEP_CHUNK.TIMESTAMP_SECONDS:
      return need(4) ?? void (packet.seconds = value.readUInt32BE(0));
    case HEP_CHUNK.TIMESTAMP_MICROS:
      return need(4) ?? void (packet.micros = value.readUInt32BE(0));
    case HEP_CHUNK.PROTOCOL_TYPE:
      return need(1) ?? void (packet.protocolType = value[0]);
    case HEP_CHUNK.CAPTURE_AGENT_ID:
      // Some agents send 16 bits, the specification says 32.
      return (
        need(2) ??
        void (packet.captureAgentId = value.length >= 4 ? value.readUInt32BE(0) : value.readUInt16BE(0))
      );
    case HEP_CHUNK.KEEP_ALIVE:
      return need(2) ?? void (packet.keepAliveTimer = value.readUInt16BE(0));
    case HEP_CHUNK.AUTH_KEY:
      packet.authKey = value.toString('utf8');
      return undefined;
    case HEP_CHUNK.PAYLOAD:
      packet.payload = value;
      return undefined;
    case HEP_CHUNK.COMPRESSED_PAYLOAD:
      try {
        packet.payload = gunzipSync(value, { maxOutputLength: MAX_INFLATED });
        packet.compressed = true;
        return undefined;
      } catch {
        return 'HEP3 compressed payload does not inflate (or exceeds 1 MiB)';
      }
    case HEP_CHUNK.CORRELATION_ID:
      packet.correlationId = value.toString('utf8');
      return undefined;
    case HEP_CHUNK.VLAN_ID:
      return need(2) ?? void (packet.vlanId = value.readUInt16BE(0));
    case HEP_CHUNK.NODE_NAME:
      packet.nodeName = value.toString('utf8');
      return undefined;
    default:
      packet.otherChunks.push({ vendor: 0, type, data: value });
      return undefined;
  }
}

export interface HepEncodeInput {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** Defaults to 17 (UDP). */
  ipProtocol?: number;
  seconds: number;
  micros?: number;
  protocolType: number;
  captureAgentId?: number;
  authKey?: string;
  correlationId?: string;
  payload: Buffer | string;
  extraChunks?: HepChunk[];
}

function chunk(type: number, value: Buffer, vendor = 0): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16BE(vendor, 0);
  header.writeUInt16BE(type, 2);
  header.writeUInt16BE(value.length + 6, 4);
  return Buffer.concat([header, value]);
}

const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function ipBytes(address: string): Buffer {
  if (!address.includes(':')) {
    const parts = address.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      throw badInput(`invalid IPv4 address ${address}`);
    }
    return Buffer.from(parts);
  }
  const [head = '', tail] = address.split('::');
  const groups = (text: string): number[] => (text === '' ? [] : text.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...new Array<number>(Math.max(0, zeros)).fill(0), ...right];
  if (all.length !== 8 || all.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) {
    throw badInput(`invalid IPv6 address ${address}`);
  }
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Builds a HEP3 packet. */
export function encodeHep(input: HepEncodeInput): Buffer {
  const v6 = input.src.includes(':');
  const chunks = [
    chunk(HEP_CHUNK.IP_FAMILY, u8(v6 ? 10 : 2)),
    chunk(HEP_CHUNK.IP_PROTOCOL, u8(input.ipProtocol ?? 17)),
    chunk(v6 ? HEP_CHUNK.IPV6_SRC : HEP_CHUNK.IPV4_SRC, ipBytes(input.src)),
    chunk(v6 ? HEP_CHUNK.IPV6_DST : HEP_CHUNK.IPV4_DST, ipBytes(input.dst)),
    chunk(HEP_CHUNK.SRC_PORT, u16(input.srcPort)),
    chunk(HEP_CHUNK.DST_PORT, u16(input.dstPort)),
    chunk(HEP_CHUNK.TIMESTAMP_SECONDS, u32(input.seconds)),
    chunk(HEP_CHUNK.TIMESTAMP_MICROS, u32(input.micros ?? 0)),
    chunk(HEP_CHUNK.PROTOCOL_TYPE, u8(input.protocolType)),
    chunk(HEP_CHUNK.CAPTURE_AGENT_ID, u32(input.captureAgentId ?? 0)),
  ];
  if (input.authKey !== undefined) chunks.push(chunk(HEP_CHUNK.AUTH_KEY, Buffer.from(input.authKey, 'utf8')));
  if (input.correlationId !== undefined) {
    chunks.push(chunk(HEP_CHUNK.CORRELATION_ID, Buffer.from(input.correlationId, 'utf8')));
  }
  for (const extra of input.extraChunks ?? []) chunks.push(chunk(extra.type, extra.data, extra.vendor));
  chunks.push(chunk(HEP_CHUNK.PAYLOAD, Buffer.from(input.payload)));
  const body = Buffer.concat(chunks);
  if (body.length + 6 > 0xffff) throw badInput('HEP3 packet over 65535 bytes');
  const header = Buffer.alloc(6);
  HEP3_MAGIC.copy(header);
  header.writeUInt16BE(body.length + 6, 4);
  return Buffer.concat([header, body]);
}

/**
 * Splits a HEP3-over-TCP byte stream into packets by the header's total length. A stream that does not start
 * with `HEP3` where a packet should begin cannot be resynchronised: `push` fails and the connection should close.
 */
export class HepStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunkBytes: Buffer): ParseResult<Buffer[]> {
    this.buffer = this.buffer.length === 0 ? chunkBytes : Buffer.concat([this.buffer, chunkBytes]);
    const packets: Buffer[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 6) {
      if (!this.buffer.subarray(offset, offset + 4).equals(HEP3_MAGIC)) {
        this.buffer = Buffer.alloc(0);
        return fail('HEP3 stream out of sync');
      }
      const total = this.buffer.readUInt16BE(offset + 4);
      if (total < 6) {
        this.buffer = Buffer.alloc(0);
        return fail('HEP3 stream with an invalid length');
      }
      if (this.buffer.length - offset < total) break;
      packets.push(Buffer.from(this.buffer.subarray(offset, offset + total)));
      offset += total;
    }
    if (this.buffer.length - offset < 4 && this.buffer.length - offset > 0) {
      const head = this.buffer.subarray(offset);
      if (!HEP3_MAGIC.subarray(0, head.length).equals(head)) {
        this.buffer = Buffer.alloc(0);
        return fail('HEP3 stream out of sync');
      }
    }
    this.buffer = Buffer.from(this.buffer.subarray(offset));
    return ok(packets);
  }
}

import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Capture-file writing: classic pcap (either byte order, µs or ns timestamps) and pcapng, plus builders for the
 * frames inside them (Ethernet with 802.1Q tags, Linux SLL/SLL2, IPv4 with its header checksum and fragments,
 * IPv6, UDP, TCP, VXLAN). Synthetic calls (`npm run synth-call -- --pcap`) and the capture tests write their files
 * with it; `CaptureReader` and Wireshark/tshark read them back.
 */

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;

export interface WrittenFrame {
  seconds: number;
  /** µs for a µs file, ns for a ns file. */
  fraction: number;
  data: Buffer;
  /** Length on the wire when the frame was cut by the snap length (default: the data length). */
  originalLength?: number;
}

export interface PcapWriteOptions {
  /** LINKTYPE_* of every frame (default 1, Ethernet). */
  linkType?: number;
  bigEndian?: boolean;
  nanosecond?: boolean;
  snapLength?: number;
}

/** A frame stamped with a time in milliseconds since the epoch (float), in the file's resolution. */
export function frameAt(timeMs: number, data: Buffer, options: { nanosecond?: boolean } = {}): WrittenFrame {
  const seconds = Math.floor(timeMs / 1000);
  const rest = timeMs - seconds * 1000;
  const fraction = options.nanosecond
    ? Math.min(999_999_999, Math.round(rest * 1e6))
    : Math.min(999_999, Math.round(rest * 1e3));
  return { seconds, fraction, data };
}

class Endian {
  constructor(private readonly big: boolean) {}
  u32(b: Buffer, v: number, at: number): void {
    if (this.big) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  }
  u16(b: Buffer, v: number, at: number): void {
    if (this.big) b.writeUInt16BE(v & 0xffff, at);
    else b.writeUInt16LE(v & 0xffff, at);
  }
}

/** The 24-byte global header of a classic pcap file. */
export function pcapFileHeader(options: PcapWriteOptions = {}): Buffer {
  const e = new Endian(options.bigEndian === true);
  const header = Buffer.alloc(24);
  e.u32(header, options.nanosecond ? PCAP_MAGIC_NANOS : PCAP_MAGIC_MICROS, 0);
  e.u16(header, 2, 4);
  e.u16(header, 4, 6);
  e.u32(header, options.snapLength ?? 65535, 16);
  e.u32(header, options.linkType ?? 1, 20);
  return header;
}

/** One record (16-byte header + data) of a classic pcap file. */
export function pcapRecord(frame: WrittenFrame, options: PcapWriteOptions = {}): Buffer {
  const e = new Endian(options.bigEndian === true);
  const rec = Buffer.alloc(16);
  e.u32(rec, frame.seconds, 0);
  e.u32(rec, frame.fraction, 4);
  e.u32(rec, frame.data.length, 8);
  e.u32(rec, frame.originalLength ?? frame.data.length, 12);
  return Buffer.concat([rec, frame.data]);
}

/** A whole classic pcap file in memory. */
export function writePcap(frames: Iterable<WrittenFrame>, options: PcapWriteOptions = {}): Buffer {
  const parts = [pcapFileHeader(options)];
  for (const f of frames) parts.push(pcapRecord(f, options));
  return Buffer.concat(parts);
}

/** The bytes of a classic pcap file, record by record, for streaming. */
export async function* pcapChunks(
  frames: Iterable<WrittenFrame> | AsyncIterable<WrittenFrame>,
  options: PcapWriteOptions = {},
): AsyncGenerator<Buffer> {
  yield pcapFileHeader(options);
  for await (const f of frames) yield pcapRecord(f, options);
}

/** Streams frames into a classic pcap file (constant memory, whatever the number of frames). */
export async function writePcapFile(
  file: string,
  frames: Iterable<WrittenFrame> | AsyncIterable<WrittenFrame>,
  options: PcapWriteOptions = {},
): Promise<void> {
  await pipeline(Readable.from(pcapChunks(frames, options)), createWriteStream(file));
}

// ------------------------------------------------------------------------------------------------------ pcapng

function pad4(b: Buffer): Buffer {
  const padding = (4 - (b.length % 4)) % 4;
  return padding === 0 ? b : Buffer.concat([b, Buffer.alloc(padding)]);
}

export function pcapngBlock(type: number, body: Buffer, bigEndian = false): Buffer {
  const e = new Endian(bigEndian);
  const padded = pad4(body);
  const total = padded.length + 12;
  const head = Buffer.alloc(8);
  const tail = Buffer.alloc(4);
  e.u32(head, type, 0);
  e.u32(head, total, 4);
  e.u32(tail, total, 0);
  return Buffer.concat([head, padded, tail]);
}

export interface PcapngInterface {
  linkType: number;
  snapLength?: number;
  /** if_tsresol option byte (default none → µs). */
  tsresol?: number;
}

export interface PcapngPacket {
  interfaceId: number;
  /** Timestamp in the interface's units. */
  timestamp: bigint;
  data: Buffer;
}

/** A pcapng file: one section, the given interfaces, then enhanced, simple or arbitrary blocks. */
export function writePcapng(
  interfaces: PcapngInterface[],
  packets: Array<PcapngPacket | { simple: Buffer } | { unknownType: number; body: Buffer }>,
  options: { bigEndian?: boolean } = {},
): Buffer {
  const be = options.bigEndian === true;
  const e = new Endian(be);
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    e.u16(b, v, 0);
    return b;
  };
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    e.u32(b, v, 0);
    return b;
  };
  const shbBody = Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)]);
  const blocks = [pcapngBlock(0x0a0d0d0a, shbBody, be)];
  for (const iface of interfaces) {
    const opts: Buffer[] = [];
    if (iface.tsresol !== undefined) {
      opts.push(Buffer.concat([u16(9), u16(1), pad4(Buffer.from([iface.tsresol]))]));
      opts.push(Buffer.concat([u16(0), u16(0)]));
    }
    const body = Buffer.concat([u16(iface.linkType), u16(0), u32(iface.snapLength ?? 0), ...opts]);
    blocks.push(pcapngBlock(1, body, be));
  }
  for (const p of packets) {
    if ('simple' in p) {
      blocks.push(pcapngBlock(3, Buffer.concat([u32(p.simple.length), p.simple]), be));
    } else if ('unknownType' in p) {
      blocks.push(pcapngBlock(p.unknownType, p.body, be));
    } else {
      const high = Number(p.timestamp >> 32n);
      const low = Number(p.timestamp & 0xffffffffn);
      const body = Buffer.concat([
        u32(p.interfaceId),
        u32(high),
        u32(low),
        u32(p.data.length),
        u32(p.data.length),
        p.data,
      ]);
      blocks.push(pcapngBlock(6, body, be));
    }
  }
  return Buffer.concat(blocks);
}

// ------------------------------------------------------------------------------------------------------ frames

/** A UDP datagram (checksum 0: "not computed", valid over IPv4). */
export function udp(srcPort: number, dstPort: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt16BE(payload.length + 8, 4);
  return Buffer.concat([h, payload]);
}

export function tcp(
  srcPort: number,
  dstPort: number,
  sequence: number,
  payload: Buffer,
  flags = 0x18,
): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(sequence >>> 0, 4);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, payload]);
}

function ip4(text: string): Buffer {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: ${text}`);
  }
  return Buffer.from(parts);
}

/** The Internet checksum (RFC 1071) of a header. */
export function internetChecksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readUInt16BE(i);
  if (data.length % 2 === 1) sum += (data[data.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv4(
  src: string,
  dst: string,
  protocol: number,
  payload: Buffer,
  options: {
    id?: number;
    fragmentOffset?: number;
    moreFragments?: boolean;
    totalLength?: number;
    ttl?: number;
  } = {},
): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(options.totalLength ?? payload.length + 20, 2);
  h.writeUInt16BE((options.id ?? 1) & 0xffff, 4);
  h.writeUInt16BE(((options.moreFragments ? 1 : 0) << 13) | ((options.fragmentOffset ?? 0) / 8), 6);
  h[8] = options.ttl ?? 64;
  h[9] = protocol;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return Buffer.concat([h, payload]);
}

/** IPv4 fragments of one UDP datagram, `fragmentSize` bytes of IP payload each (a multiple of 8). */
export function fragmentIpv4(
  src: string,
  dst: string,
  udpDatagram: Buffer,
  fragmentSize: number,
  id = 7,
): Buffer[] {
  const fragments: Buffer[] = [];
  for (let offset = 0; offset < udpDatagram.length; offset += fragmentSize) {
    const part = udpDatagram.subarray(offset, offset + fragmentSize);
    const more = offset + fragmentSize < udpDatagram.length;
    fragments.push(ipv4(src, dst, 17, part, { id, fragmentOffset: offset, moreFragments: more }));
  }
  return fragments;
}

export function ipv6(src: Buffer, dst: Buffer, nextHeader: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(payload.length, 4);
  h[6] = nextHeader;
  h[7] = 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  return Buffer.concat([h, payload]);
}

const DEFAULT_MACS = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

/** A MAC address "02:00:0a:00:00:0a" (locally administered) derived from an IPv4 address. */
export function macForIpv4(address: string): Buffer {
  return Buffer.concat([Buffer.from([0x02, 0x00]), ip4(address)]);
}

export function ethernet(
  etherType: number,
  payload: Buffer,
  vlans: number[] = [],
  outerTpid = 0x8100,
  macs: { dst: Buffer; src: Buffer } | undefined = undefined,
): Buffer {
  const addresses = macs ? Buffer.concat([macs.dst, macs.src]) : DEFAULT_MACS;
  const tags = vlans.map((id, i) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(id & 0x0fff, 0);
    t.writeUInt16BE(i + 1 < vlans.length ? 0x8100 : etherType, 2);
    return t;
  });
  const type = Buffer.alloc(2);
  type.writeUInt16BE(vlans.length > 0 ? outerTpid : etherType);
  return Buffer.concat([addresses, type, ...tags, payload]);
}

export function linuxSll(etherType: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(etherType, 14);
  return Buffer.concat([h, payload]);
}

export function linuxSll2(etherType: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(etherType, 0);
  h.writeUInt32BE(2, 4);
  h.writeUInt16BE(1, 8);
  h[11] = 6;
  return Buffer.concat([h, payload]);
}

export function vxlan(vni: number, innerFrame: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUIntBE(vni, 4, 3);
  return Buffer.concat([h, innerFrame]);
}

/**
 * Ethernet + IPv4 + UDP in one call. With `realMacs` the MAC addresses are derived from the IP addresses (so
 * each host keeps one address, as on a real segment) and `id` sets the IPv4 identification.
 */
export function udpFrame(
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  payload: Buffer,
  options: { realMacs?: boolean; id?: number } = {},
): Buffer {
  const packet = ipv4(src, dst, 17, udp(srcPort, dstPort, payload), {
    ...(options.id !== undefined ? { id: options.id } : {}),
  });
  const macs = options.realMacs ? { dst: macForIpv4(dst), src: macForIpv4(src) } : undefined;
  return ethernet(0x0800, packet, [], 0x8100, macs);
}

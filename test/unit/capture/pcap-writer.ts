/**
 * Tiny capture-file writer for tests: classic pcap (either byte order, µs or ns) and pcapng, plus builders for
 * Ethernet/VLAN/SLL/IPv4/IPv6/UDP/TCP/VXLAN frames.
 */

export interface WrittenFrame {
  seconds: number;
  /** µs for a µs file, ns for a ns file. */
  fraction: number;
  data: Buffer;
  originalLength?: number;
}

export function writePcap(
  frames: WrittenFrame[],
  options: { linkType?: number; bigEndian?: boolean; nanosecond?: boolean; snapLength?: number } = {},
): Buffer {
  const be = options.bigEndian === true;
  const w32 = (b: Buffer, v: number, at: number): void => {
    if (be) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  };
  const w16 = (b: Buffer, v: number, at: number): void => {
    if (be) b.writeUInt16BE(v, at);
    else b.writeUInt16LE(v, at);
  };
  const header = Buffer.alloc(24);
  w32(header, options.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(header, 2, 4);
  w16(header, 4, 6);
  w32(header, options.snapLength ?? 65535, 16);
  w32(header, options.linkType ?? 1, 20);
  const records = frames.map((f) => {
    const rec = Buffer.alloc(16);
    w32(rec, f.seconds, 0);
    w32(rec, f.fraction, 4);
    w32(rec, f.data.length, 8);
    w32(rec, f.originalLength ?? f.data.length, 12);
    return Buffer.concat([rec, f.data]);
  });
  return Buffer.concat([header, ...records]);
}

function pad4(b: Buffer): Buffer {
  const padding = (4 - (b.length % 4)) % 4;
  return padding === 0 ? b : Buffer.concat([b, Buffer.alloc(padding)]);
}

export function pcapngBlock(type: number, body: Buffer, bigEndian = false): Buffer {
  const padded = pad4(body);
  const total = padded.length + 12;
  const head = Buffer.alloc(8);
  const tail = Buffer.alloc(4);
  if (bigEndian) {
    head.writeUInt32BE(type, 0);
    head.writeUInt32BE(total, 4);
    tail.writeUInt32BE(total, 0);
  } else {
    head.writeUInt32LE(type, 0);
    head.writeUInt32LE(total, 4);
    tail.writeUInt32LE(total, 0);
  }
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

export function writePcapng(
  interfaces: PcapngInterface[],
  packets: Array<PcapngPacket | { simple: Buffer } | { unknownType: number; body: Buffer }>,
  options: { bigEndian?: boolean } = {},
): Buffer {
  const be = options.bigEndian === true;
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    return b;
  };
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(v >>> 0);
    else b.writeUInt32LE(v >>> 0);
    return b;
  };
  const shbBody = Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)]);
  const blocks = [pcapngBlock(0x0a0d0d0a, shbBody, be)];
  for (const iface of interfaces) {
    const options: Buffer[] = [];
    if (iface.tsresol !== undefined) {
      options.push(Buffer.concat([u16(9), u16(1), pad4(Buffer.from([iface.tsresol]))]));
      options.push(Buffer.concat([u16(0), u16(0)]));
    }
    const body = Buffer.concat([u16(iface.linkType), u16(0), u32(iface.snapLength ?? 0), ...options]);
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
  return Buffer.from(text.split('.').map(Number));
}

export function ipv4(
  src: string,
  dst: string,
  protocol: number,
  payload: Buffer,
  options: { id?: number; fragmentOffset?: number; moreFragments?: boolean; totalLength?: number } = {},
): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(options.totalLength ?? payload.length + 20, 2);
  h.writeUInt16BE(options.id ?? 1, 4);
  h.writeUInt16BE(((options.moreFragments ? 1 : 0) << 13) | ((options.fragmentOffset ?? 0) / 8), 6);
  h[8] = 64;
  h[9] = protocol;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
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

export function ethernet(
  etherType: number,
  payload: Buffer,
  vlans: number[] = [],
  outerTpid = 0x8100,
): Buffer {
  const macs = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const tags = vlans.map((id, i) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(id & 0x0fff, 0);
    t.writeUInt16BE(i + 1 < vlans.length ? 0x8100 : etherType, 2);
    return t;
  });
  const type = Buffer.alloc(2);
  type.writeUInt16BE(vlans.length > 0 ? outerTpid : etherType);
  return Buffer.concat([macs, type, ...tags, payload]);
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

/** Ethernet + IPv4 + UDP in one call. */
export function udpFrame(
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  payload: Buffer,
): Buffer {
  return ethernet(0x0800, ipv4(src, dst, 17, udp(srcPort, dstPort, payload)));
}

/** Splits a buffer into chunks of the given sizes (cycled), as a stream would deliver it. */
export async function* chunked(data: Buffer, sizes: number[] = [7, 64, 1, 1500]): AsyncGenerator<Buffer> {
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    const size = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

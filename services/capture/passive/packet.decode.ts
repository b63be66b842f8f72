import { Ipv4Reassembler, type ReassemblyOptions, type ReassemblyStats } from './ip-reassembly.ts';
import type { CaptureReader, CapturedFrame } from './pcap.ts';

/**
 * Frame → IP packet → UDP/TCP payload. Link layers: Ethernet (with stacked 802.1Q/802.1ad tags), Linux SLL
 * and SLL2, raw IP, BSD loopback. IPv4 fragments are reassembled; VXLAN (UDP 4789) is decapsulated to the
 * inner frame. Anything that is not IP, or is malformed, is counted and skipped — never thrown.
 */

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
export const VXLAN_PORT = 4789;

export interface FrameInput {
  linkType: number;
  data: Buffer;
  timeMs: number;
}

export interface DecodedPacket {
  timeMs: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  /** IP protocol number (17 UDP, 6 TCP, ...). */
  protocol: number;
  transport: 'udp' | 'tcp' | 'other';
  srcPort: number | undefined;
  dstPort: number | undefined;
  /** UDP/TCP payload, or the IP payload for other protocols. */
  payload: Buffer;
  /** 802.1Q VLAN ids, outermost first. */
  vlans: readonly number[];
  /** VXLAN network identifiers crossed to reach this packet, outermost first. */
  vxlan: readonly number[];
  tcp: { sequence: number; acknowledgement: number; flags: number } | undefined;
  /** True when the capture cut the packet shorter than its IP length (snap length). */
  cut: boolean;
  /** True when this payload was rebuilt from IPv4 fragments. */
  reassembled: boolean;
}

export interface DecoderStats {
  frames: number;
  decoded: number;
  notIp: number;
  malformed: number;
  ipv6Fragments: number;
  reassembly: ReassemblyStats;
}

export interface PacketDecoderOptions {
  reassembly?: ReassemblyOptions;
  /** UDP ports carrying VXLAN (default [4789]); empty to disable decapsulation. */
  vxlanPorts?: readonly number[];
}

const MAX_VLAN_TAGS = 8;
const MAX_VXLAN_DEPTH = 2;
const MAX_IPV6_EXTENSIONS = 8;

interface Layer3 {
  etherType: number;
  offset: number;
  vlans: readonly number[];
}

/** The list of VLAN tags or VXLAN ids of the (usual) packet that has none: shared, never modified. */
const NONE: readonly number[] = [];

/** Link-layer header → where the network packet starts and its EtherType. */
export function decodeLinkLayer(linkType: number, data: Buffer): Layer3 | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(data, 0);
    case LINKTYPE_RAW:
    case 12: // LINKTYPE_RAW on some BSDs
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6: {
      const version = (data[0] ?? 0) >> 4;
      if (version === 4) return { etherType: 0x0800, offset: 0, vlans: NONE };
      if (version === 6) return { etherType: 0x86dd, offset: 0, vlans: NONE };
      return undefined;
    }
    case LINKTYPE_LINUX_SLL:
      if (data.length < 16) return undefined;
      return { etherType: data.readUInt16BE(14), offset: 16, vlans: NONE };
    case LINKTYPE_LINUX_SLL2:
      if (data.length < 20) return undefined;
      return { etherType: data.readUInt16BE(0), offset: 20, vlans: NONE };
    case LINKTYPE_NULL: {
      if (data.length < 4) return undefined;
      const family = data.readUInt32LE(0) > 0xffff ? data.readUInt32BE(0) : data.readUInt32LE(0);
      if (family === 2) return { etherType: 0x0800, offset: 4, vlans: NONE };
      if (family === 24 || family === 28 || family === 30)
        return { etherType: 0x86dd, offset: 4, vlans: NONE };
      return undefined;
    }
    default:
      return undefined;
  }
}

function decodeEthernet(data: Buffer, start: number): Layer3 | undefined {
  if (data.length < start + 14) return undefined;
  let etherType = data.readUInt16BE(start + 12);
  let offset = start + 14;
  let vlans: readonly number[] = NONE;
  while (etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100) {
    if (vlans.length >= MAX_VLAN_TAGS || data.length < offset + 4) return undefined;
    vlans = [...vlans, data.readUInt16BE(offset) & 0x0fff];
    etherType = data.readUInt16BE(offset + 2);
    offset += 4;
  }
  return { etherType, offset, vlans };
}

/** RFC 5952 text form of an IPv6 address. */
export function formatIpv6(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}

/** Dotted form of the IPv4 address at `offset` (read in place: no slice per packet). */
export function formatIpv4(bytes: Buffer, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

type IpFacts = Pick<
  DecodedPacket,
  'timeMs' | 'ipVersion' | 'src' | 'dst' | 'protocol' | 'cut' | 'reassembled'
>;

/**
 * One object literal of a fixed shape per packet: spreading a base object into each result cost more than the
 * rest of the decoding together (this runs for every RTP packet of a capture).
 */
function makePacket(
  ip: IpFacts,
  layer: Layer3,
  vxlan: readonly number[],
  transport: DecodedPacket['transport'],
  srcPort: number | undefined,
  dstPort: number | undefined,
  payload: Buffer,
  tcp: DecodedPacket['tcp'],
): DecodedPacket {
  return {
    timeMs: ip.timeMs,
    ipVersion: ip.ipVersion,
    src: ip.src,
    dst: ip.dst,
    protocol: ip.protocol,
    transport,
    srcPort,
    dstPort,
    payload,
    vlans: layer.vlans,
    vxlan,
    tcp,
    cut: ip.cut,
    reassembled: ip.reassembled,
  };
}

export class PacketDecoder {
  private readonly reassembler: Ipv4Reassembler;
  private readonly vxlanPorts: ReadonlySet<number>;
  private readonly ipv4Names = new Map<number, string>();
  private readonly counts = { frames: 0, decoded: 0, notIp: 0, malformed: 0, ipv6Fragments: 0 };

  constructor(options: PacketDecoderOptions = {}) {
    this.reassembler = new Ipv4Reassembler(options.reassembly);
    this.vxlanPorts = new Set(options.vxlanPorts ?? [VXLAN_PORT]);
  }

  /**
   * The dotted form of the IPv4 address at `at`, one string per address: a capture repeats the same few addresses,
   * and the same string (hash already computed) makes the correlator's lookups cheaper too.
   */
  private ipv4(data: Buffer, at: number): string {
    const key = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
    let name = this.ipv4Names.get(key);
    if (name === undefined) {
      if (this.ipv4Names.size >= 65_536) this.ipv4Names.clear();
      name = formatIpv4(data, at);
      this.ipv4Names.set(key, name);
    }
    return name;
  }

  get stats(): DecoderStats {
    return { ...this.counts, reassembly: this.reassembler.stats };
  }

  /** Decodes one frame; undefined when it is not IP, is malformed, or is a fragment still being reassembled. */
  decode(frame: FrameInput): DecodedPacket | undefined {
    this.counts.frames++;
    const layer = decodeLinkLayer(frame.linkType, frame.data);
    if (!layer) {
      this.counts.notIp++;
      return undefined;
    }
    const packet = this.decodeNetwork(frame.data, layer, frame.timeMs, NONE);
    if (packet) this.counts.decoded++;
    return packet;
  }

  private decodeNetwork(
    data: Buffer,
    layer: Layer3,
    timeMs: number,
    vxlan: readonly number[],
  ): DecodedPacket | undefined {
    if (layer.etherType === 0x0800) return this.decodeIpv4(data, layer, timeMs, vxlan);
    if (layer.etherType === 0x86dd) return this.decodeIpv6(data, layer, timeMs, vxlan);
    this.counts.notIp++;
    return undefined;
  }

  private malformed(): undefined {
    this.counts.malformed++;
    return undefined;
  }

  private decodeIpv4(
    data: Buffer,
    layer: Layer3,
    timeMs: number,
    vxlan: readonly number[],
  ): DecodedPacket | undefined {
    const at = layer.offset;
    if (data.length < at + 20 || (data[at] ?? 0) >> 4 !== 4) return this.malformed();
    const headerLength = ((data[at] ?? 0) & 0x0f) * 4;
    const totalLength = data.readUInt16BE(at + 2);
    if (headerLength < 20 || totalLength < headerLength || data.length < at + headerLength)
      return this.malformed();
    const end = Math.min(data.length, at + totalLength);
    const cut = at + totalLength > data.length;
    const flagsFragment = data.readUInt16BE(at + 6);
    const moreFragments = (flagsFragment & 0x2000) !== 0;
    const fragmentOffset = (flagsFragment & 0x1fff) * 8;
    const protocol = data[at + 9] ?? 0;
    const src = this.ipv4(data, at + 12);
    const dst = this.ipv4(data, at + 16);
    let payload = data.subarray(at + headerLength, end);
    let reassembled = false;
    if (moreFragments || fragmentOffset > 0) {
      if (cut) return this.malformed();
      const key = `${src}>${dst}/${protocol}#${data.readUInt16BE(at + 4)}`;
      const whole = this.reassembler.add(key, fragmentOffset, moreFragments, payload, timeMs);
      if (!whole) return undefined;
      payload = whole;
      reassembled = true;
    }
    return this.decodeTransport(
      payload,
      { timeMs, ipVersion: 4, src, dst, protocol, cut, reassembled },
      layer,
      vxlan,
    );
  }

  private decodeIpv6(
    data: Buffer,
    layer: Layer3,
    timeMs: number,
    vxlan: readonly number[],
  ): DecodedPacket | undefined {
    const at = layer.offset;
    if (data.length < at + 40 || (data[at] ?? 0) >> 4 !== 6) return this.malformed();
    const payloadLength = data.readUInt16BE(at + 4);
    const end = Math.min(data.length, at + 40 + payloadLength);
    const cut = at + 40 + payloadLength > data.length;
    let next = data[at + 6] ?? 0;
    let offset = at + 40;
    for (let i = 0; i < MAX_IPV6_EXTENSIONS; i++) {
      if (next === 0 || next === 43 || next === 60) {
        if (offset + 8 > end) return this.malformed();
        const length = ((data[offset + 1] ?? 0) + 1) * 8;
        next = data[offset] ?? 0;
        offset += length;
      } else if (next === 51) {
        if (offset + 8 > end) return this.malformed();
        const length = ((data[offset + 1] ?? 0) + 2) * 4;
        next = data[offset] ?? 0;
        offset += length;
      } else if (next === 44) {
        if (offset + 8 > end) return this.malformed();
        const fragment = data.readUInt16BE(offset + 2);
        if ((fragment & 0xfff9) !== 0) {
          // Real IPv6 fragmentation is rare on voice paths; counted, not reassembled.
          this.counts.ipv6Fragments++;
          return undefined;
        }
        next = data[offset] ?? 0;
        offset += 8;
      } else break;
    }
    if (offset > end) return this.malformed();
    const payload = data.subarray(offset, end);
    const src = formatIpv6(data.subarray(at + 8, at + 24));
    const dst = formatIpv6(data.subarray(at + 24, at + 40));
    return this.decodeTransport(
      payload,
      { timeMs, ipVersion: 6, src, dst, protocol: next, cut, reassembled: false },
      layer,
      vxlan,
    );
  }

  private decodeTransport(
    ipPayload: Buffer,
    ip: IpFacts,
    layer: Layer3,
    vxlan: readonly number[],
  ): DecodedPacket | undefined {
    if (ip.protocol === IP_PROTO_UDP) {
      if (ipPayload.length < 8) return this.malformed();
      const srcPort = ipPayload.readUInt16BE(0);
      const dstPort = ipPayload.readUInt16BE(2);
      const length = ipPayload.readUInt16BE(4);
      if (length < 8 || (length > ipPayload.length && !ip.cut)) return this.malformed();
      const payload = ipPayload.subarray(8, Math.min(length, ipPayload.length));
      if ((this.vxlanPorts.has(dstPort) || this.vxlanPorts.has(srcPort)) && vxlan.length < MAX_VXLAN_DEPTH) {
        const inner = this.decodeVxlan(payload, ip.timeMs, vxlan);
        if (inner === 'held') return undefined;
        if (inner) return inner;
      }
      return makePacket(ip, layer, vxlan, 'udp', srcPort, dstPort, payload, undefined);
    }
    if (ip.protocol === IP_PROTO_TCP) {
      if (ipPayload.length < 20) return this.malformed();
      const dataOffset = ((ipPayload[12] ?? 0) >> 4) * 4;
      if (dataOffset < 20 || dataOffset > ipPayload.length) return this.malformed();
      return makePacket(
        ip,
        layer,
        vxlan,
        'tcp',
        ipPayload.readUInt16BE(0),
        ipPayload.readUInt16BE(2),
        ipPayload.subarray(dataOffset),
        {
          sequence: ipPayload.readUInt32BE(4),
          acknowledgement: ipPayload.readUInt32BE(8),
          flags: ipPayload.readUInt16BE(12) & 0x01ff,
        },
      );
    }
    return makePacket(ip, layer, vxlan, 'other', undefined, undefined, ipPayload, undefined);
  }

  /** VXLAN (RFC 7348): 8-byte header with the I flag, then an inner Ethernet frame. */
  private decodeVxlan(
    payload: Buffer,
    timeMs: number,
    vxlan: readonly number[],
  ): DecodedPacket | 'held' | undefined {
    if (payload.length < 8 + 14 || ((payload[0] ?? 0) & 0x08) === 0) return undefined;
    const vni = payload.readUIntBE(4, 3);
    const inner = payload.subarray(8);
    const layer = decodeEthernet(inner, 0);
    if (!layer || (layer.etherType !== 0x0800 && layer.etherType !== 0x86dd)) return undefined;
    const before = this.counts.malformed;
    const packet = this.decodeNetwork(inner, layer, timeMs, [...vxlan, vni]);
    if (packet) return packet;
    if (this.counts.malformed === before) return 'held'; // an inner fragment waiting for the rest
    // Not valid inside: the outer datagram is reported as plain UDP instead.
    this.counts.malformed = before;
    return undefined;
  }
}

/** Every decodable packet of a capture file, in file order, with the frame it came from. */
export async function* decodedPackets(
  reader: CaptureReader,
  decoder: PacketDecoder = new PacketDecoder(),
): AsyncGenerator<{ frame: CapturedFrame; packet: DecodedPacket }> {
  for await (const frame of reader.frames()) {
    const packet = decoder.decode(frame);
    if (packet) yield { frame, packet };
  }
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatIpv6,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  PacketDecoder,
} from '../../../services/capture/passive/packet.decode.ts';
import { Ipv4Reassembler } from '../../../services/capture/passive/ip-reassembly.ts';
import {
  ethernet,
  fragmentIpv4,
  ipv4,
  ipv6,
  linuxSll,
  linuxSll2,
  tcp,
  udp,
  udpFrame,
  vxlan,
} from './pcap-writer.ts';

const sip = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const v6a = Buffer.from('20010db8000000000000000000000001', 'hex');
const v6b = Buffer.from('20010db80000000000000000000000ff', 'hex');

function decode(linkType: number, data: Buffer, decoder = new PacketDecoder(), timeMs = 0) {
  return decoder.decode({ linkType, data, timeMs });
}

describe(PacketDecoder.name, () => {
  it('decodes Ethernet + IPv4 + UDP', () => {
    const p = decode(LINKTYPE_ETHERNET, udpFrame('192.0.2.1', '198.51.100.2', 5060, 5080, sip));
    expect(p).toMatchObject({
      ipVersion: 4,
      src: '192.0.2.1',
      dst: '198.51.100.2',
      transport: 'udp',
      srcPort: 5060,
      dstPort: 5080,
      vlans: [],
      cut: false,
    });
    expect(p?.payload.equals(sip)).toBe(true);
  });

  it('strips stacked 802.1ad/802.1Q tags and reports the VLAN ids', () => {
    const frame = ethernet(0x0800, ipv4('10.0.0.1', '10.0.0.2', 17, udp(1, 2, sip)), [100, 200], 0x88a8);
    expect(decode(LINKTYPE_ETHERNET, frame)?.vlans).toEqual([100, 200]);
  });

  it('ignores Ethernet padding after the IP packet', () => {
    const frame = Buffer.concat([
      udpFrame('10.0.0.1', '10.0.0.2', 1, 2, Buffer.from('hi')),
      Buffer.alloc(20),
    ]);
    expect(decode(LINKTYPE_ETHERNET, frame)?.payload.toString()).toBe('hi');
  });

  it('decodes Linux SLL, SLL2, raw IP and BSD loopback', () => {
    const packet = ipv4('10.1.1.1', '10.1.1.2', 17, udp(7000, 7001, sip));
    const loop = Buffer.concat([Buffer.from([2, 0, 0, 0]), packet]);
    for (const [linkType, frame] of [
      [LINKTYPE_LINUX_SLL, linuxSll(0x0800, packet)],
      [LINKTYPE_LINUX_SLL2, linuxSll2(0x0800, packet)],
      [LINKTYPE_RAW, packet],
      [LINKTYPE_NULL, loop],
    ] as const) {
      expect(decode(linkType, frame)).toMatchObject({ src: '10.1.1.1', srcPort: 7000, dstPort: 7001 });
    }
  });

  it('decodes IPv6 through hop-by-hop and destination options headers', () => {
    const dest = Buffer.concat([Buffer.from([17, 0]), Buffer.alloc(6)]);
    const hop = Buffer.concat([Buffer.from([60, 0]), Buffer.alloc(6)]);
    const packet = ipv6(v6a, v6b, 0, Buffer.concat([hop, dest, udp(5060, 5060, sip)]));
    expect(decode(LINKTYPE_ETHERNET, ethernet(0x86dd, packet))).toMatchObject({
      ipVersion: 6,
      src: '2001:db8::1',
      dst: '2001:db8::ff',
      protocol: 17,
      transport: 'udp',
    });
  });

  it('decodes TCP with its sequence number and flags', () => {
    const frame = ethernet(0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, tcp(40000, 5060, 123456, sip)));
    const p = decode(LINKTYPE_ETHERNET, frame);
    expect(p).toMatchObject({
      transport: 'tcp',
      srcPort: 40000,
      dstPort: 5060,
      tcp: { sequence: 123456, flags: 0x18 },
    });
    expect(p?.payload.equals(sip)).toBe(true);
  });

  it('marks packets cut by the snap length instead of dropping them', () => {
    const frame = udpFrame('10.0.0.1', '10.0.0.2', 1, 2, Buffer.alloc(400, 1));
    const p = decode(LINKTYPE_ETHERNET, frame.subarray(0, 100));
    expect(p?.cut).toBe(true);
    expect(p?.payload.length).toBe(100 - 14 - 20 - 8);
  });

  it('reassembles IPv4 fragments in any order', () => {
    const datagram = udp(5060, 5060, Buffer.alloc(3000, 0x61));
    const fragments = fragmentIpv4('10.0.0.1', '10.0.0.2', datagram, 1480);
    for (const order of [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
    ]) {
      const decoder = new PacketDecoder();
      const results = order.map((i) => decode(LINKTYPE_RAW, fragments[i] ?? Buffer.alloc(0), decoder));
      expect(results.slice(0, 2)).toEqual([undefined, undefined]);
      const whole = results[2];
      expect(whole).toMatchObject({ reassembled: true, srcPort: 5060, transport: 'udp' });
      expect(whole?.payload.length).toBe(3000);
      expect(decoder.stats.reassembly).toMatchObject({ completed: 1, pending: 0 });
    }
  });

  it('drops overlapping fragments and gives up on incomplete datagrams after the timeout', () => {
    const decoder = new PacketDecoder({ reassembly: { timeoutMs: 1000 } });
    const fragments = fragmentIpv4('10.0.0.1', '10.0.0.2', udp(1, 2, Buffer.alloc(2000)), 1000, 9);
    decode(LINKTYPE_RAW, fragments[0] ?? Buffer.alloc(0), decoder, 0);
    decode(LINKTYPE_RAW, fragments[0] ?? Buffer.alloc(0), decoder, 10);
    expect(decoder.stats.reassembly.dropped).toBe(1);

    decode(LINKTYPE_RAW, fragments[0] ?? Buffer.alloc(0), decoder, 100);
    expect(decoder.stats.reassembly.pending).toBe(1);
    expect(decode(LINKTYPE_RAW, fragments[2] ?? Buffer.alloc(0), decoder, 5000)).toBeUndefined();
    expect(decoder.stats.reassembly.expired).toBe(1);
  });

  it('decapsulates VXLAN to the inner packet and its VLAN', () => {
    const inner = ethernet(
      0x0800,
      ipv4('172.16.0.5', '172.16.0.6', 17, udp(16384, 16386, Buffer.from('rtp'))),
      [42],
    );
    const outer = udpFrame('10.0.0.1', '10.0.0.2', 51000, 4789, vxlan(5001, inner));
    expect(decode(LINKTYPE_ETHERNET, outer)).toMatchObject({
      src: '172.16.0.5',
      dstPort: 16386,
      vxlan: [5001],
      vlans: [42],
    });
    const notVxlan = udpFrame(
      '10.0.0.1',
      '10.0.0.2',
      51000,
      4789,
      Buffer.from('plain payload, no I flag here'),
    );
    expect(decode(LINKTYPE_ETHERNET, notVxlan)).toMatchObject({ dstPort: 4789, vxlan: [] });
  });

  it('counts non-IP and malformed frames without throwing', () => {
    const decoder = new PacketDecoder();
    decode(LINKTYPE_ETHERNET, ethernet(0x0806, Buffer.alloc(28)), decoder);
    decode(LINKTYPE_ETHERNET, ethernet(0x0800, Buffer.from([0x45, 0, 0, 10])), decoder);
    decode(999, Buffer.alloc(10), decoder);
    expect(decoder.stats).toMatchObject({ frames: 3, decoded: 0, notIp: 2, malformed: 1 });
  });

  it('never throws on random or mutated frames of any link type', () => {
    const valid = [
      udpFrame('10.0.0.1', '10.0.0.2', 1, 4789, vxlan(1, udpFrame('1.1.1.1', '2.2.2.2', 3, 4, sip))),
      ethernet(0x86dd, ipv6(v6a, v6b, 17, udp(1, 2, sip))),
      ethernet(0x0800, ipv4('10.0.0.1', '10.0.0.2', 6, tcp(1, 2, 3, sip)), [1, 2]),
      ...fragmentIpv4('10.0.0.1', '10.0.0.2', udp(1, 2, Buffer.alloc(100)), 48).map((f) =>
        ethernet(0x0800, f),
      ),
    ];
    const decoder = new PacketDecoder({ reassembly: { maxDatagrams: 8 } });
    fc.assert(
      fc.property(
        fc.constantFrom(
          LINKTYPE_ETHERNET,
          LINKTYPE_RAW,
          LINKTYPE_LINUX_SLL,
          LINKTYPE_LINUX_SLL2,
          LINKTYPE_NULL,
        ),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc
            .tuple(
              fc.constantFrom(...valid),
              fc.array(fc.tuple(fc.nat(150), fc.nat(255)), { maxLength: 5 }),
              fc.nat(200),
            )
            .map(([frame, edits, cut]) => {
              const copy = Buffer.from(frame.subarray(0, Math.max(0, frame.length - cut)));
              for (const [at, v] of edits) if (at < copy.length) copy[at] = v;
              return copy;
            }),
        ),
        fc.nat(100_000),
        (linkType, data, timeMs) => {
          decoder.decode({ linkType, data, timeMs });
        },
      ),
      { numRuns: 1000 },
    );
    expect(decoder.stats.reassembly.pending).toBeLessThanOrEqual(8);
  });
});

describe(Ipv4Reassembler.name, () => {
  it('holds at most maxDatagrams, dropping the oldest', () => {
    const r = new Ipv4Reassembler({ maxDatagrams: 2 });
    for (let i = 0; i < 5; i++) r.add(`k${i}`, 0, true, Buffer.alloc(8), i);
    expect(r.stats).toMatchObject({ pending: 2, dropped: 3 });
  });

  it('refuses a datagram that would exceed 65535 bytes', () => {
    const r = new Ipv4Reassembler();
    expect(r.add('k', 65528, false, Buffer.alloc(16), 0)).toBeUndefined();
    expect(r.stats.dropped).toBe(1);
  });
});

describe(formatIpv6.name, () => {
  it('writes RFC 5952 text', () => {
    expect(formatIpv6(Buffer.from('00000000000000000000000000000001', 'hex'))).toBe('::1');
    expect(formatIpv6(Buffer.from('20010db8000000010000000000000001', 'hex'))).toBe('2001:db8:0:1::1');
    expect(formatIpv6(Buffer.from('20010db8000100010001000100010001', 'hex'))).toBe('2001:db8:1:1:1:1:1:1');
  });
});

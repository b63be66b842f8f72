import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  encodeHep,
  HEP_CHUNK,
  HEP_PROTOCOL,
  HepStreamFramer,
  parseHep,
} from '../../../services/capture/passive/hep.ts';
import { parseSipMessage } from '../../../services/capture/sip/sip.message.ts';

const sip = 'INVITE sip:srs@10.0.0.5 SIP/2.0\r\nCall-ID: hep-1\r\nContent-Length: 0\r\n\r\n';

function sample(overrides: Partial<Parameters<typeof encodeHep>[0]> = {}): Buffer {
  return encodeHep({
    src: '192.0.2.10',
    dst: '192.0.2.20',
    srcPort: 5060,
    dstPort: 5080,
    seconds: 1_760_000_000,
    micros: 250_000,
    protocolType: HEP_PROTOCOL.SIP,
    captureAgentId: 2001,
    authKey: 'secreto',
    correlationId: 'corr-77',
    payload: sip,
    ...overrides,
  });
}

describe(parseHep.name, () => {
  it('round-trips an IPv4 SIP packet with auth key and correlation id', () => {
    const parsed = parseHep(sample());
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({
      ipFamily: 2,
      ipProtocol: 17,
      src: '192.0.2.10',
      dst: '192.0.2.20',
      srcPort: 5060,
      dstPort: 5080,
      seconds: 1_760_000_000,
      micros: 250_000,
      timeMs: 1_760_000_000_250,
      protocolType: 1,
      captureAgentId: 2001,
      authKey: 'secreto',
      correlationId: 'corr-77',
      compressed: false,
    });
    expect(parseSipMessage(parsed.value.payload).headers.get('Call-ID')).toBe('hep-1');
  });

  it('round-trips IPv6 addresses and keeps vendor chunks', () => {
    const data = sample({
      src: '2001:db8::1',
      dst: '2001:db8:0:1::20',
      protocolType: HEP_PROTOCOL.RTP,
      extraChunks: [{ vendor: 0x0022, type: 0x0101, data: Buffer.from('x') }],
    });
    const parsed = parseHep(data);
    expect(parsed.ok && [parsed.value.ipFamily, parsed.value.src, parsed.value.dst]).toEqual([
      10,
      '2001:db8::1',
      '2001:db8:0:1::20',
    ]);
    expect(parsed.ok && parsed.value.otherChunks).toEqual([
      { vendor: 0x22, type: 0x101, data: Buffer.from('x') },
    ]);
  });

  it('inflates a gzip-compressed payload chunk', () => {
    const base = sample({ payload: '' });
    const zipped = gzipSync(Buffer.from(sip));
    const chunk = Buffer.alloc(6);
    chunk.writeUInt16BE(HEP_CHUNK.COMPRESSED_PAYLOAD, 2);
    chunk.writeUInt16BE(zipped.length + 6, 4);
    const body = Buffer.concat([base, chunk, zipped]);
    body.writeUInt16BE(body.length, 4);
    const parsed = parseHep(body);
    expect(parsed.ok && parsed.value.compressed).toBe(true);
    expect(parsed.ok && parsed.value.payload.toString()).toBe(sip);
  });

  it('refuses a compressed payload that inflates past 1 MiB', () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024));
    const chunk = Buffer.alloc(6);
    chunk.writeUInt16BE(HEP_CHUNK.COMPRESSED_PAYLOAD, 2);
    chunk.writeUInt16BE(bomb.length + 6, 4);
    const header = Buffer.from('HEP3\0\0');
    const packet = Buffer.concat([header, chunk, bomb]);
    packet.writeUInt16BE(packet.length, 4);
    expect(parseHep(packet)).toMatchObject({ ok: false });
  });

  it.each([
    ['another magic', Buffer.from('HEP2\0\x06')],
    ['a length past the data', Buffer.from('HEP3\0\x40')],
    [
      'a chunk past the packet',
      Buffer.concat([Buffer.from('HEP3\0\x0c'), Buffer.from([0, 0, 0, 15, 0, 40])]),
    ],
    [
      'a chunk shorter than its header',
      Buffer.concat([Buffer.from('HEP3\0\x0c'), Buffer.from([0, 0, 0, 15, 0, 2])]),
    ],
    ['a short port chunk', Buffer.concat([Buffer.from('HEP3\0\x0d'), Buffer.from([0, 0, 0, 7, 0, 7, 1])])],
  ])('returns an error for %s', (_what, data) => {
    expect(parseHep(data).ok).toBe(false);
  });

  it('never throws on random or mutated packets', () => {
    const valid = sample();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([Buffer.from('HEP3'), Buffer.from(b)])),
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 6 }),
              fc.nat(valid.length),
            )
            .map(([edits, cut]) => {
              const copy = Buffer.from(valid.subarray(0, valid.length - cut));
              for (const [at, v] of edits) if (at < copy.length) copy[at] = v;
              return copy;
            }),
        ),
        (data) => {
          parseHep(data);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe(HepStreamFramer.name, () => {
  it('splits a TCP stream into packets however it is chunked', () => {
    const stream = Buffer.concat([sample(), sample({ correlationId: 'b' }), sample({ correlationId: 'c' })]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 1, maxLength: 10 }), (sizes) => {
        const framer = new HepStreamFramer();
        const packets: Buffer[] = [];
        for (let offset = 0, i = 0; offset < stream.length; i++) {
          const size = sizes[i % sizes.length] ?? 1;
          const out = framer.push(stream.subarray(offset, offset + size));
          expect(out.ok).toBe(true);
          if (out.ok) packets.push(...out.value);
          offset += size;
        }
        expect(
          packets.map((p) => {
            const parsed = parseHep(p);
            return parsed.ok ? parsed.value.correlationId : undefined;
          }),
        ).toEqual(['corr-77', 'b', 'c']);
      }),
    );
  });

  it('fails on a stream that is not HEP3', () => {
    expect(new HepStreamFramer().push(Buffer.from('GET / HTTP/1.1\r\n')).ok).toBe(false);
    expect(new HepStreamFramer().push(Buffer.from('HX')).ok).toBe(false);
  });
});

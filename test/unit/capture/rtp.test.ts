import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeRtp, looksLikeRtp, parseRtp } from '../../../services/capture/rtp/rtp.ts';
import { looksLikeRtcp, parseRtcp } from '../../../services/capture/rtp/rtcp.ts';

describe(parseRtp.name, () => {
  it('reads the fixed header, CSRCs, a header extension and padding', () => {
    const packet = encodeRtp({
      payloadType: 8,
      sequence: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      marker: true,
      csrc: [1, 2],
      extension: { profile: 0xbede, data: Buffer.from([0x10, 0xaa, 0, 0]) },
      padding: 3,
      payload: Buffer.from('audio'),
    });
    const parsed = parseRtp(packet);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({
      version: 2,
      marker: true,
      payloadType: 8,
      sequence: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      csrc: [1, 2],
      paddingLength: 3,
    });
    expect(parsed.value.extension?.profile).toBe(0xbede);
    expect(parsed.value.extension?.data).toEqual(Buffer.from([0x10, 0xaa, 0, 0]));
    expect(parsed.value.payload.toString()).toBe('audio');
  });

  it.each([
    ['a short packet', Buffer.alloc(11)],
    ['version 1', Buffer.concat([Buffer.from([0x40]), Buffer.alloc(11)])],
    ['CSRCs past the end', Buffer.concat([Buffer.from([0x8f]), Buffer.alloc(20)])],
    [
      'an extension past the end',
      Buffer.concat([Buffer.from([0x90, 0]), Buffer.alloc(10), Buffer.from([0, 0, 0, 9])]),
    ],
    ['zero padding', Buffer.concat([Buffer.from([0xa0]), Buffer.alloc(12)])],
    [
      'padding longer than the packet',
      Buffer.concat([Buffer.from([0xa0]), Buffer.alloc(11), Buffer.from([200])]),
    ],
  ])('returns an error result for %s', (_what, data) => {
    expect(parseRtp(data).ok).toBe(false);
  });

  it('round-trips any header through encode and parse', () => {
    fc.assert(
      fc.property(
        fc.record({
          payloadType: fc.integer({ min: 0, max: 127 }),
          sequence: fc.integer({ min: 0, max: 0xffff }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
          marker: fc.boolean(),
          csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
          padding: fc.integer({ min: 0, max: 255 }),
          payload: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        }),
        (input) => {
          const parsed = parseRtp(encodeRtp(input));
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          const { payload, ...header } = parsed.value;
          expect(payload.equals(input.payload)).toBe(true);
          expect(header).toMatchObject({
            payloadType: input.payloadType,
            sequence: input.sequence,
            timestamp: input.timestamp,
            ssrc: input.ssrc,
            marker: input.marker,
            csrc: input.csrc,
            paddingLength: input.padding,
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on random bytes and never returns a payload outside the packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const data = Buffer.from(bytes);
        const parsed = parseRtp(data);
        looksLikeRtp(data);
        if (parsed.ok) expect(parsed.value.payload.length).toBeLessThanOrEqual(data.length - 12);
      }),
      { numRuns: 1000 },
    );
  });

  it('tells RTP from RTCP', () => {
    const rtp = encodeRtp({ payloadType: 0, sequence: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(160) });
    const rtcp = Buffer.from('81c90007' + '00000001'.repeat(7), 'hex');
    expect([looksLikeRtp(rtp), looksLikeRtcp(rtp)]).toEqual([true, false]);
    expect([looksLikeRtp(rtcp), looksLikeRtcp(rtcp)]).toEqual([false, true]);
  });
});

function srPacket(): Buffer {
  const b = Buffer.alloc(52);
  b[0] = 0x81;
  b[1] = 200;
  b.writeUInt16BE(52 / 4 - 1, 2);
  b.writeUInt32BE(0x11111111, 4);
  b.writeUInt32BE(3_900_000_000, 8);
  b.writeUInt32BE(0x80000000, 12);
  b.writeUInt32BE(160_000, 16);
  b.writeUInt32BE(1000, 20);
  b.writeUInt32BE(160_000, 24);
  b.writeUInt32BE(0x22222222, 28);
  b[32] = 64; // 25% lost
  b.writeUIntBE(0xfffffe, 33, 3); // -2 cumulative (duplicates)
  b.writeUInt32BE(70_000, 36);
  b.writeUInt32BE(35, 40);
  b.writeUInt32BE(0x1234, 44);
  b.writeUInt32BE(0x10000, 48);
  return b;
}

function sdesPacket(): Buffer {
  const cname = Buffer.from('agente@10.0.0.1');
  const items = Buffer.concat([Buffer.from([1, cname.length]), cname, Buffer.from([0])]);
  const chunk = Buffer.concat([Buffer.from([0x11, 0x11, 0x11, 0x11]), items]);
  const padded = Buffer.concat([chunk, Buffer.alloc((4 - (chunk.length % 4)) % 4)]);
  const header = Buffer.from([0x81, 202, 0, padded.length / 4]);
  return Buffer.concat([header, padded]);
}

function byePacket(): Buffer {
  const reason = Buffer.from('hangup');
  const body = Buffer.concat([Buffer.from([0x11, 0x11, 0x11, 0x11, reason.length]), reason, Buffer.alloc(1)]);
  return Buffer.concat([Buffer.from([0x81, 203, 0, body.length / 4]), body]);
}

describe(parseRtcp.name, () => {
  it('reads a compound SR + SDES + BYE', () => {
    const parsed = parseRtcp(Buffer.concat([srPacket(), sdesPacket(), byePacket()]));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [sr, sdes, bye] = parsed.value;
    expect(sr).toMatchObject({
      type: 'sr',
      ssrc: 0x11111111,
      sender: { ntpSeconds: 3_900_000_000, rtpTimestamp: 160_000, packetCount: 1000, octetCount: 160_000 },
      reports: [
        {
          ssrc: 0x22222222,
          fractionLost: 0.25,
          cumulativeLost: -2,
          highestSequence: 70_000,
          jitter: 35,
          lastSr: 0x1234,
          delaySinceLastSr: 0x10000,
        },
      ],
    });
    expect(sdes).toEqual({
      type: 'sdes',
      chunks: [{ ssrc: 0x11111111, items: [{ type: 1, value: 'agente@10.0.0.1' }] }],
    });
    expect(bye).toEqual({ type: 'bye', ssrcs: [0x11111111], reason: 'hangup' });
  });

  it('reads a receiver report and lists unknown packet types', () => {
    const rr = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 9]);
    const app = Buffer.from([0x80, 204, 0, 2, 0, 0, 0, 9, 0x41, 0x42, 0x43, 0x44]);
    const parsed = parseRtcp(Buffer.concat([rr, app]));
    expect(parsed.ok && parsed.value).toEqual([
      { type: 'rr', ssrc: 9, reports: [] },
      { type: 'other', packetType: 204 },
    ]);
  });

  it('returns an error for lengths that run past the datagram and for report counts that do not fit', () => {
    expect(parseRtcp(Buffer.from([0x81, 200, 0, 50, 0, 0, 0, 0])).ok).toBe(false);
    expect(parseRtcp(Buffer.from([0x9f, 201, 0, 1, 0, 0, 0, 9])).ok).toBe(false);
    expect(parseRtcp(Buffer.alloc(0)).ok).toBe(false);
  });

  it('never throws on random or mutated compounds', () => {
    const valid = Buffer.concat([srPacket(), sdesPacket(), byePacket()]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 6 }).map((edits) => {
            const copy = Buffer.from(valid);
            for (const [at, v] of edits) copy[at] = v;
            return copy;
          }),
        ),
        (data) => {
          parseRtcp(data);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

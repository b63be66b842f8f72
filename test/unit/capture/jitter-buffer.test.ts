import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  g711Decoder,
  JitterBuffer,
  l16Decoder,
  type AudioDecoder,
  type PcmFrame,
} from '../../../services/capture/rtp/jitter-buffer.ts';
import { encodeG711 } from '../../../services/capture/rtp/g711.ts';
import type { RtpPacket } from '../../../services/capture/rtp/rtp.ts';

/** Test decoder: 160 samples, each equal to the packet's first payload byte, so frames can be traced back. */
const marker: AudioDecoder = {
  sampleRate: 8000,
  decode: (payload) => new Int16Array(160).fill(payload[0] ?? 0),
};

function packet(sequence: number, timestamp: number, options: Partial<RtpPacket> = {}): RtpPacket {
  return {
    version: 2,
    padding: false,
    marker: false,
    payloadType: 0,
    sequence: sequence & 0xffff,
    timestamp: timestamp >>> 0,
    ssrc: 0x1234,
    csrc: [],
    extension: undefined,
    payload: Buffer.from([(sequence % 200) + 1]),
    paddingLength: 0,
    ...options,
  };
}

function buffer(windowPackets = 8): JitterBuffer {
  return new JitterBuffer({
    clockRate: 8000,
    decoders: new Map([[0, marker]]),
    windowPackets,
    maxDelayMs: 10_000,
  });
}

function run(jb: JitterBuffer, items: Array<[RtpPacket, number]>): PcmFrame[] {
  const frames = items.flatMap(([p, at]) => jb.push(p, at));
  return [...frames, ...jb.flush()];
}

function expectContiguous(frames: PcmFrame[]): void {
  let position = 0;
  for (const f of frames) {
    expect(f.position).toBe(position);
    position += f.samples.length;
  }
}

describe(JitterBuffer.name, () => {
  it('plays an in-order stream unchanged and measures no jitter on regular arrival', () => {
    const jb = buffer();
    const items: Array<[RtpPacket, number]> = Array.from({ length: 50 }, (_, i) => [
      packet(i, i * 160),
      i * 20,
    ]);
    const frames = run(jb, items);
    expect(frames.every((f) => f.kind === 'audio')).toBe(true);
    expect(frames.map((f) => f.samples[0])).toEqual(items.map(([p]) => p.payload[0]));
    expectContiguous(frames);
    expect(jb.stats).toMatchObject({
      received: 50,
      expected: 50,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
      jitterMs: 0,
    });
    expect(jb.stats.mos).toBeGreaterThan(4.3);
  });

  it('puts reordered packets back in sequence and counts them', () => {
    const jb = buffer();
    const order = [0, 2, 1, 3, 6, 4, 5, 7, 8, 9];
    const frames = run(
      jb,
      order.map((i) => [packet(i, i * 160), i * 20]),
    );
    expect(frames.map((f) => f.samples[0])).toEqual(order.map((_, i) => i + 1));
    expect(jb.stats.outOfOrder).toBe(3);
    expect(jb.stats.lost).toBe(0);
  });

  it('drops duplicates, whether still held or already played', () => {
    const jb = buffer(2);
    const items: Array<[RtpPacket, number]> = [
      [packet(0, 0), 0],
      [packet(1, 160), 20],
      [packet(1, 160), 21],
      [packet(2, 320), 40],
      [packet(3, 480), 60],
      [packet(0, 0), 61],
      [packet(4, 640), 80],
    ];
    const frames = run(jb, items);
    expect(frames).toHaveLength(5);
    expect(jb.stats.duplicated).toBe(2);
    expect(jb.stats.received).toBe(5);
  });

  it('fills lost packets with silence of the right length so timing is kept', () => {
    const jb = buffer();
    const kept = [0, 1, 4, 5, 9];
    const frames = run(
      jb,
      kept.map((i) => [packet(i, i * 160), i * 20]),
    );
    expectContiguous(frames);
    expect(frames.map((f) => [f.kind, f.samples.length])).toEqual([
      ['audio', 160],
      ['audio', 160],
      ['silence', 320],
      ['audio', 160],
      ['audio', 160],
      ['silence', 480],
      ['audio', 160],
    ]);
    expect(jb.stats).toMatchObject({ expected: 10, received: 5, lost: 5, lossPercent: 50 });
    expect(jb.stats.silenceSamplesOut).toBe(800);
  });

  it('keeps timing across silence suppression (timestamp jump, consecutive sequence numbers)', () => {
    const frames = run(buffer(), [
      [packet(0, 0), 0],
      [packet(1, 160), 20],
      [packet(2, 8160), 1020],
    ]);
    expect(frames.map((f) => [f.kind, f.position])).toEqual([
      ['audio', 0],
      ['audio', 160],
      ['silence', 320],
      ['audio', 8160],
    ]);
  });

  it('handles sequence number and timestamp wrap-around', () => {
    const jb = buffer();
    const start = 65530;
    const ts0 = 0xffffffff - 800;
    const order = [0, 1, 2, 4, 3, 5, 6, 7, 8, 9, 10, 11];
    const frames = run(
      jb,
      order.map((i) => [packet(start + i, ts0 + i * 160), i * 20]),
    );
    expectContiguous(frames);
    expect(frames.every((f) => f.kind === 'audio')).toBe(true);
    expect(frames).toHaveLength(12);
    expect(jb.stats).toMatchObject({ expected: 12, lost: 0, outOfOrder: 1 });
  });

  it('starts a new segment on an SSRC change, bridging the arrival gap, and drops stragglers of the old SSRC', () => {
    const jb = buffer(2);
    const frames = run(jb, [
      [packet(10, 1000), 0],
      [packet(11, 1160), 20],
      [packet(500, 90000, { ssrc: 0x9999 }), 540],
      [packet(501, 90160, { ssrc: 0x9999 }), 560],
      [packet(12, 1320), 561],
    ]);
    expectContiguous(frames);
    expect(frames.map((f) => [f.kind, f.segment, f.samples.length])).toEqual([
      ['audio', 0, 160],
      ['audio', 0, 160],
      ['silence', 1, 4000],
      ['audio', 1, 160],
      ['audio', 1, 160],
    ]);
    // The last old packet started at sample 160 and arrived at 20 ms; the new SSRC arrived 520 ms later.
    expect(frames[3]?.position).toBe(160 + 520 * 8);
    expect(jb.stats.ssrcs).toEqual([0x1234, 0x9999]);
    expect(jb.stats.stale).toBe(1);
    expect(jb.segmentStats().map((s) => s.received)).toEqual([2, 2]);
  });

  it('computes interarrival jitter per RFC 3550 A.8', () => {
    const jb = buffer();
    // Every other packet arrives 5 ms late: |D| = 5 ms on every step, so J converges to 5 ms (40 ticks).
    for (let i = 0; i < 400; i++) jb.push(packet(i, i * 160), i * 20 + (i % 2) * 5);
    expect(jb.stats.jitterMs).toBeCloseTo(5, 2);
    expect(jb.segmentStats()[0]?.jitter).toBeCloseTo(40, 1);
  });

  it('does not count DTMF packets that repeat a timestamp as jitter, and plays no audio for them', () => {
    const jb = new JitterBuffer({ clockRate: 8000, decoders: new Map([[0, marker]]), windowPackets: 4 });
    const items: Array<[RtpPacket, number]> = [
      [packet(0, 0), 0],
      [packet(1, 160, { payloadType: 101 }), 20],
      [packet(2, 160, { payloadType: 101 }), 40],
      [packet(3, 160, { payloadType: 101 }), 60],
      [packet(4, 640), 80],
    ];
    const frames = run(jb, items);
    expect(frames.map((f) => f.kind)).toEqual(['audio', 'silence', 'audio']);
    expect(frames[2]?.position).toBe(640);
  });

  it('decodes real G.711 and L16 payloads', () => {
    const tone = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
    const jb = new JitterBuffer({ clockRate: 8000, decoders: new Map([[8, g711Decoder('PCMA')]]) });
    const out = [
      ...jb.push(packet(0, 0, { payloadType: 8, payload: encodeG711(tone, 'PCMA') }), 0),
      ...jb.flush(),
    ];
    expect(out[0]?.samples).toHaveLength(160);
    expect(Math.abs((out[0]?.samples[10] ?? 0) - (tone[10] ?? 0))).toBeLessThan(300);

    const l16 = Buffer.alloc(8);
    l16.writeInt16BE(-1234, 0);
    l16.writeInt16BE(4321, 4);
    expect([...l16Decoder(16000, 2).decode(l16)]).toEqual([-1234, 4321]);
  });

  it('keeps every audio frame at its timestamp position under random loss, reordering and duplication', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.record({ drop: fc.boolean(), dup: fc.boolean(), swap: fc.boolean() }), {
          minLength: 2,
          maxLength: 80,
        }),
        (seq0, ts0, plan) => {
          const jb = buffer(6);
          const sent: Array<[RtpPacket, number]> = [];
          plan.forEach((step, i) => {
            if (step.drop && i > 0) return;
            const item: [RtpPacket, number] = [packet(seq0 + i, ts0 + i * 160), i * 20];
            sent.push(item);
            if (step.dup) sent.push(item);
          });
          // swaps of disjoint neighbours: a packet moves one place at most, within the reordering window (chained
          // swaps could carry one packet any distance, past the window, where it is rightly counted late)
          for (let i = 1; i < sent.length; i++) {
            if (plan[i]?.swap) {
              [sent[i - 1], sent[i]] = [sent[i] as [RtpPacket, number], sent[i - 1] as [RtpPacket, number]];
              i++;
            }
          }
          const frames = run(jb, sent);
          expectContiguous(frames);
          const firstTs = ts0;
          for (const f of frames.filter((x) => x.kind === 'audio')) {
            const index = ((f.samples[0] ?? 1) - 1 - (seq0 % 200) + 200) % 200;
            const expectedPosition = (((ts0 + index * 160) >>> 0) - firstTs + 0x100000000) % 0x100000000;
            expect(f.position).toBe(expectedPosition);
          }
          const stats = jb.stats;
          expect(stats.received + stats.duplicated).toBe(sent.length);
          expect(stats.late).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws and bounds its output on arbitrary packets', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sequence: fc.integer({ min: 0, max: 0xffff }),
            timestamp: fc.integer({ min: 0, max: 0xffffffff }),
            ssrc: fc.integer({ min: 1, max: 3 }),
            payloadType: fc.constantFrom(0, 13, 101),
            arrival: fc.integer({ min: 0, max: 1_000_000 }),
          }),
          { maxLength: 60 },
        ),
        (packets) => {
          const jb = new JitterBuffer({
            clockRate: 8000,
            decoders: new Map([[0, marker]]),
            windowPackets: 5,
            maxGapMs: 2000,
          });
          let samples = 0;
          for (const p of packets) {
            for (const f of jb.push(packet(p.sequence, p.timestamp, p), p.arrival))
              samples += f.samples.length;
          }
          for (const f of jb.flush()) samples += f.samples.length;
          // Each packet adds at most its own audio plus one bounded gap.
          expect(samples).toBeLessThanOrEqual(packets.length * (160 + 2 * 8000 * 2));
          const stats = jb.stats;
          expect(stats.lost).toBeGreaterThanOrEqual(0);
          expect(Number.isFinite(stats.mos)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands G.711 to an output undecoded: the same timeline as decoded frames, reordering and loss included', () => {
    const tone = Int16Array.from({ length: 160 }, (_, i) => Math.round(7000 * Math.sin(i / 4)));
    const order = [0, 2, 1, 3, 3, 5, 4, 8, 7, 9, 10, 12, 11, 1, 13];
    const items = order.map((i): [RtpPacket, number] => [
      packet(i, i * 160, {
        payload: encodeG711(
          tone.map((v) => v + i * 10),
          'PCMU',
        ),
      }),
      i * 20 + (i % 3),
    ]);
    const options = { clockRate: 8000, decoders: new Map([[0, g711Decoder('PCMU')]]), windowPackets: 3 };
    const expected = run(new JitterBuffer(options), items);
    const got: Array<{ position: number; samples: Int16Array; kind: string }> = [];
    const jb = new JitterBuffer({
      ...options,
      output: {
        silence: (position, count) =>
          void got.push({ position, samples: new Int16Array(count), kind: 'silence' }),
        audio: (position, count, samples, data, start, decoder) => {
          expect(samples).toBeUndefined();
          got.push({ position, samples: decoder.decode(data.subarray(start, start + count)), kind: 'audio' });
        },
      },
    });
    for (const [p, at] of items) expect(jb.push(p, at)).toEqual([]);
    jb.flush();
    expect(got).toEqual(expected.map((f) => ({ position: f.position, samples: f.samples, kind: f.kind })));
    expect(jb.stats.duplicated).toBe(2);
    expect(jb.stats.lost).toBe(1);
  });
});

import { createReadStream, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CaptureReader, type CapturedFrame } from '../../../services/capture/passive/pcap.ts';
import { decodedPackets, PacketDecoder } from '../../../services/capture/passive/packet.decode.ts';
import { parseRtp } from '../../../services/capture/rtp/rtp.ts';
import { DtmfDetector, parseTelephoneEvent } from '../../../services/capture/rtp/rfc4733.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import { chunked, udpFrame, writePcap, writePcapng } from './pcap-writer.ts';

async function readAll(
  data: Buffer | AsyncIterable<Buffer>,
  options?: ConstructorParameters<typeof CaptureReader>[1],
): Promise<{ reader: CaptureReader; frames: CapturedFrame[] }> {
  const reader = new CaptureReader(Buffer.isBuffer(data) ? chunked(data) : data, options);
  const frames: CapturedFrame[] = [];
  for await (const frame of reader.frames()) frames.push(frame);
  return { reader, frames };
}

const payloads = [Buffer.from('first'), Buffer.from('second frame'), Buffer.from('3')];
const frames = payloads.map((p, i) => ({
  seconds: 1_700_000_000 + i,
  fraction: 250 * (i + 1),
  data: udpFrame('10.0.0.1', '10.0.0.2', 5060, 5062 + i, p),
}));

describe(CaptureReader.name, () => {
  it.each([
    ['little-endian µs', { bigEndian: false, nanosecond: false }],
    ['big-endian µs', { bigEndian: true, nanosecond: false }],
    ['little-endian ns', { bigEndian: false, nanosecond: true }],
    ['big-endian ns', { bigEndian: true, nanosecond: true }],
  ])('reads classic pcap, %s', async (_what, options) => {
    const { reader, frames: read } = await readAll(writePcap(frames, options));
    expect(reader.format).toBe('pcap');
    expect(reader.truncated).toBe(false);
    expect(read.map((f) => f.data.equals(frames[f.index]?.data ?? Buffer.alloc(0)))).toEqual([
      true,
      true,
      true,
    ]);
    expect(read.map((f) => f.linkType)).toEqual([1, 1, 1]);
    expect(read[1]?.seconds).toBe(1_700_000_001);
    expect(read[1]?.nanos).toBe(options.nanosecond ? 500 : 500_000);
    expect(read[0]?.offset).toBe(24);
  });

  it('reads pcapng with several interfaces, resolutions, simple packets and unknown blocks', async () => {
    const file = writePcapng(
      [{ linkType: 1 }, { linkType: 101, tsresol: 9 }, { linkType: 113, tsresol: 0x80 | 10 }],
      [
        { interfaceId: 0, timestamp: 1_700_000_000_123_456n, data: frames[0]?.data ?? Buffer.alloc(0) },
        { unknownType: 0x0bad, body: Buffer.from('custom block body') },
        { interfaceId: 1, timestamp: 1_700_000_000_123_456_789n, data: Buffer.from([0x45, 0, 0, 20]) },
        { interfaceId: 2, timestamp: (1_700_000_000n << 10n) + 512n, data: Buffer.from('sll') },
        { simple: frames[2]?.data ?? Buffer.alloc(0) },
        { unknownType: 5, body: Buffer.alloc(40) },
      ],
    );
    const { reader, frames: read } = await readAll(file);
    expect(reader.format).toBe('pcapng');
    expect(reader.truncated).toBe(false);
    expect(reader.corrupt).toBeUndefined();
    expect(read.map((f) => [f.linkType, f.interfaceId, f.seconds, f.nanos])).toEqual([
      [1, 0, 1_700_000_000, 123_456_000],
      [101, 1, 1_700_000_000, 123_456_789],
      [113, 2, 1_700_000_000, 500_000_000],
      [1, 0, 0, 0],
    ]);
    expect(read[3]?.data.equals(frames[2]?.data ?? Buffer.alloc(0))).toBe(true);
  });

  it('reads big-endian pcapng', async () => {
    const file = writePcapng(
      [{ linkType: 1 }],
      [{ interfaceId: 0, timestamp: 5_000_001n, data: Buffer.from('x') }],
      {
        bigEndian: true,
      },
    );
    const { frames: read } = await readAll(file);
    expect(read.map((f) => [f.seconds, f.nanos, f.data.toString()])).toEqual([[5, 1000, 'x']]);
  });

  it('yields the complete frames of a truncated file and reports where it was cut', async () => {
    const whole = writePcap(frames);
    const cutAt = whole.length - 5;
    const { reader, frames: read } = await readAll(whole.subarray(0, cutAt));
    expect(read).toHaveLength(2);
    expect(reader.truncated).toBe(true);
    const lastRecord = 24 + (16 + (frames[0]?.data.length ?? 0)) + (16 + (frames[1]?.data.length ?? 0));
    expect(reader.truncatedAt).toBe(lastRecord);

    const ng = writePcapng([{ linkType: 1 }], [{ interfaceId: 0, timestamp: 1n, data: Buffer.alloc(50) }]);
    const cut = await readAll(ng.subarray(0, ng.length - 3));
    expect(cut.frames).toHaveLength(0);
    expect(cut.reader.truncated).toBe(true);
  });

  it('stops at an absurd record length instead of allocating it', async () => {
    const file = writePcap(frames);
    file.writeUInt32LE(0x7fffffff, 24 + 8);
    const { reader, frames: read } = await readAll(file);
    expect(read).toHaveLength(0);
    expect(reader.corrupt?.reason).toMatch(/record length/);
  });

  it('throws BAD_REQUEST for something that is not a capture file', async () => {
    await expect(readAll(Buffer.from('GIF89a this is not a capture'))).rejects.toSatisfy((e: unknown) =>
      isEscuchaError(e, 'BAD_REQUEST'),
    );
  });

  it('survives random and mutated captures without unexpected errors', async () => {
    const valid = [
      writePcap(frames),
      writePcapng(
        [{ linkType: 1 }],
        [{ interfaceId: 0, timestamp: 9n, data: frames[1]?.data ?? Buffer.alloc(0) }],
      ),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(200), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(300),
        async (file, edits, cut) => {
          const copy = Buffer.from(file.subarray(0, Math.max(4, file.length - cut)));
          for (const [at, value] of edits) if (at < copy.length) copy[at] = value;
          try {
            const { frames: read } = await readAll(copy, { maxFrameBytes: 4096 });
            const decoder = new PacketDecoder();
            for (const f of read) decoder.decode(f);
          } catch (error) {
            if (!isEscuchaError(error, 'BAD_REQUEST')) throw error;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

const SIPP = '/usr/share/sip-tester';
const sippFile = (name: string): string => {
  const file = `${SIPP}/${name}`;
  if (!existsSync(file)) throw new Error(`${file} is missing: install it with "apt-get install sip-tester"`);
  return file;
};

describe('sip-tester sample captures', () => {
  it('finds the PCMA (PT 8) RTP stream of g711a.pcap, streamed from disk', async () => {
    const reader = new CaptureReader(createReadStream(sippFile('g711a.pcap'), { highWaterMark: 4096 }));
    const decoder = new PacketDecoder();
    const rtp = [];
    for await (const { packet } of decodedPackets(reader, decoder)) {
      if (packet.transport !== 'udp') continue;
      const parsed = parseRtp(packet.payload);
      if (parsed.ok) rtp.push({ ...parsed.value, dstPort: packet.dstPort, src: packet.src });
    }
    expect(reader.truncated).toBe(false);
    expect(decoder.stats.malformed).toBe(0);
    expect(rtp.length).toBeGreaterThan(200);
    expect(new Set(rtp.map((p) => p.payloadType))).toEqual(new Set([8]));
    expect(new Set(rtp.map((p) => p.ssrc)).size).toBe(1);
    expect(rtp.every((p) => p.payload.length === 240)).toBe(true);
    // Consecutive sequence numbers and 240-tick timestamps: one 30 ms G.711 frame per packet.
    for (let i = 1; i < rtp.length; i++) {
      expect(((rtp[i]?.sequence ?? 0) - (rtp[i - 1]?.sequence ?? 0) + 0x10000) % 0x10000).toBe(1);
      expect((rtp[i]?.timestamp ?? 0) - (rtp[i - 1]?.timestamp ?? 0)).toBe(240);
    }
  });

  it.each([
    ['dtmf_2833_1.pcap', '1'],
    ['dtmf_2833_5.pcap', '5'],
    ['dtmf_2833_pound.pcap', '#'],
    ['dtmf_2833_star.pcap', '*'],
  ])('turns the telephone-events of %s into the digit %s', async (file, digit) => {
    const reader = new CaptureReader(createReadStream(sippFile(file)));
    const detector = new DtmfDetector();
    const events = [];
    let eventPackets = 0;
    for await (const { packet } of decodedPackets(reader)) {
      const rtp = parseRtp(packet.payload);
      if (!rtp.ok || rtp.value.payloadType !== 101) continue;
      eventPackets++;
      expect(parseTelephoneEvent(rtp.value.payload).ok).toBe(true);
      events.push(...detector.push(rtp.value));
    }
    events.push(...detector.flush());
    expect(eventPackets).toBeGreaterThan(3);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ digit, ended: true });
    expect(events[0]?.durationMs).toBeGreaterThan(0);
  });
});

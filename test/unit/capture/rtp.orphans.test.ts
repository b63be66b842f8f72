import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  type MetadataRules,
} from '../../../services/capture/call.metadata.ts';
import { PacketCorrelator, type NetPacket } from '../../../services/capture/passive/packet.correlator.ts';
import { encodeTelephoneEvent } from '../../../services/capture/rtp/rfc4733.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import {
  flowPacket,
  judgeFlow,
  looksLikeDns,
  nonRtpKind,
  portReason,
  type FlowPacket,
} from '../../../services/capture/passive/rtp.orphans.ts';
import { readSpool, SPOOL_FILE, type SpoolEvent } from '../../../services/capture/spool/spool.log.ts';
import { silentLogger } from '../../../services/platform/logger.ts';

interface SeriesPlan {
  n?: number;
  pt?: number;
  /** Timestamp units per packet. */
  frame?: number;
  bytes?: (i: number) => number;
  ssrc?: (i: number) => number;
  seq?: (i: number) => number;
  ts?: (i: number) => number;
  /** Arrival of packet i, in ms. */
  at?: (i: number) => number;
}

/** A crafted packet series: by default 30 packets of PCMU, 20 ms apart, as a phone sends them. */
function series(plan: SeriesPlan = {}): FlowPacket[] {
  const frame = plan.frame ?? 160;
  const out: FlowPacket[] = [];
  for (let i = 0; i < (plan.n ?? 30); i++) {
    const data = encodeRtp({
      payloadType: plan.pt ?? 0,
      sequence: plan.seq ? plan.seq(i) : 4000 + i,
      timestamp: plan.ts ? plan.ts(i) : 80_000 + i * frame,
      ssrc: plan.ssrc ? plan.ssrc(i) : 0x51a7,
      payload: Buffer.alloc(plan.bytes ? plan.bytes(i) : frame, 0xd5),
    });
    out.push(flowPacket(data, 1000 + (plan.at ? plan.at(i) : (i * frame) / 8)));
  }
  return out;
}

const raw = (packets: Buffer[], spacingMs = 20): FlowPacket[] =>
  packets.map((p, i) => flowPacket(p, 1000 + i * spacingMs));

/** A DNS query for `name` whose ID makes its first bytes an RTP version-2 header. */
function dnsQuery(id: number, name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // standard query, recursion desired
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, Buffer.from([...labels, 0, 0, 1, 0, 1])]);
}

let seed = 7;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed >>> 16;
};
const randomBytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => random() & 0xff));

describe(judgeFlow.name, () => {
  it('takes a phone-like series of each static codec, with its frame', () => {
    expect(judgeFlow(series(), false)).toMatchObject({ ok: true, codec: { encoding: 'PCMU' } });
    // SIPp's g711a.pcap: A-law in 30 ms packets.
    expect(judgeFlow(series({ pt: 8, frame: 240 }), false)).toMatchObject({
      ok: true,
      codec: { encoding: 'PCMA' },
    });
    expect(judgeFlow(series({ pt: 9 }), false)).toMatchObject({ ok: true, codec: { encoding: 'G722' } });
    expect(judgeFlow(series({ pt: 3, bytes: () => 33 }), false)).toMatchObject({ ok: true });
    // G.729: 10-byte frames, with a 2-byte SID now and then.
    expect(judgeFlow(series({ pt: 18, bytes: (i) => (i % 10 === 9 ? 22 : 20) }), false)).toMatchObject({
      ok: true,
      codec: { encoding: 'G729' },
    });
  });

  it('allows some loss, reordering, duplicates, jitter and a clean change of SSRC', () => {
    const lossy = series({ n: 40 }).filter((_, i) => i % 9 !== 4);
    [lossy[10], lossy[11]] = [lossy[11]!, lossy[10]!];
    lossy.splice(20, 0, lossy[20]!);
    expect(judgeFlow(lossy, false).ok).toBe(true);
    expect(judgeFlow(series({ at: (i) => i * 20 + ((i * 7) % 13) }), false).ok).toBe(true);
    expect(
      judgeFlow(series({ ssrc: (i) => (i < 15 ? 1 : 2), seq: (i) => (i < 15 ? i : 900 + i) }), false).ok,
    ).toBe(true);
  });

  it('rejects more than one SSRC at a time', () => {
    expect(judgeFlow(series({ ssrc: () => random() }), false)).toEqual({ ok: false, reason: 'ssrc' });
    expect(judgeFlow(series({ ssrc: (i) => i % 2 }), false)).toEqual({ ok: false, reason: 'ssrc' });
  });

  it('rejects sequence numbers that do not rise by one (a retransmitted message keeps its own)', () => {
    expect(judgeFlow(series({ seq: () => 0x0100 }), false)).toEqual({ ok: false, reason: 'sequence' });
    expect(judgeFlow(series({ seq: (i) => i * 300 }), false)).toEqual({ ok: false, reason: 'sequence' });
  });

  it('rejects timestamps that do not advance by a plausible constant frame', () => {
    expect(judgeFlow(series({ ts: () => 5 }), false)).toEqual({ ok: false, reason: 'timestamp' });
    expect(judgeFlow(series({ ts: (i) => i * 17, bytes: () => 17 }), false)).toEqual({
      ok: false,
      reason: 'timestamp',
    });
    expect(judgeFlow(series({ ts: () => random() * 997 }), false)).toEqual({
      ok: false,
      reason: 'timestamp',
    });
    // The frame is plain, but 4 packets in 10 advance by something else.
    const uneven = (i: number) => i * 160 + Math.floor(i / 10) * 4 * 37 + Math.min(i % 10, 4) * 37;
    expect(judgeFlow(series({ ts: uneven }), false)).toEqual({ ok: false, reason: 'timestamp' });
  });

  it('rejects payloads of a size the codec does not take for the frame', () => {
    expect(judgeFlow(series({ bytes: () => 100 }), false)).toEqual({ ok: false, reason: 'payload-size' });
    expect(judgeFlow(series({ pt: 18, bytes: () => 37 }), false)).toEqual({
      ok: false,
      reason: 'payload-size',
    });
    expect(judgeFlow(series({ pt: 9, frame: 160, bytes: () => 320 }), false)).toEqual({
      ok: false,
      reason: 'payload-size',
    });
  });

  it('rejects arrival times that do not keep pace with the timestamps', () => {
    // 9 s of timestamps delivered within half a second, and 20 ms frames 200 ms apart.
    expect(judgeFlow(series({ n: 450, at: (i) => i }), false)).toEqual({ ok: false, reason: 'timing' });
    expect(judgeFlow(series({ at: (i) => i * 200 }), false)).toEqual({ ok: false, reason: 'timing' });
  });

  it('rejects a run shorter than the minimum, and a codec that cannot be told without SDP', () => {
    expect(judgeFlow(series({ n: 10 }), true)).toEqual({ ok: false, reason: 'too-short' });
    expect(judgeFlow(series({ pt: 111 }), false)).toEqual({ ok: false, reason: 'codec' });
  });

  it('tells DNS, TLS/DTLS, STUN, QUIC, T.38 and other UDP apart from RTP', () => {
    // DNS whose ID reads as RTP version 2, on another port than 53.
    const queries = Array.from({ length: 30 }, (_, i) => dnsQuery(0x8009, `host${i % 3}.example.com`));
    expect(looksLikeDns(queries[0]!)).toBe(true);
    expect(
      looksLikeDns(
        encodeRtp({ payloadType: 0, sequence: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(160, 0xff) }),
      ),
    ).toBe(false);
    expect(judgeFlow(raw(queries), false)).toEqual({ ok: false, reason: 'dns' });
    expect(portReason(53, 40000)).toBe('dns');
    expect(portReason(40000, 443)).toBe('quic');
    expect(portReason(40000, 40002)).toBeUndefined();

    const dtls = Array.from({ length: 30 }, (_, i) =>
      Buffer.concat([Buffer.from([0x17, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, i, 0, 160]), randomBytes(160)]),
    );
    expect(nonRtpKind(dtls[0]!)).toBe('tls');
    expect(judgeFlow(raw(dtls), false)).toEqual({ ok: false, reason: 'tls' });

    const stun = Array.from({ length: 30 }, () => {
      const b = Buffer.alloc(20);
      b.writeUInt16BE(0x0001, 0);
      b.writeUInt32BE(0x2112a442, 4);
      return Buffer.concat([b.subarray(0, 8), randomBytes(12)]);
    });
    expect(judgeFlow(raw(stun), false)).toEqual({ ok: false, reason: 'stun' });

    const quic = Array.from({ length: 30 }, () =>
      Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, 8]), randomBytes(1200)]),
    );
    expect(judgeFlow(raw(quic), false)).toEqual({ ok: false, reason: 'quic' });

    // UDPTL: a 16-bit sequence number first, so the "RTP header" changes payload type every packet.
    const udptl = Array.from({ length: 40 }, (_, i) => {
      const b = Buffer.concat([Buffer.alloc(2), randomBytes(40)]);
      b.writeUInt16BE(0x80f0 + i, 0);
      return b;
    });
    expect(judgeFlow(raw(udptl), false)).toEqual({ ok: false, reason: 't38' });

    const noise = Array.from({ length: 40 }, () => randomBytes(20 + (random() % 200)));
    expect(judgeFlow(raw(noise), false)).toEqual({ ok: false, reason: 'not-rtp' });
  });

  it('takes key presses by their structure: alone, on the audio SSRC, or on one of their own', () => {
    const press = (ssrc: number, seq0: number, at0: number): FlowPacket[] =>
      [0, 1, 2, 3, 4, 5, 6, 7, 7, 7].map((step, i) =>
        flowPacket(
          encodeRtp({
            payloadType: 101,
            sequence: seq0 + Math.min(i, 7),
            timestamp: 13280,
            ssrc,
            payload: encodeTelephoneEvent({ event: 5, end: i >= 7, volume: 10, duration: step * 320 }),
          }),
          at0 + Math.min(i, 7) * 20,
        ),
      );
    // SIPp's dtmf_2833_1.pcap: one key press and nothing else, at the end of the capture.
    expect(judgeFlow(press(0xe05384e, 7984, 0), true)).toMatchObject({
      ok: true,
      codec: { encoding: 'PCMU' },
      telephoneEvent: { payloadType: 101 },
    });
    const audio = series({ n: 40 });
    const withOwnSsrc = [...audio.slice(0, 20), ...press(77, 10, 1400), ...audio.slice(20)];
    expect(judgeFlow(withOwnSsrc, false)).toMatchObject({ ok: true, telephoneEvent: { payloadType: 101 } });

    // 4-byte payloads on a dynamic type that are not events: random bytes, unknown codes, shrinking durations.
    const fake = (payload: (i: number) => Buffer): FlowPacket[] =>
      Array.from({ length: 12 }, (_, i) =>
        flowPacket(
          encodeRtp({ payloadType: 101, sequence: i, timestamp: 800, ssrc: 9, payload: payload(i) }),
          i * 20,
        ),
      );
    const ev = (event: number, duration: number) =>
      encodeTelephoneEvent({ event, end: false, volume: 10, duration });
    for (const packets of [
      fake(() => randomBytes(4)),
      fake((i) => ev(40 + i, i * 160)),
      fake((i) => ev(3, 2000 - i * 160)),
    ]) {
      expect(judgeFlow(packets, true)).toEqual({ ok: false, reason: 'codec' });
    }
  });
});

const RULES: MetadataRules = {
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: /^[0-9]{3,5}$/,
  defaultAgent: 'caller',
};

describe('RTP without SIP in the correlator', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-orphans-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const correlator = (ended: string[]) =>
    new PacketCorrelator({
      spoolRoot: dir,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      orphanRtp: true,
      onCallEnded: (d) => void ended.push(d),
    });
  const udp = (timeMs: number, from: string, to: string, payload: Buffer): NetPacket => {
    const [src = '', srcPort = ''] = from.split(':');
    const [dst = '', dstPort = ''] = to.split(':');
    return {
      timeMs,
      src,
      srcPort: Number(srcPort),
      dst,
      dstPort: Number(dstPort),
      transport: 'udp',
      payload,
    };
  };
  const audio = (ssrc: number, i: number) =>
    encodeRtp({
      payloadType: 8,
      sequence: 100 + i,
      timestamp: i * 160,
      ssrc,
      payload: Buffer.alloc(160, 0xd5),
    });

  it('records media relayed on a second leg (both ways) once, as one two-party call', async () => {
    const ended: string[] = [];
    const c = correlator(ended);
    const A = '10.0.0.1:4000';
    const S1 = '10.0.0.2:5000';
    const S2 = '10.0.0.3:6000';
    const B = '10.0.0.4:7000';
    const events: Array<[number, NetPacket]> = [];
    for (let i = 0; i < 100; i++) {
      const t = 1_000_000 + i * 20;
      events.push([t, udp(t, A, S1, audio(0xa, i))], [t + 4, udp(t + 4, S2, B, audio(0xa, i))]);
      events.push([t + 1, udp(t + 1, B, S2, audio(0xb, i))], [t + 6, udp(t + 6, S1, A, audio(0xb, i))]);
    }
    events.sort((x, y) => x[0] - y[0]);
    for (const [, p] of events) await c.feed(p);
    await c.closeAll('capture-ended');

    expect(ended).toHaveLength(1);
    expect(c.orphanStats).toMatchObject({ calls: 1, relayLegs: 2 });
    const streams: SpoolEvent[] = [];
    const notes: string[] = [];
    await readSpool(path.join(ended[0]!, SPOOL_FILE), (r) => {
      if (r.type === 'event' && r.event.t === 'stream') streams.push(r.event);
      if (r.type === 'event' && typeof r.event.text === 'string') notes.push(r.event.text);
    });
    expect(streams.map((s) => [s.channel, s.label])).toEqual([
      [0, `${A}>${S1}`],
      [1, `${B}>${S2}`],
    ]);
    expect(notes.filter((n) => n.includes('relayed'))).toHaveLength(2);
  });

  it('finds a key press that first comes 10 s into a stream already recorded', async () => {
    const ended: string[] = [];
    const c = correlator(ended);
    const from = '10.1.1.1:30000';
    const to = '10.1.1.2:40000';
    let seq = 0;
    const t0 = 5_000_000;
    for (let i = 0; i < 750; i++) {
      const t = t0 + i * 20;
      await c.feed(
        udp(
          t,
          from,
          to,
          encodeRtp({
            payloadType: 0,
            sequence: seq++,
            timestamp: i * 160,
            ssrc: 3,
            payload: Buffer.alloc(160, 0xff),
          }),
        ),
      );
      if (i >= 500 && i < 510) {
        const end = i === 509;
        for (let k = 0; k < (end ? 3 : 1); k++) {
          const payload = encodeTelephoneEvent({ event: 11, end, volume: 10, duration: (i - 499) * 160 });
          await c.feed(
            udp(
              t,
              from,
              to,
              encodeRtp({ payloadType: 101, sequence: seq++, timestamp: 500 * 160, ssrc: 3, payload }),
            ),
          );
        }
      }
    }
    await c.closeAll('capture-ended');
    const dtmf: SpoolEvent[] = [];
    await readSpool(path.join(ended[0]!, SPOOL_FILE), (r) => {
      if (r.type === 'event' && r.event.t === 'dtmf') dtmf.push(r.event);
    });
    expect(dtmf).toEqual([expect.objectContaining({ digit: '#', method: 'rfc4733', durationMs: 200 })]);
    expect(Math.abs((dtmf[0]!.atMs as number) - (t0 + 10_000))).toBeLessThan(25);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeG711 } from '../../../services/capture/rtp/g711.ts';
import { PacketCorrelator, type NetPacket } from '../../../services/capture/passive/packet.correlator.ts';
import { encodeTelephoneEvent } from '../../../services/capture/rtp/rfc4733.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { readSpool, SPOOL_FILE, type SpoolEvent } from '../../../services/capture/spool/spool.log.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { RULES, sdp, sip, udp } from './passive-packets.ts';

const A = '10.0.0.1';
const B = '10.0.0.2';

const tone = encodeG711(
  Int16Array.from({ length: 160 }, (_, i) => Math.round(5000 * Math.sin(i / 3))),
  'PCMU',
);
const rtp = (ssrc: number, seq: number) =>
  encodeRtp({ payloadType: 0, sequence: seq, timestamp: seq * 160, ssrc, payload: tone });

describe(PacketCorrelator.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-correlator-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('routes RTP by destination, by symmetric source, and to a new address after a re-INVITE', async () => {
    const ended: string[] = [];
    const c = new PacketCorrelator({
      spoolRoot: dir,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      onCallEnded: (d) => void ended.push(d),
    });
    const base = ['From: <sip:2001@pbx>;tag=a1', 'Call-ID: c-1', 'Via: SIP/2.0/UDP x;branch=z9hG4bK1'];
    const feed = async (p: NetPacket) => {
      const pending = c.feed(p);
      if (pending) await pending;
    };
    const t0 = 1_000_000;
    await feed(
      udp(
        t0,
        A,
        5060,
        B,
        5060,
        sip(
          [
            'INVITE sip:b SIP/2.0',
            ...base,
            'To: <sip:b@c>',
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(A, 4000),
        ),
      ),
    );
    await feed(
      udp(
        t0 + 1,
        B,
        5060,
        A,
        5060,
        sip(
          [
            'SIP/2.0 200 OK',
            ...base,
            'To: <sip:b@c>;tag=b1',
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(B, 5000),
        ),
      ),
    );
    let t = t0 + 10;
    for (let i = 0; i < 10; i++) {
      await feed(udp((t += 10), B, 5000, A, 4000, rtp(2, i))); // to the caller: the callee's voice
      await feed(udp((t += 10), A, 4000, B, 5000, rtp(1, i))); // to the callee: the caller's voice
    }
    // Sent from the caller's address to one nobody announced (symmetric RTP): still the caller's voice.
    for (let i = 10; i < 15; i++) await feed(udp((t += 20), A, 4000, '10.9.9.9', 7000, rtp(1, i)));
    // The caller moves its media; its old address is still known, the new one now is too.
    await feed(
      udp(
        (t += 5),
        A,
        5060,
        B,
        5060,
        sip(
          [
            'INVITE sip:b SIP/2.0',
            ...base,
            'To: <sip:b@c>;tag=b1',
            'CSeq: 2 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(A, 4100),
        ),
      ),
    );
    for (let i = 10; i < 20; i++) await feed(udp((t += 20), B, 5000, A, 4100, rtp(2, i)));
    await feed(
      udp(
        (t += 5),
        A,
        5060,
        B,
        5060,
        sip(['BYE sip:b SIP/2.0', ...base, 'To: <sip:b@c>;tag=b1', 'CSeq: 3 BYE']),
      ),
    );

    expect(ended).toHaveLength(1);
    expect(c.stats.rtpMatched).toBe(35);
    const streams: SpoolEvent[] = [];
    const stats = new Map<number, SpoolEvent>();
    const samples = new Map<number, number>();
    await readSpool(path.join(ended[0]!, SPOOL_FILE), (r) => {
      if (r.type === 'event' && r.event.t === 'stream') streams.push(r.event);
      if (r.type === 'event' && r.event.t === 'stats') stats.set(r.event.track as number, r.event);
      if (r.type === 'pcm') samples.set(r.track, (samples.get(r.track) ?? 0) + r.samples.length);
    });
    // Named by m-line, as the recording server names them; the channel tells the parties apart.
    expect(streams.map((s) => [s.track, s.label, s.channel])).toEqual([
      [0, '0', 1],
      [1, '0', 0],
    ]);
    expect([stats.get(0)?.received, stats.get(1)?.received]).toEqual([20, 15]);
    expect([stats.get(0)?.lost, stats.get(1)?.lost]).toEqual([0, 0]);
    expect([samples.get(0), samples.get(1)]).toEqual([20 * 160, 15 * 160]);
  });
  it('follows a dialog whose request line is long, over UDP and over TCP', async () => {
    const longUri = `sip:+573001234567;npdi;rn=+5730099;phone-context=+57@${'trunk-gw-'.repeat(30)}carrier.example.co;user=phone`;
    for (const transport of ['udp', 'tcp'] as const) {
      const ended: string[] = [];
      const c = new PacketCorrelator({
        spoolRoot: dir,
        fsync: false,
        rules: RULES,
        logger: silentLogger(),
        idleMs: 60_000,
        onCallEnded: (d) => void ended.push(d),
      });
      let seq = { [A]: 1000, [B]: 5000 } as Record<string, number>;
      const signal = (timeMs: number, src: string, dst: string, payload: Buffer): NetPacket => {
        if (transport === 'udp') return udp(timeMs, src, 5060, dst, 5060, payload);
        const sequence = seq[src]!;
        seq = { ...seq, [src]: sequence + payload.length };
        return {
          ...udp(timeMs, src, 5060, dst, 5060, payload),
          transport: 'tcp',
          tcp: { sequence, flags: 0x18 },
        };
      };
      const base = [
        'From: "Cobranzas" <sip:2001@pbx>;tag=a1',
        `Call-ID: long-${transport}`,
        `Via: SIP/2.0/${transport.toUpperCase()} x;branch=z9hG4bK1`,
      ];
      const feed = async (p: NetPacket) => {
        const pending = c.feed(p);
        if (pending) await pending;
      };
      const t0 = 2_000_000;
      await feed(
        signal(
          t0,
          A,
          B,
          sip(
            [
              `INVITE ${longUri} SIP/2.0`,
              ...base,
              `To: <${longUri}>`,
              'CSeq: 1 INVITE',
              'Content-Type: application/sdp',
            ],
            sdp(A, 4000),
          ),
        ),
      );
      await feed(
        signal(
          t0 + 1,
          B,
          A,
          sip(
            [
              'SIP/2.0 200 OK',
              ...base,
              `To: <${longUri}>;tag=b1`,
              'CSeq: 1 INVITE',
              'Content-Type: application/sdp',
            ],
            sdp(B, 5000),
          ),
        ),
      );
      let t = t0 + 10;
      for (let i = 0; i < 10; i++) {
        await feed(udp((t += 10), B, 5000, A, 4000, rtp(2, i)));
        await feed(udp((t += 10), A, 4000, B, 5000, rtp(1, i)));
      }
      await feed(
        signal((t += 5), A, B, sip(['BYE sip:b SIP/2.0', ...base, `To: <${longUri}>;tag=b1`, 'CSeq: 2 BYE'])),
      );
      expect(ended, transport).toHaveLength(1);
      expect(c.stats.rtpMatched, transport).toBe(20);
      const started: SpoolEvent[] = [];
      await readSpool(path.join(ended[0]!, SPOOL_FILE), (r) => {
        if (r.type === 'event' && (r.event.t === 'call' || r.event.t === 'meta')) started.push(r.event);
      });
      expect(JSON.stringify(started), transport).toContain('+573001234567');
    }
  });

  it('finds key presses by their structure when the SDP leaves telephone-event out', async () => {
    const ended: string[] = [];
    const c = new PacketCorrelator({
      spoolRoot: dir,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      onCallEnded: (d) => void ended.push(d),
    });
    const feed = async (p: NetPacket) => {
      const pending = c.feed(p);
      if (pending) await pending;
    };
    const base = ['From: <sip:2001@pbx>;tag=a1', 'Call-ID: c-te', 'Via: SIP/2.0/UDP x;branch=z9hG4bK1'];
    const t0 = 2_000_000;
    const invite = ['INVITE sip:b SIP/2.0', ...base, 'To: <sip:b@c>', 'CSeq: 1 INVITE'];
    const ok = ['SIP/2.0 200 OK', ...base, 'To: <sip:b@c>;tag=b1', 'CSeq: 1 INVITE'];
    // Both SDPs offer PCMU alone (`m=audio ... RTP/AVP 0`): no telephone-event payload type.
    await feed(udp(t0, A, 5060, B, 5060, sip([...invite, 'Content-Type: application/sdp'], sdp(A, 4000))));
    await feed(udp(t0 + 1, B, 5060, A, 5060, sip([...ok, 'Content-Type: application/sdp'], sdp(B, 5000))));
    let seq = 0;
    for (let i = 0; i < 100; i++) {
      const t = t0 + 10 + i * 20;
      await feed(udp(t, A, 4000, B, 5000, rtp(1, seq++)));
      if (i >= 60 && i < 66) {
        const end = i === 65;
        for (let k = 0; k < (end ? 3 : 1); k++) {
          const payload = encodeTelephoneEvent({ event: 9, end, volume: 10, duration: (i - 59) * 160 });
          await feed(
            udp(
              t,
              A,
              4000,
              B,
              5000,
              encodeRtp({ payloadType: 101, sequence: seq++, timestamp: 60 * 160, ssrc: 1, payload }),
            ),
          );
        }
      }
    }
    await feed(
      udp(
        t0 + 2100,
        A,
        5060,
        B,
        5060,
        sip(['BYE sip:b SIP/2.0', ...base, 'To: <sip:b@c>;tag=b1', 'CSeq: 2 BYE']),
      ),
    );
    const dtmf: SpoolEvent[] = [];
    await readSpool(path.join(ended[0]!, SPOOL_FILE), (r) => {
      if (r.type === 'event' && r.event.t === 'dtmf') dtmf.push(r.event);
    });
    expect(dtmf).toEqual([expect.objectContaining({ digit: '9', method: 'rfc4733', durationMs: 120 })]);
  });
  it('reads INFO in a captured dialog as the recording server does: application/dtmf key presses, pause and resume', async () => {
    const ended: string[] = [];
    const c = new PacketCorrelator({
      spoolRoot: dir,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      onCallEnded: (d) => void ended.push(d),
    });
    const base = ['From: <sip:2001@pbx>;tag=a1', 'Call-ID: info-1', 'Via: SIP/2.0/UDP x;branch=z9hG4bK1'];
    const feed = async (p: NetPacket) => {
      const pending = c.feed(p);
      if (pending) await pending;
    };
    const signal = (t: number, lines: string[], body = '') =>
      feed(udp(t, A, 5060, B, 5060, sip(lines, body)));
    const t0 = 3_000_000;
    await signal(
      t0,
      ['INVITE sip:b SIP/2.0', ...base, 'To: <sip:b@c>', 'CSeq: 1 INVITE', 'Content-Type: application/sdp'],
      sdp(A, 4000),
    );
    await feed(
      udp(
        t0 + 1,
        B,
        5060,
        A,
        5060,
        sip(
          [
            'SIP/2.0 200 OK',
            ...base,
            'To: <sip:b@c>;tag=b1',
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(B, 5000),
        ),
      ),
    );
    let t = t0 + 10;
    for (let i = 0; i < 50; i++) await feed(udp((t += 20), A, 4000, B, 5000, rtp(1, i)));
    const inDialog = ['To: <sip:b@c>;tag=b1'];
    await signal(
      (t += 1),
      ['INFO sip:b SIP/2.0', ...base, ...inDialog, 'CSeq: 2 INFO', 'Content-Type: application/dtmf'],
      '7',
    );
    await signal(
      (t += 1),
      ['INFO sip:b SIP/2.0', ...base, ...inDialog, 'CSeq: 3 INFO', 'Content-Type: application/dtmf-relay'],
      'Signal=4\r\nDuration=60000\r\n',
    );
    await signal((t += 1), [
      'INFO sip:b SIP/2.0',
      ...base,
      ...inDialog,
      'CSeq: 4 INFO',
      'X-Recording-Action: pause',
    ]);
    for (let i = 50; i < 60; i++) await feed(udp((t += 20), A, 4000, B, 5000, rtp(1, i)));
    await signal((t += 1), [
      'INFO sip:b SIP/2.0',
      ...base,
      ...inDialog,
      'CSeq: 5 INFO',
      'X-Recording-Action: resume',
    ]);
    await signal((t += 5), ['BYE sip:b SIP/2.0', ...base, ...inDialog, 'CSeq: 6 BYE']);
    expect(ended).toHaveLength(1);
    const events: SpoolEvent[] = [];
    await readSpool(path.join(ended[0]!, SPOOL_FILE), (r) => {
      if (r.type === 'event' && ['dtmf', 'pause', 'resume'].includes(r.event.t as string))
        events.push(r.event);
    });
    expect(events.map((e) => [e.t, e.digit, e.durationMs])).toEqual([
      ['dtmf', '7', 160],
      ['dtmf', '4', 10_000], // the same cap as the recording server's
      ['pause', undefined, undefined],
      ['resume', undefined, undefined],
    ]);
  });

  it('records the first 8 streams of a dialog that offers more, as the recording server answers, and notes it', async () => {
    const ended: string[] = [];
    const c = new PacketCorrelator({
      spoolRoot: dir,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      onCallEnded: (d) => void ended.push(d),
    });
    const feed = async (p: NetPacket) => {
      const pending = c.feed(p);
      if (pending) await pending;
    };
    const base = ['From: <sip:2001@pbx>;tag=a1', 'Call-ID: c-many', 'Via: SIP/2.0/UDP x;branch=z9hG4bK9'];
    const ports = Array.from({ length: 10 }, (_, i) => 6000 + 2 * i);
    const offer = ['v=0', `o=- 1 1 IN IP4 ${A}`, 's=-', `c=IN IP4 ${A}`, 't=0 0']
      .concat(ports.flatMap((p) => [`m=audio ${p} RTP/AVP 0`, 'a=sendrecv']))
      .concat('')
      .join('\r\n');
    const t0 = 2_000_000;
    await feed(
      udp(
        t0,
        A,
        5060,
        B,
        5060,
        sip(
          [
            'INVITE sip:b SIP/2.0',
            ...base,
            'To: <sip:b@c>',
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          offer,
        ),
      ),
    );
    let t = t0 + 10;
    for (let i = 0; i < 5; i++)
      for (const [n, port] of ports.entries()) await feed(udp((t += 2), B, 9000 + n, A, port, rtp(n + 1, i)));
    await feed(
      udp(
        (t += 5),
        A,
        5060,
        B,
        5060,
        sip(['BYE sip:b SIP/2.0', ...base, 'To: <sip:b@c>;tag=b1', 'CSeq: 2 BYE']),
      ),
    );
    expect(ended).toHaveLength(1);
    const labels: unknown[] = [];
    const notes: unknown[] = [];
    await readSpool(path.join(ended[0]!, SPOOL_FILE), (r) => {
      if (r.type === 'event' && r.event.t === 'stream') labels.push(r.event.label);
      if (r.type === 'event' && r.event.t === 'note') notes.push(r.event.text);
    });
    expect(labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(notes).toEqual(['streams past the first 8 of the dialog were not recorded']);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeG711, encodeG711 } from '../../../services/capture/rtp/g711.ts';
import { PacketCorrelator, type NetPacket } from '../../../services/capture/passive/packet.correlator.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { RULES, sdp, sip, udp } from '../capture/passive-packets.ts';
import { levelDb, LiveHub, type LiveAudio, type LiveCallEvent } from '../../../services/live/live.hub.ts';
import { LiveBoardService, type BoardMessage } from '../../../services/live/live.board.ts';
import type { LiveTap } from '../../../services/capture/live.tap.ts';
import type { Caller } from '../../../services/access/caller.ts';

const A = '10.0.0.1';
const B = '10.0.0.2';

const loud = encodeG711(
  Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3))),
  'PCMU',
);
const quiet = encodeG711(
  Int16Array.from({ length: 160 }, (_, i) => Math.round(300 * Math.sin(i / 3))),
  'PCMU',
);
const rtp = (ssrc: number, seq: number, payload: Buffer) =>
  encodeRtp({ payloadType: 0, sequence: seq, timestamp: seq * 160, ssrc, payload });

describe('the live hub fed by capture', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-live-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('knows a call from its INVITE to its BYE, with metadata, pauses, levels and each party’s decoded audio', async () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: false });
    const events: LiveCallEvent[] = [];
    hub.on('call', (e) => events.push(e));
    const c = new PacketCorrelator({
      spoolRoot: dir,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      source: 'hep',
      live: { tap: hub, rules: RULES },
      onCallEnded: () => undefined,
    });
    const feed = async (p: NetPacket) => {
      const pending = c.feed(p);
      if (pending) await pending;
    };
    const base = ['From: <sip:2001@pbx>;tag=a1', 'Call-ID: live-1', 'Via: SIP/2.0/UDP x;branch=z9hG4bK1'];
    const t0 = Date.now();
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
            'To: <sip:573001234567@c>',
            'CSeq: 1 INVITE',
            'X-Agent-Id: 2001',
            'X-Campaign: cobranza-temprana',
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
            'To: <sip:573001234567@c>;tag=b1',
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(B, 5000),
        ),
      ),
    );
    // Passive capture records a dialog from its first media packet.
    expect(events).toEqual([]);
    let t = t0 + 10;
    await feed(udp((t += 10), A, 4000, B, 5000, rtp(1, 0, loud)));
    expect(events.map((e) => e.type)).toEqual(['started']);
    const [call] = hub.calls();
    expect(call?.source).toBe('hep');
    expect(call?.metadata).toMatchObject({
      agentId: '2001',
      campaign: 'cobranza-temprana',
      direction: 'outbound',
      calleeNumber: '573001234567',
    });
    const captureId = call!.captureId;

    // Nothing asks for audio: capture does not decode it for the hub.
    expect(hub.wantsAudio(captureId)).toBe(false);
    const heard: LiveAudio[] = [];
    const stop = hub.subscribeAudio(captureId, (a) => heard.push({ ...a, samples: a.samples.slice() }));
    expect(stop).toBeDefined();
    expect(hub.wantsAudio(captureId)).toBe(true);
    const releaseLevels = hub.wantLevels(); // a board is open

    for (let i = 0; i < 40; i++) {
      if (i > 0) await feed(udp((t += 10), A, 4000, B, 5000, rtp(1, i, loud))); // the agent (caller) speaks
      await feed(udp((t += 10), B, 5000, A, 4000, rtp(2, i, quiet))); // the customer, softly
    }
    await c.tick(t + 1000, true);
    const agent = heard.filter((a) => a.channel === 0 && a.voiced);
    const customer = heard.filter((a) => a.channel === 1 && a.voiced);
    expect(agent.length).toBeGreaterThan(0);
    expect(customer.length).toBeGreaterThan(0);
    // What the listener hears is the G.711 the party sent, decoded, in timeline order.
    expect(Array.from(agent[0]!.samples.subarray(0, 160))).toEqual(Array.from(decodeG711(loud, 'PCMU')));
    expect(agent.every((a, i) => i === 0 || a.position > agent[i - 1]!.position)).toBe(true);
    const levels = hub.call(captureId)!.levels;
    expect(levels[0]).toBeCloseTo(levelDb(decodeG711(loud, 'PCMU')), 0);
    expect(levels[1]!).toBeLessThan(levels[0]! - 20);

    // A re-INVITE with inactive media pauses the recording: the board learns it.
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
            'To: <sip:573001234567@c>;tag=b1',
            'CSeq: 2 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(A, 4000).replace('RTP/AVP 0\r\n', 'RTP/AVP 0\r\na=inactive\r\n'),
        ),
      ),
    );
    const heldAt = t;
    expect(hub.call(captureId)?.pausedSinceMs).toBeNull(); // not until the other side accepts the hold
    await feed(
      udp(
        (t += 5),
        B,
        5060,
        A,
        5060,
        sip(
          [
            'SIP/2.0 200 OK',
            ...base,
            'To: <sip:573001234567@c>;tag=b1',
            'CSeq: 2 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(B, 5000).replace('RTP/AVP 0\r\n', 'RTP/AVP 0\r\na=inactive\r\n'),
        ),
      ),
    );
    expect(hub.call(captureId)?.pausedSinceMs).toBe(heldAt);
    stop!();
    expect(hub.wantsAudio(captureId)).toBe(true);
    releaseLevels();
    expect(hub.wantsAudio(captureId)).toBe(false);
    expect(hub.call(captureId)!.levels).toEqual([null, null]);

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
    expect(hub.calls()).toEqual([]);
    expect(hub.subscribeAudio(captureId, () => undefined)).toBeUndefined();
    const last = events.at(-1)!;
    expect(last.type).toBe('ended');
    expect(last.type === 'ended' && last.reason).toBe('bye');
  });

  it('decodes a call’s audio only while something wants it: a board, the live transcript or a listener', async () => {
    const hub = new LiveHub({ logger: silentLogger() });
    // Capture decodes a stretch only to hand it to the tap: counting what the tap is given counts the decoding.
    let decoded = 0;
    const tap: LiveTap = {
      started: (i) => hub.started(i),
      updated: (i) => hub.updated(i),
      wantsAudio: (id) => hub.wantsAudio(id),
      audio: (id, a) => {
        decoded++;
        hub.audio(id, a);
      },
      keyPress: (id, p) => hub.keyPress(id, p),
      ended: (id, at, reason) => hub.ended(id, at, reason),
    };
    const board = new LiveBoardService({ hub, activity: {} as never });
    const c = new PacketCorrelator({
      spoolRoot: dir,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      source: 'hep',
      live: { tap, rules: RULES },
      onCallEnded: () => undefined,
    });
    const feed = async (p: NetPacket) => {
      const pending = c.feed(p);
      if (pending) await pending;
    };
    const base = ['From: <sip:2001@pbx>;tag=a1', 'Call-ID: live-2', 'Via: SIP/2.0/UDP x;branch=z9hG4bK2'];
    const t0 = Date.now();
    const invite = ['INVITE sip:b SIP/2.0', ...base, 'To: <sip:c@c>', 'CSeq: 1 INVITE'];
    await feed(udp(t0, A, 5060, B, 5060, sip([...invite, 'Content-Type: application/sdp'], sdp(A, 4000))));
    const ok = ['SIP/2.0 200 OK', ...base, 'To: <sip:c@c>;tag=b1', 'CSeq: 1 INVITE'];
    await feed(udp(t0 + 1, B, 5060, A, 5060, sip([...ok, 'Content-Type: application/sdp'], sdp(B, 5000))));
    let t = t0 + 10;
    let seq = 0;
    /** One second of both parties, played out. */
    const second = async () => {
      for (let i = 0; i < 50; i++, seq++) {
        await feed(udp((t += 10), A, 4000, B, 5000, rtp(1, seq, loud)));
        await feed(udp((t += 10), B, 5000, A, 4000, rtp(2, seq, quiet)));
      }
      await c.tick(t + 500, false);
    };

    await second();
    const captureId = hub.calls()[0]!.captureId;
    expect(decoded).toBe(0);
    expect(hub.call(captureId)!.levels).toEqual([null, null]);

    // A board opens: from the next frame every call's audio is decoded, and its first tick (a second after it
    // opened) carries the levels.
    const messages: BoardMessage[] = [];
    const admin: Caller = {
      principal: {
        kind: 'user',
        id: 'u1',
        keyId: null,
        name: 'supervisor',
        role: 'admin',
        languages: [],
        teams: [],
        agentId: null,
      },
      client: { ip: null, userAgent: null },
    };
    const close = board.watch(admin, {}, (m) => messages.push(m));
    await second();
    expect(decoded).toBeGreaterThan(80);
    board.tick();
    const levels = messages.find((m) => m.event === 'levels');
    expect(levels).toMatchObject({ data: { items: [{ captureId }] } });
    expect(hub.call(captureId)!.levels[0]).toBeCloseTo(levelDb(decodeG711(loud, 'PCMU')), 0);

    // The board closes: decoding stops at once, and the levels it no longer keeps are cleared.
    close();
    let before = decoded;
    await second();
    expect(decoded).toBe(before);
    expect(hub.call(captureId)!.levels).toEqual([null, null]);

    // The live transcript, or one listener, wants the audio as long as it is subscribed.
    const stopAll = hub.subscribeAllAudio(() => undefined);
    await second();
    expect(decoded).toBeGreaterThan(before + 80);
    stopAll();
    const stop = hub.subscribeAudio(captureId, () => undefined)!;
    before = decoded;
    await second();
    expect(decoded).toBeGreaterThan(before + 80);
    stop();
    before = decoded;
    await second();
    expect(decoded).toBe(before);
    board.close();
  });

  it('keeps capture recording when a live listener throws', async () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: true });
    hub.subscribeAllAudio(() => {
      throw new Error('listener bug');
    });
    const info = {
      captureId: 'x',
      source: 'sip' as const,
      startedAtMs: 0,
      metadata: { startedAt: new Date(0).toISOString() } as never,
      pausedSinceMs: null,
    };
    hub.started(info);
    expect(() =>
      hub.audio('x', {
        channel: 0,
        track: 0,
        sampleRate: 8000,
        position: 0,
        arrivalMs: 1,
        samples: new Int16Array(160).fill(1000),
        voiced: true,
      }),
    ).not.toThrow();
    expect(hub.call('x')?.levels[0]).toBeCloseTo(20 * Math.log10(1000 / 32768), 1);
    hub.ended('x', 2, 'bye');
    expect(hub.call('x')).toBeUndefined();
  });

  it('tells each call’s key presses to that call’s listeners only, until it ends', () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: false });
    const info = (captureId: string) => ({
      captureId,
      source: 'sip' as const,
      startedAtMs: 0,
      metadata: { startedAt: new Date(0).toISOString() } as never,
      pausedSinceMs: null,
    });
    hub.started(info('a'));
    hub.started(info('b'));
    const heard: string[] = [];
    hub.subscribeKeyPresses('a', (p) => heard.push(`a@${p.atMs}`));
    expect(hub.subscribeKeyPresses('gone', () => undefined)).toBeUndefined();
    const press = (atMs: number) => ({ channel: 0, track: 0, atMs, durationMs: 40, ended: false });
    hub.keyPress('b', press(10));
    hub.keyPress('a', press(20));
    hub.ended('a', 30, 'bye');
    hub.keyPress('a', press(40));
    expect(heard).toEqual(['a@20']);
  });
});

import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveCallSink } from '../../../services/cli/capture.sink.ts';
import { parseSdp } from '../../../services/capture/sip/sdp.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import { EXPECTED, VENDOR_FIXTURES, vendorInvite, type VendorFixture } from '../../support/siprec-vendors.ts';
import {
  answerPorts,
  multipart,
  request as sipRequest,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  startHarness,
  status,
  tone,
  type Harness,
} from './capture-harness.ts';

/**
 * Every real vendor capture of test/fixtures/capture/siprec/vendors, end to end into the archive (PostgreSQL,
 * files): its INVITE (sent as the SBC would, CRLF and the right Content-Length) to a running capture SIP server,
 * a 200 whose SDP answers each offered stream with one recvonly stream and the same label, a few seconds of G.711
 * to every answered port, BYE, and the archived call with its parties, channels, duration and vendor data.
 * All captures are sent at once to one server; the two largest go over TCP.
 */

const SECONDS = 3;
const OVER_TCP = new Set<VendorFixture>(['intrado-siprec-invite.txt', 'sonus-siprec-offer.txt']);

interface ArchivedCall {
  source: string;
  sipCallId: string;
  callerNumber: string | null;
  calleeNumber: string | null;
  direction: string;
  durationMs: number;
  custom: Record<string, unknown> | null;
  participants: Array<{ role: string; channel: number; name: string | null; number: string | null }>;
  recordings: Array<{ channels: number; durationMs: number }>;
  capture: { streams: Array<{ channel: number; label: string | null; packets: number; codec: string }> };
}

describe('SIPREC from real vendor recording clients, end to end', () => {
  let api: TestApi;
  let h: Harness;
  let udp: SipClient;
  let range = { min: 0, max: 0 };
  const outcomes = new Map<VendorFixture, Promise<{ answer: string; call: ArchivedCall | undefined }>>();

  const get = (path: string) => request(api.app).get(path).set('Authorization', `Bearer ${api.adminKey}`);

  async function findCall(callId: string, timeoutMs = 60_000): Promise<ArchivedCall | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await get(`/api/v1/calls?source=siprec&sipCallId=${encodeURIComponent(callId)}`);
      const item = (res.body as { items: Array<{ id: string }> }).items[0];
      if (item) return (await get(`/api/v1/calls/${item.id}`)).body as ArchivedCall;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** One SBC's recording session: INVITE, ACK, RTP to every answered port, BYE; then the archived call. */
  async function record(name: VendorFixture): Promise<{ answer: string; call: ArchivedCall | undefined }> {
    const tcp = OVER_TCP.has(name);
    const client = tcp ? await SipClient.tcpTo(h.status.sip?.tcpPort ?? 0) : udp;
    try {
      const { message, callId, fromTag } = vendorInvite(name, {
        port: h.sipPort,
        clientPort: client.port,
        transport: tcp ? 'TCP' : 'UDP',
        callId: `vendor-${name}`,
      });
      const mine = (r: { headers: { get(n: string): string | undefined } }): boolean =>
        r.headers.get('Call-ID') === callId;
      client.send(message, h.sipPort);
      const ok = await client.waitFor((r) => mine(r) && status(200, 'INVITE')(r), 1, 10_000);
      const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
      const o = {
        callId,
        fromTag,
        port: h.sipPort,
        clientPort: client.port,
        transport: tcp ? ('TCP' as const) : ('UDP' as const),
      };
      client.send(sipRequest({ ...o, method: 'ACK', cseq: 1, toTag }), h.sipPort);
      const answer = ok.body.toString();
      const media = parseSdp(ok.body).media;
      await Promise.all(
        media.map((m, i) => {
          const law = m.rtpmaps[0]?.encoding === 'PCMA' ? 'PCMA' : 'PCMU';
          const samples = tone(SECONDS, 400 + 150 * i);
          return sendRtp(rtpPackets({ samples, law, ssrc: 0x5000 + i }), m.port);
        }),
      );
      client.send(sipRequest({ ...o, method: 'BYE', cseq: 2, toTag }), h.sipPort);
      await client.waitFor((r) => mine(r) && status(200, 'BYE')(r), 1, 10_000);
      return { answer, call: await findCall(callId) };
    } finally {
      if (tcp) client.close();
    }
  }

  beforeAll(async () => {
    api = await createTestApi();
    const base = 30000 + Math.floor(Math.random() * 300) * 64;
    range = { min: base, max: base + 63 };
    h = await startHarness({
      sink: new ArchiveCallSink(api.archive, api.services.captureDetails),
      // Every vendor's INVITE comes from this one address at once: the per-source share is the whole range here.
      rtp: { range, maxPerSource: range.max - range.min + 1 },
    });
    udp = await SipClient.udp();
    for (const name of VENDOR_FIXTURES) outcomes.set(name, record(name));
    // Settle every session before the first test reads one, so one failure does not hide the others.
    await Promise.allSettled(outcomes.values());
  }, 120_000);

  afterAll(async () => {
    udp?.close();
    await h?.close();
    await api?.close();
  });

  it('records the older draft form (<recording_metadata>, hand-written) with its parties, once refused with 400', async () => {
    const metadata = readFileSync(
      new URL('../../fixtures/capture/siprec/draft-recording-metadata.xml', import.meta.url),
      'utf8',
    );
    const { contentType, body } = multipart(sdpOffer([36100, 36102], { labels: ['96', '97'] }), metadata);
    const o = { callId: 'vendor-draft-form', port: h.sipPort, clientPort: udp.port };
    udp.send(
      sipRequest({ ...o, method: 'INVITE', cseq: 1, contentType, body, headers: ['Require: siprec'] }),
      h.sipPort,
    );
    const ok = await udp.waitFor((r) => r.headers.get('Call-ID') === o.callId && status(200, 'INVITE')(r));
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    udp.send(sipRequest({ ...o, method: 'ACK', cseq: 1, toTag }), h.sipPort);
    const [p1, p2] = answerPorts(ok.body.toString());
    await Promise.all([
      sendRtp(rtpPackets({ samples: tone(2, 440), ssrc: 31 }), p1!),
      sendRtp(rtpPackets({ samples: tone(2, 700), ssrc: 32 }), p2!),
    ]);
    udp.send(sipRequest({ ...o, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await udp.waitFor((r) => r.headers.get('Call-ID') === o.callId && status(200, 'BYE')(r));
    const call = (await findCall(o.callId)) as ArchivedCall & { agentId: string | null };
    expect(call).toBeDefined();
    expect([call.callerNumber, call.calleeNumber, call.direction, call.agentId]).toEqual([
      '+15551230001',
      '4410',
      'inbound',
      '4410',
    ]);
    expect(call.participants.map((p) => [p.role, p.channel, p.name, p.number])).toEqual([
      ['agent', 0, 'Agent 4410', '4410'],
      ['customer', 1, 'Customer', '+15551230001'],
    ]);
    expect(Object.fromEntries(call.capture.streams.map((s) => [s.label, s.channel]))).toEqual({
      '96': 1,
      '97': 0,
    });
    expect(call.custom).toMatchObject({ extTrackingID: '1142208:1', callId: 'callhalf-11473743407:0' });
  });

  it.each(VENDOR_FIXTURES)(
    '%s: INVITE → 200 with one recvonly stream per offered stream → RTP → archived call',
    async (name) => {
      const want = EXPECTED[name];
      const { answer, call } = await outcomes.get(name)!;

      // The answer: one m-line per offered m-line, each recvonly on a port of the pool, the offer's label kept.
      const answered = parseSdp(Buffer.from(answer)).media;
      expect(answered.map((m) => [m.direction, m.label, m.rtpmaps[0]?.encoding])).toEqual(
        want.streams.map((s) => ['recvonly', s.label, s.codec]),
      );
      expect(answered.every((m) => m.port >= range.min && m.port <= range.max)).toBe(true);

      // The archived call.
      expect(call).toBeDefined();
      if (!call) return;
      expect(call.source).toBe('siprec');
      expect(call.callerNumber).toBe(want.caller.number ?? null);
      expect(call.calleeNumber).toBe(want.callee.number ?? null);
      expect(call.direction).toBe(want.agent === 'caller' ? 'outbound' : 'inbound');
      const agent = want.agent === 'caller' ? want.caller : want.callee;
      const customer = want.agent === 'caller' ? want.callee : want.caller;
      expect(call.participants.map((p) => [p.role, p.channel, p.name, p.number])).toEqual([
        ['agent', 0, agent.name ?? null, agent.number ?? null],
        ['customer', 1, customer.name ?? null, customer.number ?? null],
      ]);
      expect(Math.abs(call.durationMs - SECONDS * 1000)).toBeLessThanOrEqual(500);
      expect(call.recordings[0]?.channels).toBe(2);
      // Every offered stream recorded, on the channel of the party that sends it.
      expect(Object.fromEntries(call.capture.streams.map((s) => [s.label, s.channel]))).toEqual(
        want.channels,
      );
      expect(call.capture.streams.every((s) => s.packets >= SECONDS * 50 - 5)).toBe(true);
      // Vendor extension data kept in the call's metadata.
      for (const [key, value] of Object.entries(want.extensions))
        expect(call.custom?.[key.replace(/\W+/g, '_')]).toBe(value);
      const callerParty = want.participants.find((p) => p.number === want.caller.number);
      for (const [key, value] of Object.entries(callerParty?.extensions ?? {}))
        expect(call.custom?.[`caller_${key.replace(/\W+/g, '_')}`]).toBe(value);
      if (want.sessionId !== undefined) expect(call.custom?.siprecSession).toBe(want.sessionId);
    },
  );
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { attachLiveAudio } from '../../../services/api/live/live-audio.socket.ts';
import { decodeG711, encodeG711 } from '../../../services/capture/rtp/g711.ts';
import {
  decodeAudioFrame,
  FRAME_KEY_PRESS,
  type LiveAudioFrame,
  type LiveAudioMessage,
} from '../../../services/live/live-audio.protocol.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import {
  answerPorts,
  multipart,
  request,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  tone,
  type Harness,
} from '../capture/capture-harness.ts';
import { addUser, createAccountsTestApi, login, type AccountsTestApi } from '../web/web-support.ts';

/**
 * Live listening end to end: a SIPREC call recorded by the in-process capture, heard over the WebSocket on the
 * API's HTTP server as it is sent (the decoded samples are the ones sent, key presses silenced), refused to a
 * principal whose scope the call is outside, and audited.
 */

interface Heard {
  messages: LiveAudioMessage[];
  frames: LiveAudioFrame[];
  closed: Promise<number>;
  opened: Promise<void>;
}

describe('live listening over WebSocket', () => {
  let api: AccountsTestApi;
  let server: Server;
  let base: string;
  let h: Harness;
  let client: SipClient;

  beforeAll(async () => {
    api = await createAccountsTestApi();
    server = createServer(api.app);
    attachLiveAudio(server, {
      ...api.accounts,
      listen: api.services.liveListen,
      logger: silentLogger(),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    h = await startHarness({ liveTap: api.services.live });
    client = await SipClient.udp();
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await h?.close();
    await new Promise((resolve) => server?.close(resolve));
    await api?.close();
  });

  function listen(path: string, headers: Record<string, string>): Heard {
    const ws = new WebSocket(`${base}${path}`, { headers });
    const heard: Heard = {
      messages: [],
      frames: [],
      opened: new Promise((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => reject(Object.assign(new Error(body), { status: res.statusCode, body })));
        });
      }),
      closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))),
    };
    heard.opened.catch(() => undefined);
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (binary) heard.frames.push(decodeAudioFrame(new Uint8Array(data))!);
      else heard.messages.push(JSON.parse(data.toString()) as LiveAudioMessage);
    });
    return heard;
  }

  it('streams the call as it is sent, with key presses silenced, refuses a principal out of scope, and audits the listen', async () => {
    const callId = 'live-listen-1';
    const sip = { callId, port: h.sipPort, clientPort: client.port };
    const { contentType, body } = multipart(
      sdpOffer([30000, 30002], { labels: ['1', '2'] }),
      siprecMetadata({
        callerAor: 'sip:+573001234567@carrier',
        calleeAor: 'sip:4711@pbx',
        labels: ['1', '2'],
      }),
    );
    client.send(
      request({
        ...sip,
        method: 'INVITE',
        cseq: 1,
        branch: 'z9hG4bKlive1',
        contentType,
        body,
        headers: ['Require: siprec'],
      }),
      h.sipPort,
    );
    const ok = await client.waitFor(status(200, 'INVITE'));
    const [p1, p2] = answerPorts(ok.body.toString());
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(request({ ...sip, method: 'ACK', cseq: 1, toTag }), h.sipPort);
    const [live] = api.services.live.calls();
    expect(live).toBeDefined();
    const path = `/live/calls/${live!.captureId}/audio`;

    // A supervisor of another team is refused before the upgrade; so is an unknown call, and a wrong party.
    const other = await addUser(api, 'qa_supervisor', { teams: ['north'] });
    const session = await login(api.app, other);
    const origin = `http://${new URL(base).host}`;
    const refused = listen(`${path}?party=both`, { Cookie: session.cookie, Origin: origin });
    await expect(refused.opened).rejects.toMatchObject({
      status: 403,
      body: expect.stringContaining('"FORBIDDEN"'),
    });
    const crossSite = listen(`${path}?party=both`, {
      Cookie: session.cookie,
      Origin: 'https://evil.example',
    });
    await expect(crossSite.opened).rejects.toMatchObject({ status: 403 });
    const auth = { Authorization: `Bearer ${api.adminKey}` };
    await expect(listen(`/live/calls/${crypto.randomUUID()}/audio`, auth).opened).rejects.toMatchObject({
      status: 404,
      body: expect.stringContaining('LIVE_CALL_NOT_FOUND'),
    });
    await expect(listen(`${path}?party=nobody`, auth).opened).rejects.toMatchObject({ status: 400 });
    await expect(listen(`${path}`, {}).opened).rejects.toMatchObject({ status: 401 });

    const both = listen(`${path}?party=both`, auth);
    const agentOnly = listen(`${path}?party=agent`, auth);
    await Promise.all([both.opened, agentOnly.opened]);

    // The customer (label 1) says 440 Hz with a key press from 500 to 800 ms; the agent (label 2) 660 Hz.
    const customer = tone(1.5, 440);
    const agent = tone(1.5, 660, 6000);
    const sentAt = Date.now();
    await Promise.all([
      sendRtp(
        rtpPackets({ samples: customer, ssrc: 1, dtmf: [{ event: 5, startMs: 500, durationMs: 300 }] }),
        p1!,
      ),
      sendRtp(rtpPackets({ samples: agent, ssrc: 2 }), p2!),
    ]);
    // Audio is heard while the call is in progress, well within 2 s.
    expect(both.frames.length).toBeGreaterThan(10);
    expect(Math.max(...both.frames.map((f) => f.lagMs))).toBeLessThan(2000);
    expect(Date.now() - sentAt).toBeLessThan(3000);
    client.send(request({ ...sip, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor(status(200, 'BYE'));
    expect(await both.closed).toBe(1000);
    expect(await agentOnly.closed).toBe(1000);

    expect(both.messages[0]).toMatchObject({ type: 'start', party: 'both', channels: 2, sampleRate: 8000 });
    expect(both.messages.at(-1)).toMatchObject({ type: 'end' });
    expect(both.frames.map((f) => f.sequence)).toEqual(both.frames.map((_, i) => i));
    const channel = (frames: LiveAudioFrame[], c: number) =>
      Int16Array.from(frames.flatMap((f) => [...f.samples].filter((_, i) => i % f.channels === c)));
    const heardAgent = channel(both.frames, 0);
    const heardCustomer = channel(both.frames, 1);

    // The agent's audio is exactly what was sent (through G.711), but for the key press on the other party.
    const sentAgent = decodeG711(encodeG711(agent, 'PCMU'), 'PCMU');
    const sentCustomer = decodeG711(encodeG711(customer, 'PCMU'), 'PCMU');
    const offsetOf = (heard: Int16Array, sent: Int16Array) =>
      heard.findIndex((v, i) => [0, 1, 2, 3].every((k) => heard[i + k] === sent[k]));
    const at = offsetOf(heardAgent, sentAgent);
    const atCustomer = offsetOf(heardCustomer, sentCustomer);
    expect(at).toBeGreaterThanOrEqual(0);
    // The parties are lined up on the call's clock: their first packets were sent together, and arrive within a few
    // packets of each other on a loaded machine (25 ms apart once in a CI run), not seconds.
    expect(Math.abs(atCustomer - at)).toBeLessThan(8 * 60);
    // As sent, sample for sample, but for at most two 20 ms packets of the window, missing at its end or differing: on
    // a loaded machine a packet can come after the live buffer played its place (clean-clone CI runs lost the last
    // packet of a 450 ms window, and the last 25 ms of the stream when the call ended).
    const same = (heard: Int16Array, from: number, sent: Int16Array, fromMs: number, toMs: number) => {
      const got = heard.subarray(from + fromMs * 8, from + toMs * 8);
      const want = sent.subarray(fromMs * 8, toMs * 8);
      const missing = want.length - got.length;
      expect(missing, `${missing} samples missing`).toBeGreaterThanOrEqual(0);
      let differ = missing;
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differ++;
      expect(differ, `${differ} of ${want.length} samples differ or are missing`).toBeLessThanOrEqual(
        2 * 160,
      );
    };
    same(heardAgent, at, sentAgent, 0, 450);
    same(heardAgent, at, sentAgent, 900, 1500);
    expect([...channel(agentOnly.frames, 0)]).toContain(sentAgent[400]);
    expect(agentOnly.messages[0]).toMatchObject({ channels: 1, party: 'agent' });

    // The customer's audio before the key press is as sent; the key press and its guards are silence, on both.
    same(heardCustomer, atCustomer, sentCustomer, 0, 450);
    same(heardCustomer, atCustomer, sentCustomer, 900, 1500);
    const silent = (s: Int16Array, from: number, fromMs: number, toMs: number) =>
      s.subarray(from + fromMs * 8, from + toMs * 8).every((v) => v === 0);
    expect(silent(heardCustomer, atCustomer, 520, 820)).toBe(true);
    expect(silent(heardAgent, at, 520, 820)).toBe(true);
    expect(silent(heardAgent, at, 400, 440)).toBe(false);
    expect(silent(heardCustomer, atCustomer, 900, 940)).toBe(false);
    expect(both.frames.some((f) => f.flags & FRAME_KEY_PRESS)).toBe(true);

    // Each listen is in the audit trail, its start before any audio and its end with how long it lasted.
    const deadline = Date.now() + 5000;
    let entries = await api.accounts.audit.list({ actions: ['listen_live', 'listen_live_end'], limit: 10 });
    while (entries.items.length < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      entries = await api.accounts.audit.list({ actions: ['listen_live', 'listen_live_end'], limit: 10 });
    }
    const ofBoth = entries.items.filter((e) => e.details?.party === 'both');
    expect(ofBoth.map((e) => e.action).sort()).toEqual(['listen_live', 'listen_live_end']);
    const end = ofBoth.find((e) => e.action === 'listen_live_end')!;
    expect(end).toMatchObject({ actorType: 'key', targetType: 'live_call', targetId: live!.captureId });
    expect(end.details).toMatchObject({ captureId: live!.captureId, reason: 'call-ended' });
    expect(end.details!.durationMs as number).toBeGreaterThan(1000);
    expect(entries.items.filter((e) => e.actorName === other.username)).toEqual([]);
  }, 60_000);
});

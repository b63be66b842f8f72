import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SipServer } from '../../../services/capture/sip/sip.server.ts';
import { createLogger } from '../../../services/platform/logger.ts';
import {
  answerPorts,
  multipart,
  readWav,
  request,
  rms,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  tone,
  type Harness,
} from './capture-harness.ts';
import { mutationsOf } from '../../unit/capture/capture-test-helpers.ts';

/**
 * The SIPREC server on real sockets: signalling, RTP, and the call that comes out of the spool; once with each way
 * the RTP ports can receive (the batched native receiver and Node's dgram sockets).
 */
describe.each(['batch', 'dgram'] as const)(`${SipServer.name} (%s RTP receiver)`, (receiver) => {
  let h: Harness;
  let client: SipClient;

  beforeAll(async () => {
    h = await startHarness({ rtp: { receiver } });
    expect(h.status.rtpReceiver).toBe(receiver);
    client = await SipClient.udp();
  });

  afterAll(async () => {
    client.close();
    await h.close();
  });

  const base = (callId: string) => ({ callId, port: h.sipPort, clientPort: client.port });

  it('answers OPTIONS with 200 and what it supports', async () => {
    client.send(request({ ...base('opt-1'), method: 'OPTIONS', cseq: 1 }), h.sipPort);
    const r = await client.waitFor(status(200, 'OPTIONS'));
    expect(r.headers.get('Allow')).toContain('INVITE');
    expect(r.headers.get('Supported')).toContain('siprec');
  });

  it('records a SIPREC call: recvonly answer in m-line order, two channels, DTMF kept as events and silenced', async () => {
    const callId = 'siprec-1';
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
        ...base(callId),
        method: 'INVITE',
        cseq: 1,
        branch: 'z9hG4bKinv1',
        contentType,
        body,
        headers: ['Require: siprec', 'X-Campaign: late-stage'],
      }),
      h.sipPort,
    );
    await client.waitFor(status(100, 'INVITE'));
    const ok = await client.waitFor(status(200, 'INVITE'));
    const answer = ok.body.toString();
    expect(answer.match(/a=label:(\d)/g)).toEqual(['a=label:1', 'a=label:2']);
    expect(answer.match(/a=recvonly/g)).toHaveLength(2);
    const [p1, p2] = answerPorts(answer);
    expect(p1! % 2).toBe(0);
    expect(p2).not.toBe(p1);
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(request({ ...base(callId), method: 'ACK', cseq: 1, toTag }), h.sipPort);

    // Caller (customer, +57...) on label 1: 1.5 s at 440 Hz with a key press 500–800 ms carrying a 1 kHz tone.
    const caller = tone(1.5, 440);
    caller.set(tone(0.3, 1000, 12000), 4000);
    const callee = tone(1.5, 660, 6000);
    await Promise.all([
      sendRtp(
        rtpPackets({ samples: caller, ssrc: 1, dtmf: [{ event: 5, startMs: 500, durationMs: 300 }] }),
        p1!,
      ),
      sendRtp(rtpPackets({ samples: callee, ssrc: 2 }), p2!),
    ]);
    client.send(
      request({ ...base(callId), method: 'BYE', cseq: 2, toTag, headers: ['X-Disposition: PTP'] }),
      h.sipPort,
    );
    await client.waitFor(status(200, 'BYE'));

    const call = await h.sink.waitForCall(callId);
    expect(call!.source).toBe('siprec');
    expect(call!.metadata.campaign).toBe('late-stage');
    expect(call!.metadata.disposition).toBe('PTP');
    expect(call!.metadata.sipCallId).toBe(callId);
    // 4711 matches the agent pattern: the callee is the agent (left), the caller the customer (right).
    expect(call!.metadata.direction).toBe('inbound');
    expect(call!.metadata.callerNumber).toBe('+573001234567');
    expect(Math.abs(call!.durationMs - 1500)).toBeLessThan(100);
    expect(call!.dtmf).toEqual([expect.objectContaining({ digit: '5', channel: 1, method: 'rfc4733' })]);
    expect(Math.abs(call!.dtmf[0]!.startMs - 500)).toBeLessThan(60);
    expect(call!.streams).toHaveLength(2);
    for (const s of call!.streams) {
      expect(s.packets).toBeGreaterThanOrEqual(75);
      expect(s.lost).toBe(0);
      expect(s.mos).toBeGreaterThan(4);
    }

    const wav = await readWav(call!.filePath);
    expect(wav.channels).toBe(2);
    const [left, right] = wav.samples as [Int16Array, Int16Array];
    const ms = (t: number) => Math.round((t * wav.sampleRate) / 1000);
    expect(rms(left, ms(100), ms(400))).toBeGreaterThan(2000); // agent: 660 Hz at 6000
    expect(rms(right, ms(100), ms(400))).toBeGreaterThan(3000); // customer: 440 Hz at 8000
    expect(rms(right, ms(520), ms(780))).toBeLessThan(50); // the key press is silenced
    expect(rms(left, ms(520), ms(780))).toBeLessThan(50);
    expect(rms(right, ms(950), ms(1300))).toBeGreaterThan(3000);
  });

  const invite = (callId: string, extra: Partial<Parameters<typeof request>[0]> = {}) => {
    const { contentType, body } = multipart(
      sdpOffer([31000, 31002], { labels: ['a', 'b'] }),
      siprecMetadata({
        callerAor: 'sip:agent7@pbx',
        calleeAor: 'sip:+34600111222@carrier',
        labels: ['a', 'b'],
      }),
    );
    return request({ ...base(callId), method: 'INVITE', cseq: 1, contentType, body, ...extra });
  };
  const toTagOf = (r: { headers: { get(n: string): string | undefined } }) =>
    /tag=([^;\s]+)/.exec(r.headers.get('To') ?? '')?.[1];
  const forCall =
    (callId: string, code: number, method?: string) => (r: Parameters<ReturnType<typeof status>>[0]) =>
      r.headers.get('Call-ID') === callId && status(code, method)(r);

  it('answers a retransmitted INVITE from the transaction cache: one dialog, the same 200', async () => {
    const before = h.service.sip!.stats.callsStarted;
    const message = invite('retrans-1', { branch: 'z9hG4bKretrans1' });
    client.send(message, h.sipPort);
    const first = await client.waitFor(forCall('retrans-1', 200, 'INVITE'));
    client.send(message, h.sipPort);
    const second = await client.waitFor(forCall('retrans-1', 200, 'INVITE'), 2);
    expect(second.body.toString()).toBe(first.body.toString());
    expect(toTagOf(second)).toBe(toTagOf(first));
    expect(h.service.sip!.stats.callsStarted).toBe(before + 1);
    expect(h.service.sip!.stats.retransmissions).toBeGreaterThan(0);
    const toTag = toTagOf(first);
    client.send(request({ ...base('retrans-1'), method: 'ACK', cseq: 1, toTag }), h.sipPort);
    client.send(request({ ...base('retrans-1'), method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor(forCall('retrans-1', 200, 'BYE'));
  });

  it('retransmits the 200 over UDP until the ACK arrives', async () => {
    client.send(invite('noack-1'), h.sipPort);
    const ok = await client.waitFor(forCall('noack-1', 200, 'INVITE'));
    await client.waitFor(forCall('noack-1', 200, 'INVITE'), 3, 4000); // T1 = 500 ms, then 1 s
    client.send(request({ ...base('noack-1'), method: 'ACK', cseq: 1, toTag: toTagOf(ok) }), h.sipPort);
    await new Promise((r) => setTimeout(r, 100));
    const count = client.responses.filter(forCall('noack-1', 200, 'INVITE')).length;
    await new Promise((r) => setTimeout(r, 2500));
    expect(client.responses.filter(forCall('noack-1', 200, 'INVITE')).length).toBe(count);
    client.send(request({ ...base('noack-1'), method: 'BYE', cseq: 2, toTag: toTagOf(ok) }), h.sipPort);
    await client.waitFor(forCall('noack-1', 200, 'BYE'));
  });

  it('stops cleanly with an INVITE still being answered: no 200 after the stop, its ports freed, nothing thrown', async () => {
    const stopping = await startHarness({ rtp: { receiver } }, { answerDelayMs: 400 });
    const thrown: unknown[] = [];
    const onThrow = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onThrow);
    try {
      client.send(invite('stop-1'), stopping.sipPort);
      await client.waitFor(status(100, 'INVITE'));
      await stopping.close();
      await new Promise((r) => setTimeout(r, 1000));
      expect(client.responses.filter(forCall('stop-1', 200, 'INVITE'))).toEqual([]);
      expect(stopping.service.ports.used).toBe(0);
      expect(stopping.service.sip!.stats.callsStarted).toBe(0);
      expect(thrown).toEqual([]);
    } finally {
      process.off('uncaughtException', onThrow);
    }
  });

  it('refuses a plain INVITE with 488 and says why', async () => {
    client.send(
      request({
        ...base('plain-1'),
        method: 'INVITE',
        cseq: 1,
        contentType: 'application/sdp',
        body: sdpOffer([32000]),
      }),
      h.sipPort,
    );
    const r = await client.waitFor(forCall('plain-1', 488, 'INVITE'));
    expect(r.headers.get('Warning')).toContain('ESCUCHA_SIP_ACCEPT_PLAIN_INVITE');
  });

  it('answers 481 to BYE and INFO for unknown dialogs, 405 to REGISTER, 501 to unknown methods, 420 to unknown Require', async () => {
    client.send(request({ ...base('nodialog'), method: 'BYE', cseq: 2, toTag: 'nope' }), h.sipPort);
    await client.waitFor(forCall('nodialog', 481, 'BYE'));
    client.send(request({ ...base('nodialog'), method: 'INFO', cseq: 3, toTag: 'nope' }), h.sipPort);
    await client.waitFor(forCall('nodialog', 481, 'INFO'));
    client.send(request({ ...base('reg'), method: 'REGISTER', cseq: 1 }), h.sipPort);
    expect((await client.waitFor(forCall('reg', 405, 'REGISTER'))).headers.get('Allow')).toContain('INVITE');
    client.send(request({ ...base('xyz'), method: 'FROBNICATE', cseq: 1 }), h.sipPort);
    await client.waitFor(forCall('xyz', 501, 'FROBNICATE'));
    client.send(invite('req-1', { headers: ['Require: siprec, foo-bar'] }), h.sipPort);
    const bad = await client.waitFor(forCall('req-1', 420, 'INVITE'));
    expect(bad.headers.get('Unsupported')).toBe('foo-bar');
  });

  it('answers 400 to malformed requests it can address, counts garbage, and keeps serving', async () => {
    const before = h.service.sip!.stats.malformed;
    client.send(Buffer.from([0, 1, 2, 3, 255, 254]), h.sipPort);
    const badSdp = request({
      ...base('bad-sdp'),
      method: 'INVITE',
      cseq: 1,
      headers: ['Require: siprec'],
      contentType: 'application/sdp',
      body: 'v=0\r\nm=audio notaport RTP/AVP 0\r\n',
    });
    client.send(badSdp, h.sipPort);
    await client.waitFor(forCall('bad-sdp', 400, 'INVITE'));
    const broken = request({ ...base('bad-cseq'), method: 'OPTIONS', cseq: 1 }).replace(
      'CSeq: 1 OPTIONS',
      'CSeq: one OPTIONS',
    );
    client.send(broken, h.sipPort);
    await client.waitFor(forCall('bad-cseq', 400));
    expect(h.service.sip!.stats.malformed).toBeGreaterThan(before);
    client.send(request({ ...base('opt-2'), method: 'OPTIONS', cseq: 1 }), h.sipPort);
    await client.waitFor(forCall('opt-2', 200, 'OPTIONS'));
  });

  it('pauses on a re-INVITE with a=inactive and resumes on sendonly; the paused span is kept and silenced', async () => {
    const callId = 'pause-1';
    client.send(invite(callId), h.sipPort);
    const ok = await client.waitFor(forCall(callId, 200, 'INVITE'));
    const toTag = toTagOf(ok);
    client.send(request({ ...base(callId), method: 'ACK', cseq: 1, toTag }), h.sipPort);
    const [p1, p2] = answerPorts(ok.body.toString());
    const meta = siprecMetadata({
      callerAor: 'sip:agent7@pbx',
      calleeAor: 'sip:+34600111222@carrier',
      labels: ['a', 'b'],
    });
    const reinvite = async (direction: string, cseq: number) => {
      const { contentType, body } = multipart(
        sdpOffer([31000, 31002], { labels: ['a', 'b'], direction }),
        meta,
      );
      client.send(request({ ...base(callId), method: 'INVITE', cseq, toTag, contentType, body }), h.sipPort);
      const r = await client.waitFor(forCall(callId, 200, 'INVITE'), cseq);
      client.send(request({ ...base(callId), method: 'ACK', cseq, toTag }), h.sipPort);
      return r;
    };
    const audio = tone(2, 500, 9000);
    const sending = Promise.all([
      sendRtp(rtpPackets({ samples: audio, ssrc: 7 }), p1!),
      sendRtp(rtpPackets({ samples: audio, ssrc: 8 }), p2!),
    ]);
    await new Promise((r) => setTimeout(r, 600));
    const paused = await reinvite('inactive', 2);
    expect(answerPorts(paused.body.toString())).toEqual([p1, p2]); // same ports kept
    expect(paused.body.toString()).toContain('a=inactive');
    await new Promise((r) => setTimeout(r, 600));
    await reinvite('sendonly', 3);
    await sending;
    client.send(request({ ...base(callId), method: 'BYE', cseq: 4, toTag }), h.sipPort);
    await client.waitFor(forCall(callId, 200, 'BYE'));
    const call = await h.sink.waitForCall(callId);
    expect(call.pauses).toHaveLength(1);
    const pause = call.pauses[0]!;
    expect(pause.reason).toBe('inactive');
    expect(Math.abs(pause.startMs - 600)).toBeLessThan(150);
    expect(Math.abs(pause.endMs - pause.startMs - 600)).toBeLessThan(150);
    const wav = await readWav(call.filePath);
    const ms = (t: number) => Math.round((t * wav.sampleRate) / 1000);
    expect(rms(wav.samples[0]!, ms(pause.startMs + 20), ms(pause.endMs - 20))).toBe(0);
    expect(rms(wav.samples[0]!, ms(100), ms(pause.startMs - 50))).toBeGreaterThan(3000);
    expect(rms(wav.samples[0]!, ms(pause.endMs + 50), ms(1900))).toBeGreaterThan(3000);
  });

  it('adds and removes streams on re-INVITE, and pauses and resumes on INFO', async () => {
    const callId = 'streams-1';
    client.send(invite(callId), h.sipPort);
    const ok = await client.waitFor(forCall(callId, 200, 'INVITE'));
    const toTag = toTagOf(ok);
    const [p1] = answerPorts(ok.body.toString());
    const three = sdpOffer([31000, 31002, 31004], { labels: ['a', 'b', 'c'] });
    client.send(
      request({
        ...base(callId),
        method: 'INVITE',
        cseq: 2,
        toTag,
        contentType: 'application/sdp',
        body: three,
      }),
      h.sipPort,
    );
    const added = answerPorts((await client.waitFor(forCall(callId, 200, 'INVITE'), 2)).body.toString());
    expect(added).toHaveLength(3);
    expect(added[0]).toBe(p1);
    expect(added[2]).toBeGreaterThan(0);
    const removed = sdpOffer([31000, 0, 31004], { labels: ['a', 'b', 'c'] });
    client.send(
      request({
        ...base(callId),
        method: 'INVITE',
        cseq: 3,
        toTag,
        contentType: 'application/sdp',
        body: removed,
      }),
      h.sipPort,
    );
    const after = answerPorts((await client.waitFor(forCall(callId, 200, 'INVITE'), 3)).body.toString());
    expect(after).toEqual([p1, 0, added[2]]);
    client.send(
      request({ ...base(callId), method: 'INFO', cseq: 4, toTag, headers: ['X-Recording-Action: pause'] }),
      h.sipPort,
    );
    await client.waitFor(forCall(callId, 200, 'INFO'));
    await new Promise((r) => setTimeout(r, 200));
    client.send(
      request({ ...base(callId), method: 'INFO', cseq: 5, toTag, contentType: 'text/plain', body: 'resume' }),
      h.sipPort,
    );
    await client.waitFor(forCall(callId, 200, 'INFO'), 2);
    client.send(
      request({
        ...base(callId),
        method: 'INFO',
        cseq: 6,
        toTag,
        contentType: 'application/dtmf-relay',
        body: 'Signal=7\r\nDuration=160\r\n',
      }),
      h.sipPort,
    );
    await client.waitFor(forCall(callId, 200, 'INFO'), 3);
    client.send(request({ ...base(callId), method: 'BYE', cseq: 7, toTag }), h.sipPort);
    await client.waitFor(forCall(callId, 200, 'BYE'));
    const call = await h.sink.waitForCall(callId);
    expect(call.pauses.map((p) => p.reason)).toEqual(['info']);
    expect(call.dtmf).toEqual([expect.objectContaining({ digit: '7', method: 'sip-info' })]);
  });

  it('ends an unanswered INVITE with 487 when CANCEL arrives, and records nothing', async () => {
    const slow = await startHarness({ rtp: { receiver } }, { answerDelayMs: 800 });
    const c = await SipClient.udp();
    try {
      const delivered = slow.sink.calls.length;
      const { contentType, body } = multipart(
        sdpOffer([33000, 33002], { labels: ['a', 'b'] }),
        siprecMetadata({ callerAor: 'sip:1@a', calleeAor: 'sip:2@b', labels: ['a', 'b'] }),
      );
      const o = {
        callId: 'cancel-1',
        port: slow.sipPort,
        clientPort: c.port,
        cseq: 1,
        branch: 'z9hG4bKcancel1',
      };
      c.send(request({ ...o, method: 'INVITE', contentType, body }), slow.sipPort);
      await c.waitFor(status(100, 'INVITE'));
      c.send(request({ ...o, method: 'CANCEL' }), slow.sipPort);
      await c.waitFor(status(200, 'CANCEL'));
      const terminated = await c.waitFor(status(487, 'INVITE'));
      c.send(request({ ...o, method: 'ACK', toTag: toTagOf(terminated) }), slow.sipPort);
      await new Promise((r) => setTimeout(r, 1500));
      expect(c.responses.some(status(200, 'INVITE'))).toBe(false);
      expect(slow.sink.calls.length).toBe(delivered);
      expect(slow.service.sip!.sessions()).toHaveLength(0);
      expect(slow.service.ports.used).toBe(0);
    } finally {
      c.close();
      await slow.close();
    }
  });

  it('answers 403 to addresses outside the allow-list and 503 when no RTP ports are left', async () => {
    const closed = await startHarness({ rtp: { receiver } }, { allow: ['10.0.0.0/8'] });
    const tiny = await startHarness({ rtp: { range: { min: 29990, max: 29991 }, receiver } });
    const c = await SipClient.udp();
    try {
      c.send(
        request({ callId: 'deny-1', port: closed.sipPort, clientPort: c.port, method: 'OPTIONS', cseq: 1 }),
        closed.sipPort,
      );
      await c.waitFor(forCall('deny-1', 403, 'OPTIONS'));
      expect(closed.service.sip!.stats.forbidden).toBe(1);
      const { contentType, body } = multipart(
        sdpOffer([33000, 33002], { labels: ['a', 'b'] }),
        siprecMetadata({ callerAor: 'sip:1@a', calleeAor: 'sip:2@b', labels: ['a', 'b'] }),
      );
      c.send(
        request({
          callId: 'full-1',
          port: tiny.sipPort,
          clientPort: c.port,
          method: 'INVITE',
          cseq: 1,
          contentType,
          body,
        }),
        tiny.sipPort,
      );
      const full = await c.waitFor(forCall('full-1', 503, 'INVITE'));
      expect(full.headers.get('Retry-After')).toBe('5');
      expect(tiny.service.ports.used).toBe(0);
    } finally {
      c.close();
      await closed.close();
      await tiny.close();
    }
  });

  it('closes TCP connections from addresses outside the allow-list at accept, and caps and times out the others', async () => {
    const closed = await startHarness({ rtp: { receiver } }, { allow: ['10.0.0.0/8'] });
    const capped = await startHarness(
      { rtp: { receiver } },
      { tcpLimits: { maxPerSource: 3, firstMessageMs: 400, idleMs: 1500 } },
    );
    const open: Socket[] = [];
    const connectTo = async (port: number) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume(); // read (and drop) what the server sends, so its closing is seen
      open.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      });
      return socket;
    };
    const closedWithin = (socket: Socket, ms: number) =>
      new Promise<boolean>((resolve) => {
        if (socket.destroyed || socket.readableEnded) return resolve(true);
        const timer = setTimeout(() => resolve(false), ms);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    try {
      // Not allowed: closed at once, without a byte sent, and counted.
      const denied = await connectTo(closed.sipPort);
      expect(await closedWithin(denied, 1000)).toBe(true);
      expect(closed.service.sip!.stats.forbidden).toBeGreaterThanOrEqual(1);

      // Allowed, but at most three at once from one address: the fourth is closed at accept.
      const speaker = await connectTo(capped.sipPort);
      // A connection that says something (a keep-alive) is held to the idle limit, not the first-message one.
      speaker.write('\r\n\r\n');
      const spokeAt = Date.now();
      const silent = [await connectTo(capped.sipPort), await connectTo(capped.sipPort)];
      const fourth = await connectTo(capped.sipPort);
      expect(await closedWithin(fourth, 1000)).toBe(true);
      expect(capped.service.sip!.stats.refusedConnections).toBe(1);
      // Silent ones are closed after the first-message limit (400 ms)...
      expect(await closedWithin(silent[0]!, 2000)).toBe(true);
      expect(await closedWithin(silent[1]!, 2000)).toBe(true);
      // ... the one that spoke only once it has been idle for the idle limit (1500 ms).
      expect(await closedWithin(speaker, 4000)).toBe(true);
      expect(Date.now() - spokeAt).toBeGreaterThanOrEqual(1400);
      // Closed connections free their places: a real client records over TCP again.
      const tcp = await SipClient.tcpTo(capped.sipPort);
      try {
        tcp.send(
          request({
            callId: 'tcp-cap-1',
            port: capped.sipPort,
            clientPort: tcp.port,
            method: 'OPTIONS',
            cseq: 1,
            transport: 'TCP',
          }),
          capped.sipPort,
        );
        await tcp.waitFor(status(200, 'OPTIONS'));
      } finally {
        tcp.close();
      }
    } finally {
      for (const socket of open) socket.destroy();
      await closed.close();
      await capped.close();
    }
  });

  it('answers 400 over TCP to a request whose Content-Length cannot be used, then closes the connection', async () => {
    for (const length of ['abc', '-5', '99999999']) {
      const tcp = await SipClient.tcpTo(h.sipPort);
      try {
        const message = request({
          callId: `bad-length-${length}`,
          port: h.sipPort,
          clientPort: tcp.port,
          method: 'OPTIONS',
          cseq: 1,
          transport: 'TCP',
        }).replace(/Content-Length: \d+/i, `Content-Length: ${length}`);
        expect(message).toContain(`Content-Length: ${length}`);
        tcp.send(message, h.sipPort);
        const r = await tcp.waitFor(status(400));
        expect(r.headers.get('Call-ID')).toBe(`bad-length-${length}`);
      } finally {
        tcp.close();
      }
    }
  });

  it('records at most eight streams of one dialog and refuses the rest with port 0', async () => {
    const wide = await startHarness({ rtp: { range: { min: 30100, max: 30199 }, receiver } });
    const c = await SipClient.udp();
    try {
      const ports = Array.from({ length: 64 }, (_, i) => 36000 + 2 * i);
      const o = { callId: 'many-streams-1', port: wide.sipPort, clientPort: c.port };
      const { contentType, body } = multipart(
        sdpOffer(ports, { labels: ports.map((_, i) => String(i + 1)) }),
        siprecMetadata({ callerAor: 'sip:1@a', calleeAor: 'sip:2@b', labels: ['1', '2'] }),
      );
      c.send(request({ ...o, method: 'INVITE', cseq: 1, contentType, body }), wide.sipPort);
      const ok = await c.waitFor(forCall(o.callId, 200, 'INVITE'));
      const answered = answerPorts(ok.body.toString());
      expect(answered).toHaveLength(64);
      expect(answered.filter((p) => p !== 0)).toHaveLength(8);
      expect(wide.service.ports.used).toBe(8);
      c.send(request({ ...o, method: 'ACK', cseq: 1, toTag: toTagOf(ok) }), wide.sipPort);
      c.send(request({ ...o, method: 'BYE', cseq: 2, toTag: toTagOf(ok) }), wide.sipPort);
      await c.waitFor(forCall(o.callId, 200, 'BYE'));
      expect(wide.service.ports.used).toBe(0);
    } finally {
      c.close();
      await wide.close();
    }
  });

  it('caps the RTP streams one source holds: its INVITEs and re-INVITEs past the share get 503, another source still records', async () => {
    const logged: string[] = [];
    const shared = await startHarness({
      rtp: { range: { min: 30200, max: 30279 }, maxPerSource: 16, receiver },
      logger: createLogger({
        level: 'warn',
        destination: new Writable({
          write: (chunk: Buffer, _encoding, done) => {
            logged.push(chunk.toString());
            done();
          },
        }),
      }),
    });
    expect(shared.service.ports.capacity).toBe(40);
    expect(shared.status.rtpStreamsPerSource).toBe(16);
    const a = await SipClient.udp('127.0.0.1');
    const b = await SipClient.tcpTo(shared.sipPort, '127.0.0.2');
    const invite = (c: SipClient, callId: string, streams: number, extra: object = {}) => {
      const ports = Array.from({ length: streams }, (_, i) => 37000 + 2 * i);
      const { contentType, body } = multipart(
        sdpOffer(ports, { labels: ports.map((_, i) => String(i + 1)) }),
        siprecMetadata({ callerAor: 'sip:1@a', calleeAor: 'sip:2@b', labels: ['1', '2'] }),
      );
      c.send(
        request({
          callId,
          port: shared.sipPort,
          clientPort: c.port,
          method: 'INVITE',
          cseq: 1,
          contentType,
          body,
          ...extra,
        }),
        shared.sipPort,
      );
    };
    const bye = async (c: SipClient, callId: string, ok: Parameters<typeof toTagOf>[0], tcp = false) => {
      const o = { callId, port: shared.sipPort, clientPort: c.port, toTag: toTagOf(ok) };
      const transport = tcp ? ({ transport: 'TCP' } as const) : {};
      c.send(request({ ...o, ...transport, method: 'ACK', cseq: 1 }), shared.sipPort);
      c.send(request({ ...o, ...transport, method: 'BYE', cseq: 9 }), shared.sipPort);
      await c.waitFor(forCall(callId, 200, 'BYE'));
    };
    try {
      // Source A takes 4 + 8 + 4 = 16 streams, its whole share.
      invite(a, 'share-a1', 4);
      const a1 = await a.waitFor(forCall('share-a1', 200, 'INVITE'));
      invite(a, 'share-a2', 8);
      const a2 = await a.waitFor(forCall('share-a2', 200, 'INVITE'));
      invite(a, 'share-a3', 4);
      const a3 = await a.waitFor(forCall('share-a3', 200, 'INVITE'));
      expect(shared.service.ports.heldBy('127.0.0.1')).toBe(16);
      // One more dialog from A is refused, though 24 pairs are free.
      invite(a, 'share-a4', 2);
      const refused = await a.waitFor(forCall('share-a4', 503, 'INVITE'));
      expect(refused.headers.get('Retry-After')).toBe('5');
      expect(refused.headers.get('Warning')).toContain('ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE');
      // So is a re-INVITE adding streams to A's first dialog; that dialog keeps its four.
      const { contentType, body } = multipart(
        sdpOffer([37000, 37002, 37004, 37006, 37008, 37010], { labels: ['1', '2', '3', '4', '5', '6'] }),
        siprecMetadata({ callerAor: 'sip:1@a', calleeAor: 'sip:2@b', labels: ['1', '2'] }),
      );
      a.send(
        request({
          callId: 'share-a1',
          port: shared.sipPort,
          clientPort: a.port,
          method: 'INVITE',
          cseq: 2,
          toTag: toTagOf(a1),
          contentType,
          body,
        }),
        shared.sipPort,
      );
      await a.waitFor(forCall('share-a1', 503, 'INVITE'));
      expect(shared.service.sip!.sessions().find((s) => s.callId === 'share-a1')?.streamCount).toBe(4);
      expect(shared.service.ports.used).toBe(16);
      // Source B, another SBC, still records all its streams.
      invite(b, 'share-b1', 8, { transport: 'TCP' });
      const b1 = await b.waitFor(forCall('share-b1', 200, 'INVITE'));
      expect(answerPorts(b1.body.toString()).filter((p) => p !== 0)).toHaveLength(8);
      expect(shared.service.ports.heldBy('127.0.0.2')).toBe(8);
      // Both refusals are counted; the source is logged once.
      expect(shared.service.sip!.stats.refusedOverShare).toBe(2);
      const warnings = logged.filter((l) => l.includes('share of the RTP ports'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('"remote":"127.0.0.1"');
      // A dialog of A ending gives A its ports back.
      await bye(a, 'share-a3', a3);
      expect(shared.service.ports.heldBy('127.0.0.1')).toBe(12);
      invite(a, 'share-a5', 4);
      const a5 = await a.waitFor(forCall('share-a5', 200, 'INVITE'));
      for (const [callId, ok] of [
        ['share-a1', a1],
        ['share-a2', a2],
        ['share-a5', a5],
      ] as const)
        await bye(a, callId, ok);
      await bye(b, 'share-b1', b1, true);
      expect(shared.service.ports.used).toBe(0);
      expect(shared.service.ports.heldBy('127.0.0.1')).toBe(0);
    } finally {
      a.close();
      b.close();
      await shared.close();
    }
  });

  it('records over TCP, framing several messages per segment', async () => {
    const tcp = await SipClient.tcpTo(h.sipPort);
    try {
      const o = { callId: 'tcp-1', port: h.sipPort, clientPort: tcp.port, transport: 'TCP' as const };
      const { contentType, body } = multipart(
        sdpOffer([34000, 34002], { labels: ['a', 'b'] }),
        siprecMetadata({ callerAor: 'sip:agent9@pbx', calleeAor: 'sip:+1555000111@c', labels: ['a', 'b'] }),
      );
      tcp.send(
        request({ ...o, method: 'OPTIONS', cseq: 1 }) +
          request({ ...o, method: 'INVITE', cseq: 2, contentType, body }),
        h.sipPort,
      );
      await tcp.waitFor(status(200, 'OPTIONS'));
      const ok = await tcp.waitFor(status(200, 'INVITE'));
      expect(ok.headers.get('Contact')).toContain('transport=tcp');
      const [p1] = answerPorts(ok.body.toString());
      tcp.send(request({ ...o, method: 'ACK', cseq: 2, toTag: toTagOf(ok) }), h.sipPort);
      await sendRtp(rtpPackets({ samples: tone(0.6, 300), ssrc: 11 }), p1!);
      tcp.send(request({ ...o, method: 'BYE', cseq: 3, toTag: toTagOf(ok) }), h.sipPort);
      await tcp.waitFor(status(200, 'BYE'));
      const call = await h.sink.waitForCall('tcp-1');
      expect(call.streams.find((s) => s.label === 'a')?.packets).toBe(30);
      expect(call.metadata.agentName).toBe('Caller');
    } finally {
      tcp.close();
    }
  });

  it('records a plain INVITE as one call when plain INVITEs are accepted (source sip, caller on its channel)', async () => {
    const plain = await startHarness({ rtp: { receiver } }, { acceptPlainInvite: true });
    const c = await SipClient.udp();
    try {
      const o = { callId: 'plain-ok', port: plain.sipPort, clientPort: c.port };
      c.send(
        request({
          ...o,
          method: 'INVITE',
          cseq: 1,
          from: '"Agente 12" <sip:1012@pbx>',
          to: '<sip:+573009998877@carrier>',
          headers: ['X-Agent-Id: A-12'],
          contentType: 'application/sdp',
          body: sdpOffer([35000], { direction: 'sendrecv', codec: 'PCMA' }),
        }),
        plain.sipPort,
      );
      const ok = await c.waitFor(status(200, 'INVITE'));
      expect(ok.body.toString()).toContain('a=rtpmap:8 PCMA/8000');
      const [port] = answerPorts(ok.body.toString());
      c.send(request({ ...o, method: 'ACK', cseq: 1, toTag: toTagOf(ok) }), plain.sipPort);
      await sendRtp(rtpPackets({ samples: tone(1, 400), law: 'PCMA', ssrc: 5 }), port!);
      c.send(request({ ...o, method: 'BYE', cseq: 2, toTag: toTagOf(ok) }), plain.sipPort);
      await c.waitFor(status(200, 'BYE'));
      const call = await plain.sink.waitForCall('plain-ok');
      expect(call.source).toBe('sip');
      expect(call.metadata).toMatchObject({
        agentId: 'A-12',
        agentName: 'Agente 12',
        direction: 'outbound',
        calleeNumber: '+573009998877',
      });
      expect(call.streams).toEqual([expect.objectContaining({ channel: 0, codec: 'PCMA', packets: 50 })]);
      expect(call.oneWayAudio).toMatchObject({ oneWay: true, silentChannel: 1 });
      const wav = await readWav(call.filePath);
      expect(rms(wav.samples[0]!, 800, 7200)).toBeGreaterThan(3000);
      expect(rms(wav.samples[1]!)).toBe(0);
    } finally {
      c.close();
      await plain.close();
    }
  });

  it('survives a stream of mangled SIP datagrams, counting them, and keeps answering', async () => {
    const { contentType, body } = multipart(
      sdpOffer([38000, 38002], { labels: ['a', 'b'] }),
      siprecMetadata({ callerAor: 'sip:1@a', calleeAor: 'sip:2@b', labels: ['a', 'b'] }),
    );
    const valid = Buffer.from(request({ ...base('fuzz'), method: 'INVITE', cseq: 1, contentType, body }));
    const samples = fc.sample(mutationsOf(valid), { numRuns: 400, seed: 7 });
    for (const sample of samples) client.send(sample, h.sipPort);
    await new Promise((r) => setTimeout(r, 1500));
    client.send(request({ ...base('after-fuzz'), method: 'OPTIONS', cseq: 1 }), h.sipPort);
    await client.waitFor((r) => r.headers.get('Call-ID') === 'after-fuzz' && r.status === 200);
    expect(h.service.sip!.stats.malformed).toBeGreaterThan(0);
    // Whatever dialogs the mutations opened end cleanly.
    await h.service.sip!.tick();
  });

  it('reads RTCP sender reports on the port above the RTP port', async () => {
    const callId = 'rtcp-1';
    client.send(invite(callId), h.sipPort);
    const ok = await client.waitFor(forCall(callId, 200, 'INVITE'));
    const toTag = toTagOf(ok);
    const [p1] = answerPorts(ok.body.toString());
    await sendRtp(rtpPackets({ samples: tone(0.4, 500), ssrc: 0x5151 }), p1!);
    const sr = Buffer.alloc(28);
    sr[0] = 0x80;
    sr[1] = 200;
    sr.writeUInt16BE(6, 2);
    sr.writeUInt32BE(0x5151, 4);
    sr.writeUInt32BE(20, 20); // sender's packet count
    await sendRtp([{ atMs: 0, data: sr }], p1! + 1);
    await new Promise((r) => setTimeout(r, 100));
    client.send(request({ ...base(callId), method: 'BYE', cseq: 2, toTag }), h.sipPort);
    const call = await h.sink.waitForCall(callId);
    expect(call.streams.find((st) => st.label === 'a')?.rtcp).toMatchObject({
      senderReports: 1,
      senderPacketCount: 20,
    });
  });
});

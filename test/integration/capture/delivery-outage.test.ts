import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/**
 * Capture while the archive cannot take calls (its object store or database down): calls keep being recorded and
 * stay in the spool, delivery keeps trying, and once the archive is back each call is delivered whole, exactly once,
 * and leaves the spool.
 */
describe('capture through an archive outage', () => {
  let h: Harness;
  let client: SipClient;

  beforeAll(async () => {
    h = await startHarness();
    client = await SipClient.udp();
  });
  afterAll(async () => {
    client?.close();
    await h?.close();
  });

  async function record(callId: string, seconds: number): Promise<void> {
    const { contentType, body } = multipart(
      sdpOffer([33000, 33002], { labels: ['1', '2'] }),
      siprecMetadata({
        callerAor: 'sip:+573001234567@carrier',
        calleeAor: 'sip:4711@pbx',
        labels: ['1', '2'],
      }),
    );
    const base = { callId, port: h.sipPort, clientPort: client.port };
    client.send(
      request({ ...base, method: 'INVITE', cseq: 1, contentType, body, headers: ['Require: siprec'] }),
      h.sipPort,
    );
    const ok = await client.waitFor((r) => r.headers.get('Call-ID') === callId && status(200, 'INVITE')(r));
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(request({ ...base, method: 'ACK', cseq: 1, toTag }), h.sipPort);
    const [p1, p2] = answerPorts(ok.body.toString());
    await Promise.all([
      sendRtp(rtpPackets({ samples: tone(seconds, 440), ssrc: 1 }), p1!),
      sendRtp(rtpPackets({ samples: tone(seconds, 660, 6000), ssrc: 2 }), p2!),
    ]);
    client.send(request({ ...base, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor((r) => r.headers.get('Call-ID') === callId && status(200, 'BYE')(r));
  }

  it('keeps calls in the spool while the archive is down and delivers each once when it is back', async () => {
    h.sink.failing = true;
    await record('outage-1', 1.5);
    await record('outage-2', 1);
    // Several tries failed meanwhile; both calls wait in the spool.
    const until = Date.now() + 10_000;
    while (h.sink.attempts < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(h.sink.attempts).toBeGreaterThanOrEqual(4);
    expect(h.sink.calls).toEqual([]);
    expect(h.service.delivery.pending).toBe(2);
    expect((await readdir(h.spoolDir)).length).toBe(2);

    h.sink.failing = false;
    const calls = await h.sink.waitFor(2);
    await h.service.delivery.idle();
    expect(calls.map((c) => c.metadata.sipCallId).sort()).toEqual(['outage-1', 'outage-2']);
    for (const call of calls) {
      expect(call.truncated).toBe(false);
      expect(call.recovered).toBe(false);
      const expected = call.metadata.sipCallId === 'outage-1' ? 1500 : 1000;
      expect(Math.abs(call.durationMs - expected)).toBeLessThan(100);
      const [left] = (await readWav(call.filePath)).samples as [Int16Array, Int16Array];
      expect(rms(left, 0, left.length)).toBeGreaterThan(2000);
    }
    expect(await readdir(h.spoolDir)).toEqual([]);
    // Nothing is delivered twice, however many tries it took.
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.sink.calls).toHaveLength(2);
  });
});

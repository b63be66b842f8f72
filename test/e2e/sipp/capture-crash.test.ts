import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerPorts,
  multipart,
  request,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  status,
  tone,
} from '../../integration/capture/capture-harness.ts';
import {
  createWorkspace,
  freePort,
  rmsMs,
  rtpRange,
  startEscucha,
  storedAudio,
  waitForCalls,
  type Running,
  type Workspace,
} from './e2e-harness.ts';

/**
 * `escucha capture` killed with SIGKILL in the middle of a call: the spool it fsync'd at least every
 * ESCUCHA_SPOOL_FLUSH_MS (500 ms) holds the call up to that moment; the next start archives it, marked recovered,
 * having lost at most about a second.
 */
describe('escucha capture crash recovery', () => {
  let ws: Workspace;
  let api: Running;
  let sipPort: number;

  beforeAll(async () => {
    sipPort = await freePort();
    ws = await createWorkspace({
      ESCUCHA_SIP_PORT: String(sipPort),
      ESCUCHA_SIP_HOST: '127.0.0.1',
      ESCUCHA_RTP_PORTS: rtpRange().text,
      ESCUCHA_CAPTURE_IN_SERVE: 'false',
      ESCUCHA_SPOOL_FLUSH_MS: '500',
    });
    api = await startEscucha(
      ['serve'],
      { ...ws.env, ESCUCHA_DATA_DIR: path.join(ws.dir, 'api') },
      /listening on/,
    );
  });

  afterAll(async () => {
    await api?.stop();
    await ws?.close();
  });

  it('archives the call a kill -9 interrupted, marked recovered, with at most about a second lost', async () => {
    const env = { ...ws.env, ESCUCHA_DATA_DIR: path.join(ws.dir, 'capture') };
    const first = await startEscucha(['capture', '--no-hep'], env, /capture running/);
    const client = await SipClient.udp();
    try {
      const { contentType, body } = multipart(
        sdpOffer([37000, 37002], { labels: ['1', '2'] }),
        siprecMetadata({
          callerAor: 'sip:+34911000111@carrier',
          calleeAor: 'sip:agent5@pbx',
          labels: ['1', '2'],
        }),
      );
      const o = { callId: 'crash-1', port: sipPort, clientPort: client.port };
      client.send(request({ ...o, method: 'INVITE', cseq: 1, contentType, body }), sipPort);
      const ok = await client.waitFor(status(200, 'INVITE'));
      client.send(
        request({
          ...o,
          method: 'ACK',
          cseq: 1,
          toTag: /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1],
        }),
        sipPort,
      );
      const [p1, p2] = answerPorts(ok.body.toString());
      const started = performance.now();
      const sending = Promise.all([
        sendRtp(rtpPackets({ samples: tone(6, 440), ssrc: 31 }), p1!),
        sendRtp(rtpPackets({ samples: tone(6, 620, 6000), ssrc: 32 }), p2!),
      ]);
      await new Promise((r) => setTimeout(r, 3000));
      await first.kill9();
      const killedAfterMs = performance.now() - started;
      await sending;
      const leftover = await readdir(path.join(ws.dir, 'capture', 'spool'));
      expect(leftover).toHaveLength(1);

      const second = await startEscucha(['capture', '--no-hep'], env, /capture running/);
      try {
        expect(second.output()).toMatch(/"calls":1,"msg":"calls found in the capture spool/);
        const [call] = await waitForCalls(api.url!, ws.adminKey, 'source=siprec&custom.recovered=true', 1);
        expect(call!.sipCallId).toBe('crash-1');
        expect(call!.capture).toMatchObject({ recovered: true, truncated: true });
        console.log(`recovered ${call!.durationMs} ms of ${Math.round(killedAfterMs)} ms`);
        expect(call!.durationMs).toBeLessThanOrEqual(killedAfterMs + 100);
        expect(call!.durationMs).toBeGreaterThanOrEqual(killedAfterMs - 1100);
        expect(call!.capture!.streams).toHaveLength(2);
        const [left, right] = await storedAudio(api.url!, ws.adminKey, call!.id, ws.dir);
        expect(rmsMs(left, 500, call!.durationMs - 100)).toBeGreaterThan(1500);
        expect(rmsMs(right, 500, call!.durationMs - 100)).toBeGreaterThan(2000);
        expect(await readdir(path.join(ws.dir, 'capture', 'spool'))).toEqual([]);
      } finally {
        await second.stop();
      }
    } finally {
      client.close();
    }
  });
});

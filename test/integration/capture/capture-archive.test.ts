import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../services/archive/s3.store.ts';
import { ArchiveCallSink } from '../../../services/cli/capture.sink.ts';
import { loadConfig } from '../../../services/platform/config.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { startS3Server, type S3TestServer } from '../../support/s3-server.ts';
import {
  answerPorts,
  multipart,
  request as sipRequest,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  TcpProxy,
  tone,
  type Harness,
} from './capture-harness.ts';

/**
 * Captured calls into the real archive (S3-protocol storage, PostgreSQL): the capture tables behind
 * GET /api/v1/calls/:id, source filters, idempotent delivery, and a storage outage in the middle of a call.
 */
describe(ArchiveCallSink.name, () => {
  let s3: S3TestServer;
  let proxy: TcpProxy;
  let api: TestApi;
  let h: Harness;
  let client: SipClient;

  beforeAll(async () => {
    s3 = await startS3Server();
    proxy = new TcpProxy(Number(new URL(s3.endpoint).port));
    const port = await proxy.start(0);
    const config = loadConfig({
      env: {
        ESCUCHA_STORAGE: 's3',
        ESCUCHA_S3_ENDPOINT: `http://127.0.0.1:${port}`,
        ESCUCHA_S3_BUCKET: s3.bucket,
        ESCUCHA_S3_ACCESS_KEY_ID: s3.accessKeyId,
        ESCUCHA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        ESCUCHA_S3_FORCE_PATH_STYLE: 'true',
      },
    });
    api = await createTestApi({ store: new S3ObjectStore(config.s3) });
    h = await startHarness({ sink: new ArchiveCallSink(api.archive, api.services.captureDetails) });
    client = await SipClient.udp();
  });

  afterAll(async () => {
    client?.close();
    await h?.close();
    await api?.close();
    await proxy?.stop();
    await s3?.stop();
  });

  const get = (path: string) => request(api.app).get(path).set('Authorization', `Bearer ${api.adminKey}`);

  /** A SIPREC call from the test client: INVITE, RTP on both streams, `beforeBye`, BYE. */
  async function siprecCall(
    callId: string,
    ms: number,
    beforeBye: () => Promise<void> = async () => {},
  ): Promise<number> {
    const { contentType, body } = multipart(
      sdpOffer([36000, 36002], { labels: ['1', '2'] }),
      siprecMetadata({
        callerAor: 'sip:+525511112222@carrier',
        calleeAor: 'sip:agente22@pbx',
        labels: ['1', '2'],
      }),
    );
    const o = { callId, port: h.sipPort, clientPort: client.port };
    client.send(
      sipRequest({ ...o, method: 'INVITE', cseq: 1, contentType, body, headers: ['X-Campaign: early'] }),
      h.sipPort,
    );
    const ok = await client.waitFor((r) => r.headers.get('Call-ID') === callId && status(200, 'INVITE')(r));
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(sipRequest({ ...o, method: 'ACK', cseq: 1, toTag }), h.sipPort);
    const [p1, p2] = answerPorts(ok.body.toString());
    const customer = tone(ms / 1000, 440);
    const sent = await Promise.all([
      sendRtp(
        rtpPackets({ samples: customer, ssrc: 21, dtmf: [{ event: 9, startMs: 200, durationMs: 160 }] }),
        p1!,
      ),
      sendRtp(rtpPackets({ samples: tone(ms / 1000, 700, 5000), ssrc: 22 }), p2!),
    ]);
    await beforeBye();
    client.send(sipRequest({ ...o, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor((r) => r.headers.get('Call-ID') === callId && status(200, 'BYE')(r));
    // the recording lasts as long as the media came: the packets' span, plus one packet
    return Math.max(...sent) + 20;
  }

  async function findCall(callId: string, timeoutMs = 20_000): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await get(`/api/v1/calls?source=siprec&sipCallId=${callId}`);
      const item = (res.body as { items: Array<{ id: string }> }).items[0];
      if (item) return (await get(`/api/v1/calls/${item.id}`)).body as Record<string, unknown>;
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('archives a captured call with its RTP statistics, key presses and metadata, found by source', async () => {
    const sentMs = await siprecCall('arch-1', 1000);
    const call = (await findCall('arch-1')) as {
      source: string;
      campaign: string;
      durationMs: number;
      recordings: Array<{ channels: number }>;
      capture: {
        streams: Array<{ channel: number; packets: number; mos: number }>;
        dtmf: Array<{ digit: string; startMs: number }>;
        recovered: boolean;
      };
    };
    expect(call).toBeDefined();
    expect(call.source).toBe('siprec');
    expect(call.campaign).toBe('early');
    expect(Math.abs(call.durationMs - sentMs)).toBeLessThan(100);
    expect(call.recordings[0]!.channels).toBe(2);
    expect(call.capture.recovered).toBe(false);
    expect(call.capture.streams.map((s) => s.channel)).toEqual([0, 1]);
    expect(call.capture.streams.every((s) => s.packets >= 50 && s.mos > 4)).toBe(true);
    expect(call.capture.dtmf).toEqual([expect.objectContaining({ digit: '9', channel: 1 })]);
    const upload = await get('/api/v1/calls?source=upload');
    expect((upload.body as { items: unknown[] }).items).toHaveLength(0);
  });

  it('stores a call delivered twice once (idempotent on the capture id)', async () => {
    const sink = new ArchiveCallSink(api.archive, api.services.captureDetails);
    const first = await findCall('arch-1');
    const rows = await api.database.handle.db.selectFrom('call_captures').selectAll().execute();
    const capture = rows.find((r) => r.call_id === (first as { id: string }).id)!;
    // Re-deliver what the spool would hand over again after a crash between archive and spool removal.
    const again = await sink.deliver({
      captureId: capture.capture_id,
      source: 'siprec',
      filePath: '/nonexistent.wav',
      sizeBytes: 100,
      sampleRate: 8000,
      durationMs: 1000,
      metadata: {},
      streams: [],
      dtmf: [],
      pauses: [],
      oneWayAudio: { oneWay: false, silentChannel: null, reason: null },
      recovered: false,
      truncated: false,
      notes: [],
    });
    expect(again).toEqual({ callId: (first as { id: string }).id, created: false });
    const streams = await api.database.handle.db
      .selectFrom('call_rtp_streams')
      .selectAll()
      .where('call_id', '=', again.callId)
      .execute();
    expect(streams).toHaveLength(2);
  });

  it('stores a captured call and its capture details in one transaction: neither without the other', async () => {
    const sink = new ArchiveCallSink(api.archive, api.services.captureDetails);
    const wav = await makeFixture(h.dir, 'wav-ulaw', { seconds: 1, channels: 2, sampleRate: 8000 });
    const captureId = randomUUID();
    const stream = {
      channel: 0,
      label: 'x',
      codec: 'PCMU\u0000', // PostgreSQL refuses NUL in text: the details cannot be written
      payloadType: 0,
      ssrcs: [1],
      packets: 50,
      expected: 50,
      lost: 0,
      lossPercent: 0,
      duplicated: 0,
      outOfOrder: 0,
      late: 0,
      jitterMs: 0,
      maxJitterMs: 0,
      rFactor: 93,
      mos: 4.4,
      startMs: 0,
      durationMs: 1000,
      levelDbfs: null,
      rtcp: null,
      audio: 'decoded' as const,
    };
    const call = {
      captureId,
      source: 'siprec' as const,
      filePath: wav,
      sizeBytes: (await stat(wav)).size,
      sampleRate: 8000,
      durationMs: 1000,
      metadata: { sipCallId: 'atomic-1' },
      streams: [stream],
      dtmf: [],
      pauses: [],
      oneWayAudio: { oneWay: false, silentChannel: null, reason: null },
      recovered: false,
      truncated: false,
      notes: [],
    };
    await expect(sink.deliver(call)).rejects.toThrow();
    const db = api.database.handle.db;
    expect(
      await db.selectFrom('calls').select('id').where('external_id', '=', `capture:${captureId}`).execute(),
    ).toEqual([]);
    // Delivered again once the details can be written: one call, with its details.
    const delivered = await sink.deliver({ ...call, streams: [{ ...stream, codec: 'PCMU' }] });
    expect(delivered.created).toBe(true);
    const rows = await db
      .selectFrom('call_rtp_streams')
      .select('codec')
      .where('call_id', '=', delivered.callId)
      .execute();
    expect(rows).toEqual([{ codec: 'PCMU' }]);
  });

  it('keeps a call in the spool while storage is down and archives it when storage is back', async () => {
    const sentMs = await siprecCall('arch-down', 800, async () => {
      await proxy.stop();
    });
    await new Promise((r) => setTimeout(r, 2500));
    expect(h.service.delivery.failures).toBeGreaterThan(0);
    expect(h.service.delivery.pending).toBe(1);
    expect(await findCall('arch-down', 0)).toBeUndefined();
    expect((await readdir(h.spoolDir)).length).toBe(1);
    await proxy.start(proxy.port);
    const call = (await findCall('arch-down', 30_000)) as
      { durationMs: number; capture: { streams: unknown[] } } | undefined;
    expect(call).toBeDefined();
    // as long as the media came (800 ms on a quiet machine; a loaded one sends it late)
    expect(Math.abs(call!.durationMs - sentMs)).toBeLessThan(100);
    expect(call!.capture.streams).toHaveLength(2);
    const deadline = Date.now() + 5000;
    while ((await readdir(h.spoolDir)).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await readdir(h.spoolDir)).toEqual([]);
  });
});

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallSink, CapturedCall } from '../../../services/capture/captured-call.ts';
import { SrtpContext, SUITE_PARAMS, type SrtpSuite } from '../../../services/capture/rtp/srtp.ts';
import { ArchiveCallSink } from '../../../services/cli/capture.sink.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import {
  answerPorts,
  MemorySink,
  multipart,
  readWav,
  request,
  rms,
  rtpPackets,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  tone,
  type Harness,
} from './capture-harness.ts';

/**
 * An SRTP call end to end through the real SIPREC server: RTP/SAVP offers keyed with SDES, the recorder's answer,
 * SRTP packets of a G.711 tone encrypted with the offered keys (AES_CM_128_HMAC_SHA1_80 on one stream,
 * AEAD_AES_128_GCM on the other) across a sequence-number wrap, with a tampered packet and SRTCP, and the call
 * that comes out, stored in the archive with each stream's SRTP counters.
 */

/** Stores each call in the archive (PostgreSQL and a local store) and keeps it for the test to read. */
class ArchivingSink implements CallSink {
  constructor(
    private readonly archive: ArchiveCallSink,
    readonly memory: MemorySink,
  ) {}

  async deliver(call: CapturedCall): Promise<{ callId: string; created: boolean }> {
    // The memory sink copies the WAV out first: the archive takes the file away.
    await this.memory.deliver(call);
    return this.archive.deliver(call);
  }
}

/** Zero crossings per second / 2: the frequency of a pure tone. */
function frequencyOf(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return (crossings / 2) * (rate / samples.length);
}

/** Every file under the spool directory, concatenated. */
async function spoolBytes(dir: string): Promise<Buffer> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
  return Buffer.concat(await Promise.all(files.map((f) => readFile(path.join(f.parentPath, f.name)))));
}

function keyOf(suite: SrtpSuite, seed: number): Buffer {
  const p = SUITE_PARAMS[suite];
  return Buffer.from(
    Array.from({ length: p.masterKeyBytes + p.masterSaltBytes }, (_, i) => (seed + i * 13) & 0xff),
  );
}

function srtpOffer(streams: Array<{ port: number; label: string; suite: SrtpSuite; key: Buffer }>): string {
  const lines = ['v=0', 'o=src 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const s of streams) {
    lines.push(
      `m=audio ${s.port} RTP/SAVP 0`,
      'a=rtpmap:0 PCMU/8000',
      `a=crypto:3 ${s.suite} inline:${s.key.toString('base64')}|2^31`,
      `a=label:${s.label}`,
      'a=sendonly',
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

describe('SRTP through the SIPREC server', () => {
  let h: Harness;
  let client: SipClient;
  let api: TestApi;
  let sink: ArchivingSink;

  beforeAll(async () => {
    api = await createTestApi();
    sink = new ArchivingSink(
      new ArchiveCallSink(api.archive, api.services.captureDetails),
      new MemorySink(api.root),
    );
    h = await startHarness({ sink });
    client = await SipClient.udp();
  });

  afterAll(async () => {
    client?.close();
    await h?.close();
    await api?.close();
  });

  it('answers RTP/SAVP with its own key, decrypts both suites across a sequence wrap, drops a tampered packet', async () => {
    const callId = 'srtp-1';
    const base = { callId, port: h.sipPort, clientPort: client.port };
    const cm = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: keyOf('AES_CM_128_HMAC_SHA1_80', 11) };
    const gcm = { suite: 'AEAD_AES_128_GCM' as const, key: keyOf('AEAD_AES_128_GCM', 77) };
    const { contentType, body } = multipart(
      srtpOffer([
        { port: 32000, label: '1', ...cm },
        { port: 32002, label: '2', ...gcm },
      ]),
      siprecMetadata({
        callerAor: 'sip:+573001234567@carrier',
        calleeAor: 'sip:4711@pbx',
        labels: ['1', '2'],
      }),
    );
    client.send(
      request({ ...base, method: 'INVITE', cseq: 1, contentType, body, headers: ['Require: siprec'] }),
      h.sipPort,
    );
    const ok = await client.waitFor(status(200, 'INVITE'));
    const answer = ok.body.toString();
    expect(answer.match(/^m=audio \d+ RTP\/SAVP 0/gm)).toHaveLength(2);
    const cryptos = [...answer.matchAll(/^a=crypto:(\d+) (\S+) inline:(\S+)$/gm)];
    expect(cryptos.map((c) => [c[1], c[2]])).toEqual([
      ['3', 'AES_CM_128_HMAC_SHA1_80'],
      ['3', 'AEAD_AES_128_GCM'],
    ]);
    expect(Buffer.from(cryptos[0]![3]!, 'base64')).toHaveLength(30);
    expect(Buffer.from(cryptos[1]![3]!, 'base64')).toHaveLength(28);
    expect(cryptos[0]![3]).not.toBe(cm.key.toString('base64'));
    expect(cryptos[1]![3]).not.toBe(gcm.key.toString('base64'));
    const [p1, p2] = answerPorts(answer);
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(request({ ...base, method: 'ACK', cseq: 1, toTag }), h.sipPort);

    // 1.2 s of tone per stream; the sequence numbers start just below the wrap so both cross 65535 → 0.
    const encrypt = (
      suite: SrtpSuite,
      key: Buffer,
      samples: Int16Array,
      ssrc: number,
      tamper: number | undefined,
    ) => {
      const sender = new SrtpContext({ suite, keySalt: key });
      return rtpPackets({ samples, ssrc }).map((p, i) => {
        const plain = Buffer.from(p.data);
        plain.writeUInt16BE((65_520 + i) & 0xffff, 2);
        const data = sender.protectRtp(plain);
        if (i === tamper) data[20]! ^= 0x55;
        return { atMs: p.atMs, data };
      });
    };
    const caller = encrypt(cm.suite, cm.key, tone(1.2, 440), 0x0101, 30);
    const callee = encrypt(gcm.suite, gcm.key, tone(1.2, 660, 6000), 0x0202, undefined);
    const srtcp = new SrtpContext({ suite: gcm.suite, keySalt: gcm.key }).protectRtcp(
      Buffer.from('80c80006000002020000000000000000000000000000003c00002580', 'hex'),
    );
    callee.push({ atMs: 1190, data: srtcp });
    const tamperedSrtcp = Buffer.from(srtcp);
    tamperedSrtcp[12]! ^= 1;
    await Promise.all([
      sendRtp(caller, p1!),
      sendRtp(
        callee.filter((p) => p.data !== srtcp),
        p2!,
      ),
      sendRtp(
        [
          { atMs: 600, data: srtcp },
          { atMs: 700, data: tamperedSrtcp },
        ],
        p2! + 1,
      ),
    ]);
    // Neither key is in the spool (only the suite names are).
    await new Promise((r) => setTimeout(r, 300));
    const spooled = await spoolBytes(h.spoolDir);
    expect(spooled.length).toBeGreaterThan(0);
    for (const key of [cm.key, gcm.key]) {
      expect(spooled.includes(key)).toBe(false);
      expect(spooled.includes(Buffer.from(key.toString('base64')))).toBe(false);
    }
    client.send(request({ ...base, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor(status(200, 'BYE'));

    const call = await sink.memory.waitForCall(callId);
    expect(JSON.stringify(call)).not.toContain(cm.key.toString('base64'));
    expect(call.streams).toHaveLength(2);
    const byLabel = new Map(call.streams.map((s) => [s.label, s]));
    const s1 = byLabel.get('1')!;
    const s2 = byLabel.get('2')!;
    expect(s1.srtp).toEqual({
      suite: 'AES_CM_128_HMAC_SHA1_80',
      decrypted: 59,
      authFailures: 1,
      replayed: 0,
      malformed: 0,
      rtcpAuthFailures: 0,
    });
    expect(s2.srtp).toMatchObject({ suite: 'AEAD_AES_128_GCM', authFailures: 0, rtcpAuthFailures: 1 });
    expect(s1.packets).toBe(59); // 60 sent, the tampered one dropped
    expect(s2.packets).toBe(60);
    expect(s2.rtcp?.senderReports).toBe(1);
    expect(call.notes.join('\n')).toContain('1 packet(s) failed authentication');

    // The stored call holds each stream's counters, served with its capture details.
    const get = (url: string) =>
      supertest(api.app).get(url).set('Authorization', `Bearer ${api.adminKey}`).expect(200);
    // The memory sink has the call first; the archive's copy follows within the same delivery.
    let found: Array<{ id: string }> = [];
    for (let i = 0; i < 100 && found.length === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      found = ((await get(`/api/v1/calls?sipCallId=${callId}`)).body as { items: Array<{ id: string }> })
        .items;
    }
    expect(found).toHaveLength(1);
    const stored = (await get(`/api/v1/calls/${found[0]!.id}`)).body as {
      capture: { streams: Array<{ label: string; srtp: unknown }> };
    };
    expect(new Map(stored.capture.streams.map((s) => [s.label, s.srtp]))).toEqual(
      new Map([
        [
          '1',
          {
            suite: 'AES_CM_128_HMAC_SHA1_80',
            decrypted: 59,
            authFailures: 1,
            replayed: 0,
            malformed: 0,
            rtcpAuthFailures: 0,
          },
        ],
        [
          '2',
          {
            suite: 'AEAD_AES_128_GCM',
            decrypted: 60,
            authFailures: 0,
            replayed: 0,
            malformed: 0,
            rtcpAuthFailures: 1,
          },
        ],
      ]),
    );

    const wav = await readWav(call.filePath);
    const [left, right] = wav.samples as [Int16Array, Int16Array];
    const ms = (t: number) => Math.round((t * wav.sampleRate) / 1000);
    // 4711 is the agent (left, 660 Hz at 6000); the caller is the customer (right, 440 Hz at 8000).
    expect(Math.abs(frequencyOf(right.subarray(ms(100), ms(500)), wav.sampleRate) - 440)).toBeLessThan(10);
    expect(Math.abs(frequencyOf(left.subarray(ms(100), ms(1100)), wav.sampleRate) - 660)).toBeLessThan(10);
    expect(rms(right, ms(100), ms(500))).toBeGreaterThan(5000); // 8000 peak: about 5657 RMS
    expect(rms(left, ms(100), ms(1100))).toBeGreaterThan(3800); // 6000 peak: about 4243 RMS
    // Packet 30 (600–620 ms) failed authentication: concealed as silence, never decoded as noise.
    expect(rms(right, ms(602), ms(618))).toBeLessThan(50);
    // Audio continues after the sequence wrap (packet 16 is sequence 0) and after the dropped packet.
    expect(rms(right, ms(700), ms(1100))).toBeGreaterThan(5000);
  });

  it('refuses an offer whose only SRTP stream uses MKI (488), and a DTLS-SRTP stream next to an SDES one gets port 0', async () => {
    const key = keyOf('AES_CM_128_HMAC_SHA1_80', 5).toString('base64');
    const offer = (lines: string[]) =>
      multipart(
        ['v=0', 'o=src 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', ...lines, ''].join(
          '\r\n',
        ),
        siprecMetadata({
          callerAor: 'sip:+34600111222@carrier',
          calleeAor: 'sip:4711@pbx',
          labels: ['1', '2'],
        }),
      );
    const mki = offer([
      'm=audio 32010 RTP/SAVP 0',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key}|2^20|1:4`,
      'a=label:1',
      'a=sendonly',
    ]);
    client.send(
      request({
        callId: 'srtp-mki',
        port: h.sipPort,
        clientPort: client.port,
        method: 'INVITE',
        cseq: 1,
        ...mki,
        headers: ['Require: siprec'],
      }),
      h.sipPort,
    );
    const refused = await client.waitFor(
      (r) => r.status >= 400 && (r.headers.get('Call-ID') ?? '') === 'srtp-mki',
    );
    expect(refused.status).toBe(488);
    expect(refused.headers.get('Warning')).toContain('SDES-keyed RTP/SAVP');

    const mixed = offer([
      'm=audio 32012 UDP/TLS/RTP/SAVP 0',
      'a=fingerprint:sha-256 00:11',
      'a=label:1',
      'a=sendonly',
      'm=audio 32014 RTP/SAVP 0',
      `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${key}`,
      'a=label:2',
      'a=sendonly',
    ]);
    client.send(
      request({
        callId: 'srtp-mixed',
        port: h.sipPort,
        clientPort: client.port,
        method: 'INVITE',
        cseq: 1,
        ...mixed,
        headers: ['Require: siprec'],
      }),
      h.sipPort,
    );
    const ok = await client.waitFor(
      (r) => r.status === 200 && (r.headers.get('Call-ID') ?? '') === 'srtp-mixed',
    );
    const ports = answerPorts(ok.body.toString());
    expect(ports[0]).toBe(0);
    expect(ports[1]).toBeGreaterThan(0);
    expect(ok.body.toString()).toMatch(/^a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:/m);
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    const base = { callId: 'srtp-mixed', port: h.sipPort, clientPort: client.port };
    client.send(request({ ...base, method: 'ACK', cseq: 1, toTag }), h.sipPort);
    client.send(request({ ...base, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor(
      (r) =>
        r.status === 200 &&
        (r.headers.get('CSeq') ?? '').endsWith('BYE') &&
        (r.headers.get('Call-ID') ?? '') === 'srtp-mixed',
    );
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { encodeG711 } from '../../../services/capture/rtp/g711.ts';
import { importCaptureFiles } from '../../../services/capture/passive/pcap.importer.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { SrtpContext, SUITE_PARAMS, type SrtpSuite } from '../../../services/capture/rtp/srtp.ts';
import { ENCRYPTED_NOTE } from '../../../services/capture/rtp/srtp.sdes.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { udpFrame, writePcap, type WrittenFrame } from '../../unit/capture/pcap-writer.ts';
import { MemorySink, readWav, rms, RULES, tone } from './capture-harness.ts';

/**
 * Passive capture of SRTP calls (SIP over UDP in clear): with the SDES keys visible in the SDP both directions are
 * decrypted with the same code as the SIP server's; with DTLS-SRTP (no keys in the capture) the call is archived
 * with its metadata and length, as silence, with the note that its audio cannot be recovered.
 */

const A = { ip: '192.0.2.10', rtp: 30000 };
const B = { ip: '198.51.100.20', rtp: 40000 };

function frequencyOf(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return (crossings / 2) * (rate / samples.length);
}

function keyOf(suite: SrtpSuite, seed: number): Buffer {
  const p = SUITE_PARAMS[suite];
  return Buffer.from(
    Array.from({ length: p.masterKeyBytes + p.masterSaltBytes }, (_, i) => (seed * 7 + i * 29) & 0xff),
  );
}

function sdp(ip: string, port: number, media: string[]): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} ${media[0]} 0`,
    'a=rtpmap:0 PCMU/8000',
    ...media.slice(1),
    '',
  ].join('\r\n');
}

function sip(lines: string[], body = ''): Buffer {
  const type = body === '' ? [] : ['Content-Type: application/sdp'];
  return Buffer.from(
    [...lines, ...type, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'),
  );
}

/** A call over UDP SIP: INVITE (A's SDP), 200 (B's SDP), ACK, SRTP both ways for 1.6 s, BYE at 2 s. */
function capture(
  callId: string,
  offer: string[],
  answer: string[],
  keys: { a: SrtpContext; b: SrtpContext },
  /** A re-INVITE from A at packet `at` with a new key (`offer`), A's packets encrypted with `a` from then on. */
  rekey?: { at: number; offer: string[]; a: SrtpContext },
): Buffer {
  const frames: WrittenFrame[] = [];
  const t0 = 1_790_000_000;
  const push = (atMs: number, data: Buffer) => {
    const us = Math.round(atMs * 1000);
    frames.push({ seconds: t0 + Math.floor(us / 1e6), fraction: us % 1e6, data });
  };
  const from = 'From: <sip:operador12@pbx>;tag=f1';
  const to = 'To: <sip:+5215512345678@carrier>';
  const common = (cseq: string, tag = true) => [
    from,
    tag ? `${to};tag=t9` : to,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq}`,
  ];
  const via = 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKs1';
  const sipFrame = (atMs: number, fromA: boolean, message: Buffer) =>
    push(atMs, udpFrame(fromA ? A.ip : B.ip, fromA ? B.ip : A.ip, 5060, 5060, message));
  sipFrame(
    0,
    true,
    sip(
      ['INVITE sip:+5215512345678@carrier SIP/2.0', via, ...common('1 INVITE', false), 'X-Agent-Id: OP-12'],
      sdp(A.ip, A.rtp, offer),
    ),
  );
  sipFrame(40, false, sip(['SIP/2.0 200 OK', via, ...common('1 INVITE')], sdp(B.ip, B.rtp, answer)));
  sipFrame(
    50,
    true,
    sip([
      'ACK sip:+5215512345678@carrier SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKs2',
      ...common('1 ACK'),
    ]),
  );
  const agent = tone(1.6, 400, 7000);
  const customer = tone(1.6, 900, 9000);
  for (let f = 0; f < 80; f++) {
    const packet = (samples: Int16Array, ssrc: number) =>
      encodeRtp({
        payloadType: 0,
        sequence: (65_500 + f) & 0xffff,
        timestamp: f * 160,
        ssrc,
        payload: encodeG711(samples.subarray(f * 160, (f + 1) * 160), 'PCMU'),
      });
    if (f === rekey?.at) {
      const reinvite = sip(
        [
          'INVITE sip:+5215512345678@carrier SIP/2.0',
          'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKr1',
          ...common('3 INVITE'),
        ],
        sdp(A.ip, A.rtp, rekey.offer),
      );
      sipFrame(95 + f * 20, true, reinvite);
      sipFrame(
        96 + f * 20,
        false,
        sip(
          ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKr1', ...common('3 INVITE')],
          sdp(B.ip, B.rtp, answer),
        ),
      );
    }
    const senderA = rekey !== undefined && f >= rekey.at ? rekey.a : keys.a;
    push(100 + f * 20, udpFrame(A.ip, B.ip, A.rtp, B.rtp, senderA.protectRtp(packet(agent, 0xa))));
    push(103 + f * 20, udpFrame(B.ip, A.ip, B.rtp, A.rtp, keys.b.protectRtp(packet(customer, 0xb))));
  }
  // One SRTCP sender report each way (every stream of the call is offered both; only its sender's key reads it).
  const report = (ssrc: number) =>
    Buffer.from(
      `80c80006${ssrc.toString(16).padStart(8, '0')}0000000000000000000000000000005000001900`,
      'hex',
    );
  push(1000, udpFrame(A.ip, B.ip, A.rtp + 1, B.rtp + 1, keys.a.protectRtcp(report(0xa))));
  push(1001, udpFrame(B.ip, A.ip, B.rtp + 1, A.rtp + 1, keys.b.protectRtcp(report(0xb))));
  sipFrame(
    2000,
    true,
    sip([
      'BYE sip:+5215512345678@carrier SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKs3',
      ...common('2 BYE'),
    ]),
  );
  sipFrame(
    2010,
    false,
    sip(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKs3', ...common('2 BYE')]),
  );
  return writePcap(frames);
}

describe('passive capture of SRTP calls', () => {
  let dir: string;
  let sink: MemorySink;
  const ffmpeg = resolveFfmpegPaths().ffmpeg;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-srtp-pcap-'));
    sink = new MemorySink(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (name: string, data: Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, data);
    return importCaptureFiles([file], {
      sink,
      rules: RULES,
      logger: silentLogger(),
      ffmpegPath: ffmpeg,
      workDir: path.join(dir, 'work'),
      silenceDtmf: true,
      keepDtmfDigits: true,
    });
  };

  it('decrypts both directions with the SDES keys of the captured offer and answer', async () => {
    const suite = 'AES_CM_128_HMAC_SHA1_32';
    const keyA = keyOf(suite, 1);
    const keyB = keyOf(suite, 2);
    const report = await run(
      'sdes.pcap',
      capture(
        'srtp-sdes@pbx',
        ['RTP/SAVP', `a=crypto:1 ${suite} inline:${keyA.toString('base64')}`],
        ['RTP/SAVP', `a=crypto:1 ${suite} inline:${keyB.toString('base64')}`],
        { a: new SrtpContext({ suite, keySalt: keyA }), b: new SrtpContext({ suite, keySalt: keyB }) },
      ),
    );
    expect(report.archived).toHaveLength(1);
    const call = report.archived[0]!.call;
    expect(call.notes.join('\n')).not.toContain('encrypted');
    expect(call.streams.map((s) => [s.rtcp?.senderReports, s.srtp?.rtcpAuthFailures])).toEqual([
      [1, 0],
      [1, 0],
    ]);
    expect(
      call.streams.map((s) => [s.channel, s.packets, s.lost, s.srtp?.suite, s.srtp?.authFailures]),
    ).toEqual([
      [0, 80, 0, suite, 0],
      [1, 80, 0, suite, 0],
    ]);
    const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
    const [left, right] = wav.samples as [Int16Array, Int16Array];
    expect(Math.abs(frequencyOf(left.subarray(800, 12000), wav.sampleRate) - 400)).toBeLessThan(10);
    expect(Math.abs(frequencyOf(right.subarray(800, 12000), wav.sampleRate) - 900)).toBeLessThan(10);
    expect(rms(left, 800, 12000)).toBeGreaterThan(4500); // 7000 peak
    expect(rms(right, 800, 12000)).toBeGreaterThan(6000); // 9000 peak
  });

  it('follows a re-INVITE that changes the SDES key mid-call', async () => {
    const suite = 'AEAD_AES_128_GCM';
    const [keyA, keyA2, keyB] = [keyOf(suite, 5), keyOf(suite, 6), keyOf(suite, 7)];
    const line = (key: Buffer) => `a=crypto:1 ${suite} inline:${key.toString('base64')}`;
    const report = await run(
      'rekey.pcap',
      capture(
        'srtp-rekey@pbx',
        ['RTP/SAVP', line(keyA)],
        ['RTP/SAVP', line(keyB)],
        { a: new SrtpContext({ suite, keySalt: keyA }), b: new SrtpContext({ suite, keySalt: keyB }) },
        { at: 40, offer: ['RTP/SAVP', line(keyA2)], a: new SrtpContext({ suite, keySalt: keyA2 }) },
      ),
    );
    const call = report.archived[0]!.call;
    expect(call.streams.map((s) => [s.channel, s.packets, s.srtp?.authFailures])).toEqual([
      [0, 80, 0],
      [1, 80, 0],
    ]);
    const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
    const left = wav.samples[0]!;
    // Both halves of A's audio, before and after the new key.
    expect(Math.abs(frequencyOf(left.subarray(800, 6000), wav.sampleRate) - 400)).toBeLessThan(10);
    expect(Math.abs(frequencyOf(left.subarray(7000, 12000), wav.sampleRate) - 400)).toBeLessThan(10);
    expect(rms(left, 7000, 12000)).toBeGreaterThan(4500);
  });

  it('archives SRTP without keys (DTLS-SRTP) as encrypted, not recoverable: metadata and length, silence, no noise', async () => {
    const suite = 'AES_CM_128_HMAC_SHA1_80';
    const report = await run(
      'dtls.pcap',
      capture(
        'srtp-dtls@pbx',
        ['UDP/TLS/RTP/SAVP', 'a=fingerprint:sha-256 0A:0B', 'a=setup:actpass'],
        ['UDP/TLS/RTP/SAVP', 'a=fingerprint:sha-256 0C:0D', 'a=setup:active'],
        {
          a: new SrtpContext({ suite, keySalt: keyOf(suite, 3) }),
          b: new SrtpContext({ suite, keySalt: keyOf(suite, 4) }),
        },
      ),
    );
    expect(report.archived).toHaveLength(1);
    const call = report.archived[0]!.call;
    expect(call.notes).toContain(ENCRYPTED_NOTE);
    expect(call.notes).not.toContain('no RTP was received');
    expect(call.metadata).toMatchObject({ agentId: 'OP-12', sipCallId: 'srtp-dtls@pbx' });
    expect(call.streams).toEqual([]);
    // INVITE at 0 to BYE at 2 s.
    expect(Math.abs(call.durationMs - 2000)).toBeLessThan(30);
    const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
    for (const channel of wav.samples) expect(rms(channel)).toBe(0);
  });
});

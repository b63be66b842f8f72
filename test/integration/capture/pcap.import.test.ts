import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { encodeG711 } from '../../../services/capture/rtp/g711.ts';
import { importCaptureFiles, type ImportReport } from '../../../services/capture/passive/pcap.importer.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import {
  ethernet,
  ipv4,
  tcp,
  udpFrame,
  writePcap,
  writePcapng,
  type WrittenFrame,
} from '../../unit/capture/pcap-writer.ts';
import { MemorySink, readWav, rms, rtpPackets, RULES, tone } from './capture-harness.ts';

const A = { ip: '192.0.2.10', sip: 5060, rtp: 30000 };
const B = { ip: '198.51.100.20', sip: 5060, rtp: 40000 };

function sdp(ip: string, port: number, codec: { pt: number; map: string }): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${codec.pt} 101`,
    `a=rtpmap:${codec.pt} ${codec.map}`,
    'a=rtpmap:101 telephone-event/8000',
    '',
  ].join('\r\n');
}

function sipText(lines: string[], body = ''): Buffer {
  return Buffer.from([...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
}

interface Dialog {
  invite: Buffer;
  ok: Buffer;
  ack: Buffer;
  bye: Buffer;
  byeOk: Buffer;
}

function dialog(callId: string, codec: { pt: number; map: string }): Dialog {
  const from = `From: "Operador 12" <sip:operador12@pbx>;tag=f1`;
  const to = `To: <sip:+5215512345678@carrier>`;
  const toTag = `${to};tag=t9`;
  const via = 'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKp1';
  return {
    invite: sipText(
      [
        'INVITE sip:+5215512345678@carrier SIP/2.0',
        via,
        from,
        to,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        'X-Agent-Id: OP-12',
        'Content-Type: application/sdp',
      ],
      sdp(A.ip, A.rtp, codec),
    ),
    ok: sipText(
      [
        'SIP/2.0 200 OK',
        via,
        from,
        toTag,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        'Content-Type: application/sdp',
      ],
      sdp(B.ip, B.rtp, codec),
    ),
    ack: sipText([
      'ACK sip:+5215512345678@carrier SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKp2',
      from,
      toTag,
      `Call-ID: ${callId}`,
      'CSeq: 1 ACK',
    ]),
    bye: sipText([
      'BYE sip:+5215512345678@carrier SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKp3',
      from,
      toTag,
      `Call-ID: ${callId}`,
      'CSeq: 2 BYE',
      'X-Disposition: NO_PAY',
    ]),
    byeOk: sipText([
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKp3',
      from,
      toTag,
      `Call-ID: ${callId}`,
      'CSeq: 2 BYE',
    ]),
  };
}

/** Frames of a capture: SIP over TCP (split, reordered and retransmitted), RTP both ways. */
class CaptureBuilder {
  readonly frames: WrittenFrame[] = [];
  private readonly seq = new Map<string, number>();
  constructor(private readonly t0 = 1_790_000_000) {}

  private push(atMs: number, data: Buffer): void {
    const us = Math.round(atMs * 1000);
    this.frames.push({ seconds: this.t0 + Math.floor(us / 1e6), fraction: us % 1e6, data });
  }

  /** A SIP message over TCP, cut into `pieces` segments; `shuffle` swaps the first two, `repeat` resends one. */
  sipTcp(
    atMs: number,
    from: typeof A,
    to: typeof A,
    message: Buffer,
    options: { pieces?: number; shuffle?: boolean; repeat?: boolean } = {},
  ): void {
    const key = `${from.ip}>${to.ip}`;
    let next = this.seq.get(key) ?? 1000;
    const pieces = options.pieces ?? 1;
    const size = Math.ceil(message.length / pieces);
    const segments: Array<{ seq: number; data: Buffer }> = [];
    for (let at = 0; at < message.length; at += size) {
      segments.push({ seq: next + at, data: message.subarray(at, at + size) });
    }
    next += message.length;
    this.seq.set(key, next);
    if (options.shuffle && segments.length > 1) [segments[0], segments[1]] = [segments[1]!, segments[0]!];
    if (options.repeat) segments.push(segments[0]!);
    for (const s of segments)
      this.push(atMs, ethernet(0x0800, ipv4(from.ip, to.ip, 6, tcp(from.sip, to.sip, s.seq, s.data))));
  }

  rtp(atMs: number, from: typeof A, to: typeof A, packet: Buffer): void {
    this.push(atMs, udpFrame(from.ip, to.ip, from.rtp, to.rtp, packet));
  }
}

function g711Stream(samples: Int16Array, pt: number, ssrc: number): Array<{ atMs: number; data: Buffer }> {
  const out: Array<{ atMs: number; data: Buffer }> = [];
  for (let f = 0; f * 160 + 160 <= samples.length; f++) {
    const payload = encodeG711(samples.subarray(f * 160, (f + 1) * 160), pt === 0 ? 'PCMU' : 'PCMA');
    out.push({
      atMs: f * 20,
      data: encodeRtp({ payloadType: pt, sequence: 500 + f, timestamp: f * 160, ssrc, payload }),
    });
  }
  return out;
}

/** Ogg pages → packets (enough to take the Opus packets out of an ffmpeg .opus file). */
function oggPackets(data: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  for (let at = 0; at + 27 <= data.length;) {
    const segments = data[at + 26]!;
    const lacing = data.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    for (const l of lacing) {
      pending.push(data.subarray(body, body + l));
      body += l;
      if (l < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    at = body;
  }
  return packets.slice(2); // OpusHead, OpusTags
}

/** Zero crossings per second / 2: the frequency of a pure tone. */
function frequencyOf(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return (crossings / 2) * (rate / samples.length);
}

describe(importCaptureFiles.name, () => {
  let dir: string;
  let sink: MemorySink;
  const ffmpeg = resolveFfmpegPaths().ffmpeg;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-pcap-import-'));
    sink = new MemorySink(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (files: string[]): Promise<ImportReport> =>
    importCaptureFiles(files, {
      sink,
      rules: RULES,
      logger: silentLogger(),
      ffmpegPath: ffmpeg,
      workDir: path.join(dir, 'work'),
      silenceDtmf: true,
      keepDtmfDigits: true,
    });

  it('follows SIP over TCP (split, reordered, retransmitted segments) and records both directions of the RTP', async () => {
    const d = dialog('tcp-call-1@pbx', { pt: 0, map: 'PCMU/8000' });
    const c = new CaptureBuilder();
    c.sipTcp(0, A, B, d.invite, { pieces: 3, shuffle: true, repeat: true });
    c.sipTcp(50, B, A, d.ok, { pieces: 2 });
    c.sipTcp(60, A, B, d.ack);
    const agent = g711Stream(tone(2, 400, 7000), 0, 0xa);
    const customer = g711Stream(tone(2, 900, 9000), 0, 0xb);
    for (let i = 0; i < agent.length; i++) {
      c.rtp(100 + agent[i]!.atMs, A, B, agent[i]!.data);
      c.rtp(103 + customer[i]!.atMs, B, A, customer[i]!.data);
    }
    c.sipTcp(2200, A, B, d.bye, { pieces: 2 });
    c.sipTcp(2210, B, A, d.byeOk);
    const file = path.join(dir, 'tcp.pcapng');
    await writeFile(
      file,
      writePcapng(
        [{ linkType: 1 }],
        c.frames.map((f) => ({
          interfaceId: 0,
          timestamp: BigInt(f.seconds) * 1_000_000n + BigInt(f.fraction),
          data: f.data,
        })),
      ),
    );
    const report = await run([file]);
    expect(report.files[0]).toMatchObject({
      format: 'pcapng',
      dialogs: 1,
      calls: 1,
      callsCut: 0,
      truncated: false,
    });
    expect(report.archived).toHaveLength(1);
    const call = report.archived[0]!.call;
    expect(call.source).toBe('pcap');
    expect(call.truncated).toBe(false);
    expect(call.metadata).toMatchObject({
      agentId: 'OP-12',
      disposition: 'NO_PAY',
      direction: 'outbound',
      calleeNumber: '+5215512345678',
      sipCallId: 'tcp-call-1@pbx',
    });
    expect(call.streams.map((s) => [s.channel, s.packets, s.lost])).toEqual([
      [0, 100, 0],
      [1, 100, 0],
    ]);
    expect(Math.abs(call.durationMs - 2003)).toBeLessThan(30);
    const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
    expect(Math.abs(frequencyOf(wav.samples[0]!.subarray(800, 12000), wav.sampleRate) - 400)).toBeLessThan(
      10,
    );
    expect(Math.abs(frequencyOf(wav.samples[1]!.subarray(800, 12000), wav.sampleRate) - 900)).toBeLessThan(
      10,
    );
  });

  it('names each call after its dialog and start, so the same capture imported again gives the same calls', async () => {
    const file = path.join(dir, 'tcp.pcapng'); // written by the test above
    const first = await run([file]);
    const twice = await run([file, file]);
    const ids = (r: ImportReport) => r.archived.map((a) => a.call.captureId);
    expect(ids(first)).toHaveLength(1);
    expect(ids(twice)).toEqual([ids(first)[0], ids(first)[0]]);
    expect(ids(first)[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const forced = await importCaptureFiles([file], {
      sink,
      rules: RULES,
      logger: silentLogger(),
      ffmpegPath: ffmpeg,
      workDir: path.join(dir, 'work-forced'),
      silenceDtmf: true,
      force: true,
    });
    expect(ids(forced)).toHaveLength(1);
    expect(ids(forced)[0]).not.toBe(ids(first)[0]);
  });

  it('archives what a capture cut short holds, and reports where the file was cut and which calls were open', async () => {
    const d = dialog('cut-call@pbx', { pt: 8, map: 'PCMA/8000' });
    const c = new CaptureBuilder();
    c.sipTcp(0, A, B, d.invite);
    c.sipTcp(40, B, A, d.ok);
    for (const p of g711Stream(tone(3, 500), 8, 0xc)) c.rtp(100 + p.atMs, A, B, p.data);
    const whole = writePcap(c.frames);
    const file = path.join(dir, 'cut.pcap');
    await writeFile(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const report = await run([file]);
    const f = report.files[0]!;
    expect(f.truncated).toBe(true);
    expect(f.truncatedAt).toBeGreaterThan(0);
    expect(f.callsCut).toBe(1);
    const call = report.archived.find((a) => a.call.metadata.sipCallId === 'cut-call@pbx')!.call;
    expect(call.truncated).toBe(true);
    expect(call.metadata.custom).toMatchObject({ truncated: true });
    const expected = (f.frames - 2) * 20; // every complete RTP frame in the file
    expect(Math.abs(call.durationMs - expected)).toBeLessThan(40);
  });

  it('hands G.729 payloads to ffmpeg: 10-byte frames decoded at 8 kHz, SID frames dropped', async () => {
    // No G.729 encoder is available here (ffmpeg only decodes it), so the frames are random bits: any 10-byte
    // G.729 frame decodes to 80 samples, which is what is checked, with the call's timing.
    const d = dialog('g729-call@pbx', { pt: 18, map: 'G729/8000' });
    const c = new CaptureBuilder();
    c.sipTcp(0, A, B, d.invite);
    c.sipTcp(10, B, A, d.ok);
    let seed = 7;
    const bytes = (n: number) =>
      Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    for (let f = 0; f < 75; f++) {
      // Two frames per 20 ms packet; every 25th packet ends with a 2-byte SID frame, which is not audio.
      const payload = f % 25 === 24 ? Buffer.concat([bytes(20), bytes(2)]) : bytes(20);
      c.rtp(
        100 + f * 20,
        A,
        B,
        encodeRtp({ payloadType: 18, sequence: f, timestamp: f * 160, ssrc: 0x729, payload }),
      );
    }
    c.sipTcp(1700, A, B, d.bye);
    const file = path.join(dir, 'g729.pcap');
    await writeFile(file, writePcap(c.frames));
    const report = await run([file]);
    const call = report.archived.find((a) => a.call.metadata.sipCallId === 'g729-call@pbx')!.call;
    expect(call.streams[0]!.codec).toBe('G729');
    expect(call.sampleRate).toBe(8000);
    expect(Math.abs(call.durationMs - 1500)).toBeLessThan(60);
    expect(call.notes.filter((n) => n.includes('could not be decoded'))).toEqual([]);
    const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
    expect(Math.abs(wav.samples[0]!.length - 12000)).toBeLessThan(480);
    expect(rms(wav.samples[0]!.subarray(800, 11000))).toBeGreaterThan(0);
  });

  it('decodes G.726 at its four rates (RFC 3551 packing) and GSM with ffmpeg', async () => {
    const raw = path.join(dir, 'tone8k.raw');
    await writeFile(raw, Buffer.from(tone(1.5, 700, 8000, 8000).buffer));
    const encode = (args: string[], out: string): Buffer => {
      execFileSync(ffmpeg, [
        '-v',
        'error',
        '-y',
        '-f',
        's16le',
        '-ar',
        '8000',
        '-ac',
        '1',
        '-i',
        raw,
        ...args,
        out,
      ]);
      return readFileSync(out);
    };
    const codecs = [
      ...[16, 24, 32, 40].map((kbps) => ({
        name: `G726-${kbps}`,
        pt: 110 + kbps / 8, // not 101: telephone-event in these dialogs
        bytesPer20ms: (kbps * 20) / 8,
        stream: encode(
          ['-c:a', 'adpcm_g726le', '-b:a', `${kbps}k`, '-f', 'g726le'],
          path.join(dir, `t.g726-${kbps}`),
        ),
      })),
      {
        name: 'GSM',
        pt: 3,
        bytesPer20ms: 33,
        stream: encode(['-c:a', 'libgsm', '-f', 'gsm'], path.join(dir, 't.gsm')),
      },
    ];
    const c = new CaptureBuilder();
    let at = 0;
    codecs.forEach((codec, n) => {
      const callId = `${codec.name}-call@pbx`;
      const local = { ...A, rtp: 32000 + n * 2 };
      const remote = { ...B, rtp: 42000 + n * 2 };
      const d = dialog(callId, { pt: codec.pt, map: `${codec.name}/8000` });
      c.sipTcp(
        at,
        A,
        B,
        Buffer.from(d.invite.toString().replace(`m=audio ${A.rtp}`, `m=audio ${local.rtp}`)),
      );
      c.sipTcp(
        at + 10,
        B,
        A,
        Buffer.from(d.ok.toString().replace(`m=audio ${B.rtp}`, `m=audio ${remote.rtp}`)),
      );
      for (let f = 0; (f + 1) * codec.bytesPer20ms <= codec.stream.length; f++) {
        const payload = codec.stream.subarray(f * codec.bytesPer20ms, (f + 1) * codec.bytesPer20ms);
        c.rtp(
          at + 100 + f * 20,
          local,
          remote,
          encodeRtp({ payloadType: codec.pt, sequence: f, timestamp: f * 160, ssrc: 0x726 + n, payload }),
        );
      }
      c.sipTcp(at + 1700, A, B, d.bye);
      at += 2000;
    });
    const file = path.join(dir, 'g726-gsm.pcap');
    await writeFile(file, writePcap(c.frames));
    const report = await run([file]);
    expect(report.files[0]!.calls).toBe(codecs.length);
    for (const codec of codecs) {
      const call = report.archived.find((a) => a.call.metadata.sipCallId === `${codec.name}-call@pbx`)!.call;
      expect(call.streams[0]!.codec, codec.name).toBe(codec.name);
      expect(call.sampleRate).toBe(8000);
      expect(Math.abs(call.durationMs - 1500), codec.name).toBeLessThan(60);
      expect(call.notes.filter((n) => n.includes('could not be decoded'))).toEqual([]);
      const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
      const left = wav.samples[0]!.subarray(1600, 8000);
      expect(rms(left), codec.name).toBeGreaterThan(2000);
      expect(Math.abs(frequencyOf(left, 8000) - 700), codec.name).toBeLessThan(15);
    }
  });

  it('decodes G.722 and Opus streams with ffmpeg at their own rates', async () => {
    const raw = path.join(dir, 'tone16k.raw');
    const pcm16k = tone(1.5, 1000, 8000, 16000);
    await writeFile(raw, Buffer.from(pcm16k.buffer));
    const g722File = path.join(dir, 'tone.g722');
    execFileSync(ffmpeg, [
      '-v',
      'error',
      '-y',
      '-f',
      's16le',
      '-ar',
      '16000',
      '-ac',
      '1',
      '-i',
      raw,
      '-f',
      'g722',
      g722File,
    ]);
    const g722 = await readFile(g722File);
    const opusFile = path.join(dir, 'tone.opus');
    execFileSync(ffmpeg, [
      '-v',
      'error',
      '-y',
      '-f',
      's16le',
      '-ar',
      '16000',
      '-ac',
      '1',
      '-i',
      raw,
      '-c:a',
      'libopus',
      '-b:a',
      '32k',
      '-frame_duration',
      '20',
      opusFile,
    ]);
    const opus = oggPackets(await readFile(opusFile));

    const d1 = dialog('g722-call@pbx', { pt: 9, map: 'G722/8000' });
    const d2 = dialog('opus-call@pbx', { pt: 111, map: 'opus/48000/2' });
    const c = new CaptureBuilder();
    c.sipTcp(0, A, B, d1.invite);
    c.sipTcp(10, B, A, d1.ok);
    for (let f = 0; f * 160 < g722.length; f++) {
      c.rtp(
        100 + f * 20,
        A,
        B,
        encodeRtp({
          payloadType: 9,
          sequence: f,
          timestamp: f * 160,
          ssrc: 0x722,
          payload: g722.subarray(f * 160, (f + 1) * 160),
        }),
      );
    }
    c.sipTcp(1700, A, B, d1.bye);
    const second = { ...A, rtp: 31000 };
    const d2invite = Buffer.from(d2.invite.toString().replace(`m=audio ${A.rtp}`, `m=audio ${second.rtp}`));
    c.sipTcp(1800, A, B, d2invite);
    c.sipTcp(1810, B, A, Buffer.from(d2.ok.toString().replace(`m=audio ${B.rtp}`, 'm=audio 41000')));
    opus.forEach((packet, f) => {
      c.rtp(
        1900 + f * 20,
        second,
        { ...B, rtp: 41000 },
        encodeRtp({ payloadType: 111, sequence: f, timestamp: f * 960, ssrc: 0x0b05, payload: packet }),
      );
    });
    c.sipTcp(3500, A, B, d2.bye);
    const file = path.join(dir, 'codecs.pcap');
    await writeFile(file, writePcap(c.frames));
    const report = await run([file]);
    expect(report.files[0]!.calls).toBe(2);
    for (const [callId, codec, rate] of [
      ['g722-call@pbx', 'G722', 16000],
      ['opus-call@pbx', 'opus', 48000],
    ] as const) {
      const call = report.archived.find((a) => a.call.metadata.sipCallId === callId)!.call;
      expect(call.streams[0]!.codec).toBe(codec);
      expect(call.sampleRate).toBe(rate);
      expect(Math.abs(call.durationMs - 1500)).toBeLessThan(60);
      expect(call.notes.filter((n) => n.includes('could not be decoded'))).toEqual([]);
      const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
      const left = wav.samples[0]!.subarray(rate / 5, rate);
      expect(rms(left)).toBeGreaterThan(3000);
      expect(Math.abs(frequencyOf(left, rate) - 1000)).toBeLessThan(20);
    }
  });

  it('records RTP without SIP only when it really is RTP: one call for relayed media, DNS, DTLS and noise counted', async () => {
    const frames: WrittenFrame[] = [];
    const t0 = 1_790_100_000;
    const at = (ms: number, data: Buffer) => {
      const us = Math.round(ms * 1000);
      frames.push({ seconds: t0 + Math.floor(us / 1e6), fraction: us % 1e6, data });
    };
    const A = '10.20.0.1';
    const S1 = '10.20.0.2';
    const S2 = '10.20.0.3';
    const B = '10.20.0.4';
    // A call of 6 s through a media relay: A <-> S1:20000 and S2:30000 <-> B carry the same packets.
    const forward = g711Stream(tone(6, 440, 8000), 0, 0x1111);
    const back = g711Stream(tone(6, 700, 8000), 0, 0x2222);
    for (let i = 0; i < forward.length; i++) {
      at(1000 + forward[i]!.atMs, udpFrame(A, S1, 16000, 20000, forward[i]!.data));
      at(1004 + forward[i]!.atMs, udpFrame(S2, B, 30000, 32000, forward[i]!.data));
      at(1002 + back[i]!.atMs, udpFrame(B, S2, 32000, 30000, back[i]!.data));
      at(1007 + back[i]!.atMs, udpFrame(S1, A, 20000, 16000, back[i]!.data));
    }
    // DNS: a query retransmitted every second for 9 s, answered each time; the ID reads as RTP version 2, G.722.
    const question = Buffer.from([
      3,
      ...Buffer.from('sip'),
      7,
      ...Buffer.from('example'),
      3,
      ...Buffer.from('com'),
      0,
      0,
      1,
      0,
      1,
    ]);
    for (let k = 0; k < 10; k++) {
      const query = Buffer.concat([Buffer.from([0x80, 0x09, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), question]);
      const answer = Buffer.concat([
        Buffer.from([0x80, 0x09, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]),
        question,
        Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]),
      ]);
      for (let r = 0; r < 3; r++) {
        at(500 + k * 1000 + r * 20, udpFrame('10.20.0.9', '10.20.0.53', 53124, 53, query));
        at(530 + k * 1000 + r * 20, udpFrame('10.20.0.53', '10.20.0.9', 53, 53124, answer));
      }
    }
    // DTLS records, and random UDP noise, both at a packet rate like RTP's.
    let seed = 42;
    const byte = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) & 0xff;
    for (let i = 0; i < 150; i++) {
      const record = Buffer.concat([
        Buffer.from([0x17, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, i >> 8, i & 0xff, 0, 160]),
        Buffer.from(Array.from({ length: 160 }, byte)),
      ]);
      at(1200 + i * 20, udpFrame('10.20.0.7', '10.20.0.8', 45000, 45002, record));
      const noise = Buffer.from(Array.from({ length: 60 + (byte() % 120) }, byte));
      at(1300 + i * 20, udpFrame('10.20.0.5', '10.20.0.6', 41000, 41002, noise));
    }
    frames.sort((x, y) => x.seconds - y.seconds || x.fraction - y.fraction);
    const file = path.join(dir, 'rtp-only-mixed.pcap');
    await writeFile(file, writePcap(frames));
    const report = await run([file]);

    expect(report.files[0]).toMatchObject({
      dialogs: 0,
      calls: 1,
      rtpOnlyCalls: 1,
      rtpRelayLegs: 2,
      rtpRejected: { dns: 2, tls: 1, 'not-rtp': 1 },
    });
    expect(report.archived).toHaveLength(1);
    const call = report.archived[0]!.call;
    expect(call.metadata.sipCallId).toBe(`rtp:${A}:16000|${S1}:20000`);
    expect(Math.abs(call.durationMs - 6000)).toBeLessThan(40);
    expect(call.streams.map((s) => [s.channel, s.packets, s.lost])).toEqual([
      [0, 300, 0],
      [1, 300, 0],
    ]);
    const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
    expect(Math.abs(frequencyOf(wav.samples[0]!.subarray(800, 40000), wav.sampleRate) - 440)).toBeLessThan(
      10,
    );
    expect(Math.abs(frequencyOf(wav.samples[1]!.subarray(800, 40000), wav.sampleRate) - 700)).toBeLessThan(
      10,
    );
  });

  it('finds a key press 10 s into a capture that started mid-call without SDP, and silences it', async () => {
    const frames: WrittenFrame[] = [];
    const t0 = 1_790_200_000;
    const at = (ms: number, data: Buffer) => {
      const us = Math.round(ms * 1000);
      frames.push({ seconds: t0 + Math.floor(us / 1e6), fraction: us % 1e6, data });
    };
    // The capture starts in the middle of the call: no SIP, no SDP; '7' pressed at 10 s for 200 ms, its tone
    // also in the audio (gateways send both).
    const agent = tone(14, 500, 8000);
    agent.set(tone(0.2, 1200, 12000), 80_000);
    for (const p of rtpPackets({
      samples: agent,
      ssrc: 0x77,
      dtmf: [{ event: 7, startMs: 10_000, durationMs: 200 }],
    }))
      at(p.atMs, udpFrame('10.30.0.1', '10.30.0.2', 18000, 19000, p.data));
    for (const p of rtpPackets({ samples: tone(14, 650, 6000), ssrc: 0x78 }))
      at(p.atMs + 3, udpFrame('10.30.0.2', '10.30.0.1', 19000, 18000, p.data));
    frames.sort((x, y) => x.seconds - y.seconds || x.fraction - y.fraction);
    const file = path.join(dir, 'mid-call-key.pcap');
    await writeFile(file, writePcap(frames));
    const report = await run([file]);
    expect(report.files[0]).toMatchObject({ calls: 1, rtpOnlyCalls: 1 });
    const call = report.archived[0]!.call;
    expect(call.dtmf).toEqual([expect.objectContaining({ digit: '7', channel: 0, method: 'rfc4733' })]);
    expect(Math.abs(call.dtmf[0]!.startMs - 10_000)).toBeLessThan(30);
    expect(Math.abs(call.dtmf[0]!.durationMs - 200)).toBeLessThan(30);
    const wav = await readWav(sink.calls.find((x) => x.captureId === call.captureId)!.filePath);
    const [left] = wav.samples as [Int16Array];
    const ms = (t: number) => Math.round((t * wav.sampleRate) / 1000);
    expect(rms(left, ms(9500), ms(9900))).toBeGreaterThan(3000);
    expect(rms(left, ms(10_020), ms(10_180))).toBeLessThan(50); // the key press is silenced
    expect(rms(left, ms(10_400), ms(10_900))).toBeGreaterThan(3000);
  });
});

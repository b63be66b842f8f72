import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { PacketCorrelator, type NetPacket } from '../../../services/capture/passive/packet.correlator.ts';
import { FfmpegLiveDecoders } from '../../../services/capture/rtp/live.decoder.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { assembleCall, WAV_FILE } from '../../../services/capture/spool/call.assembler.ts';
import { LiveAudioStream, type LiveAudioSink } from '../../../services/live/live-audio.stream.ts';
import { decodeAudioFrame, type LiveAudioMessage } from '../../../services/live/live-audio.protocol.ts';
import { LiveHub, type LiveAudio } from '../../../services/live/live.hub.ts';
import { createLogger, silentLogger } from '../../../services/platform/logger.ts';
import { RULES, sip, udp } from '../../unit/capture/passive-packets.ts';
import { readWav } from './capture-harness.ts';
import { amrFrames, amrPayload, fixture, ilbcFrames, oggPackets, speexPackets } from './codec-packets.ts';

/**
 * Codecs ffmpeg decodes at assembly, decoded live by one ffmpeg per wanted stream: what the live side receives is
 * compared with what assembly makes of the same call's spool, and a live listener hears it.
 */

const A = '10.0.0.1';
const B = '10.0.0.2';

interface CodecStream {
  /** Packets sent before waiting for the decoder's first audio (default 2; see below). */
  lead?: number;
  /** Samples ffmpeg may still hold when the decoder is stopped at the end (default one packet's). */
  held?: number;
  map: string;
  pt: number;
  fmtp?: string;
  clockRate: number;
  rate: number;
  packets: Array<{ payload: Buffer; ticks: number }>;
}

function sdp(ip: string, port: number, s: CodecStream): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${s.pt}`,
    `a=rtpmap:${s.pt} ${s.map}`,
    ...(s.fmtp ? [`a=fmtp:${s.pt} ${s.fmtp}`] : []),
    '',
  ].join('\r\n');
}

/** Pearson correlation of two equally long signals. */
function correlation(a: Int16Array, b: Int16Array): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

const rmsOf = (s: Int16Array) => Math.sqrt(s.reduce((n, v) => n + v * v, 0) / Math.max(1, s.length));

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

class Sink implements LiveAudioSink {
  bufferedAmount = 0;
  readonly samples: number[] = [];
  readonly messages: LiveAudioMessage[] = [];
  sendBinary(data: Uint8Array): void {
    this.samples.push(...decodeAudioFrame(data)!.samples);
  }
  sendText(message: LiveAudioMessage): void {
    this.messages.push(message);
  }
  close(): void {}
}

describe('live decoding of the codecs decoded at assembly', () => {
  let dir: string;
  const ffmpeg = resolveFfmpegPaths().ffmpeg;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-live-decode-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Records one call whose agent sends `s` while the hub's live transcript side takes every call's audio; returns
   * the agent's audio as the live side got it (by position) and the agent channel of the assembled WAV.
   */
  async function record(name: string, s: CodecStream, listen = false) {
    const hub = new LiveHub({ logger: silentLogger() });
    const decoders = new FfmpegLiveDecoders({ logger: silentLogger(), ffmpegPath: ffmpeg });
    const heard: LiveAudio[] = [];
    const keep = (a: LiveAudio) => {
      if (a.channel === 0) heard.push({ ...a, samples: a.samples.slice() });
    };
    // The live transcript's way (every call's audio), or only the listener's and this test's for one call.
    const stopAll = listen ? () => undefined : hub.subscribeAllAudio((_, a) => keep(a));
    let ended: string | undefined;
    const spool = path.join(dir, name);
    const c = new PacketCorrelator({
      spoolRoot: spool,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      source: 'hep',
      live: { tap: hub, rules: RULES, decoders },
      onCallEnded: (d) => (ended = d),
    });
    const feed = async (p: NetPacket) => {
      const pending = c.feed(p);
      if (pending) await pending;
    };
    const base = ['From: <sip:2001@pbx>;tag=a1', `Call-ID: ${name}`, 'Via: SIP/2.0/UDP x;branch=z9hG4bK1'];
    const t0 = Date.now();
    const head = (first: string, cseq: string, to = 'To: <sip:573001234567@c>') => [first, ...base, to, cseq];
    await feed(
      udp(
        t0,
        A,
        5060,
        B,
        5060,
        sip(
          [...head('INVITE sip:b SIP/2.0', 'CSeq: 1 INVITE'), 'Content-Type: application/sdp'],
          sdp(A, 4000, s),
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
            ...head('SIP/2.0 200 OK', 'CSeq: 1 INVITE', 'To: <sip:573001234567@c>;tag=b1'),
            'Content-Type: application/sdp',
          ],
          sdp(B, 5000, s),
        ),
      ),
    );
    let sink: Sink | undefined;
    let stopListening = () => undefined as void;
    let t = t0 + 10;
    let ticks = 0;
    const expected = s.packets.reduce((n, p) => n + p.ticks, 0) * (s.rate / s.clockRate);
    const voiced = () => heard.filter((a) => a.voiced).reduce((n, a) => n + a.samples.length, 0);
    for (const [i, p] of s.packets.entries()) {
      const data = encodeRtp({
        payloadType: s.pt,
        sequence: i,
        timestamp: ticks,
        ssrc: 0x51,
        payload: p.payload,
      });
      await feed(udp((t += (p.ticks * 1000) / s.clockRate), A, 4000, B, 5000, data));
      ticks += p.ticks;
      if (i !== (s.lead ?? 2) - 1) continue;
      if (listen) {
        // A supervisor listens to the agent from the call's first packet.
        sink = new Sink();
        const call = hub.calls()[0]!;
        const listener = new LiveAudioStream(hub, call, sink, {
          party: 'agent',
          silenceKeyPresses: true,
          now: () => t, // the call's clock is the packets' (the test sends faster than real time)
        });
        expect(listener.start()).toBe(true);
        const unobserve = hub.subscribeAudio(call.captureId, keep)!;
        stopListening = () => {
          listener.stop();
          unobserve();
        };
      }
      // The first packets play out and start the stream's decoder; the rest comes once it runs (capture would
      // drop what arrives while a decoder is more than 1.5 s behind). ffmpeg's AMR and GSM readers hold a frame
      // until the next one comes, so two packets go first; its G.726 reader waits for blocks of 1020 bytes.
      await c.tick((t += 250), false);
      await until('the decoder to start', () => voiced() > 0);
    }
    await c.tick(t + 1000, true);
    // ffmpeg may hold the stream's last frame (its AMR reader waits for the next) when the decoder is stopped.
    const whole = expected - (s.held ?? (s.packets.at(-1)!.ticks * s.rate) / s.clockRate);
    await until(`${name}: the live decoder’s audio (${voiced()} of ${whole})`, () => voiced() >= whole);
    if (listen)
      await until('the listener’s audio', () => sink!.samples.length >= (expected * 0.8 * 8000) / s.rate);
    expect(decoders.counters).toMatchObject({ started: 1, running: 1, failed: 0 });
    if (listen) {
      // The supervisor hangs up: the next frame played out finds nobody wanting the stream, and its decoder goes.
      stopListening();
      const payload = s.packets[0]!.payload;
      const data = encodeRtp({
        payloadType: s.pt,
        sequence: s.packets.length,
        timestamp: ticks,
        ssrc: 0x51,
        payload,
      });
      await feed(udp((t += 1000), A, 4000, B, 5000, data));
      await c.tick(t + 1000, true);
      expect(decoders.counters).toMatchObject({ started: 1, running: 0, failed: 0 });
    }
    await feed(
      udp(
        t + 1001,
        A,
        5060,
        B,
        5060,
        sip([...head('BYE sip:b SIP/2.0', 'CSeq: 2 BYE', 'To: <sip:b@c>;tag=b1')]),
      ),
    );
    // The call ended: its decoder is gone.
    expect(decoders.counters.running).toBe(0);
    stopAll();
    await until('the call’s end', () => ended !== undefined);
    const call = await assembleCall(ended!, { ffmpegPath: ffmpeg, rules: RULES });
    const wav = await readWav(path.join(ended!, WAV_FILE));
    expect(wav.sampleRate).toBe(s.rate);
    const live = new Int16Array(whole);
    for (const a of heard)
      if (a.position < whole) live.set(a.samples.subarray(0, whole - a.position), a.position);
    return { live, assembled: wav.samples[0]!.subarray(0, whole), call, sink };
  }

  it('decodes G.729 live as assembly does (the same frames, the same samples)', async () => {
    // No G.729 encoder is available here: the frames are random bits, which any G.729 decoder decodes (80 samples
    // per 10 bytes); live and assembly must agree sample for sample.
    let seed = 11;
    const bytes = (n: number) =>
      Buffer.from(Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
    const packets = Array.from({ length: 60 }, () => ({ payload: bytes(20), ticks: 160 }));
    const { live, assembled } = await record('g729', {
      map: 'G729/8000',
      pt: 18,
      clockRate: 8000,
      rate: 8000,
      packets,
    });
    expect(rmsOf(live)).toBeGreaterThan(100);
    expect(correlation(live, assembled)).toBeGreaterThan(0.999);
    expect(Math.abs(rmsOf(live) / rmsOf(assembled) - 1)).toBeLessThan(0.01);
  });

  it('decodes Opus (libopus, 20 ms packets) live as assembly does', async () => {
    const raw = path.join(dir, 'speech48k.raw');
    const ogg = path.join(dir, 'speech.ogg');
    // A voice-like signal: a 150-400 Hz glide with harmonics, 1.2 s at 48 kHz.
    const pcm = new Int16Array(57_600);
    let phase = 0;
    for (let i = 0; i < pcm.length; i++) {
      phase += (2 * Math.PI * (150 + (250 * i) / pcm.length)) / 48_000;
      pcm[i] = Math.round(6000 * Math.sin(phase) + 3000 * Math.sin(2 * phase) + 1500 * Math.sin(3 * phase));
    }
    await writeFile(raw, Buffer.from(pcm.buffer));
    execFileSync(ffmpeg, [
      '-v',
      'error',
      '-y',
      '-f',
      's16le',
      '-ar',
      '48000',
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
      ogg,
    ]);
    const packets = oggPackets(await readFile(ogg)).map((payload) => ({ payload, ticks: 960 }));
    const { live, assembled } = await record('opus', {
      map: 'opus/48000/2',
      pt: 111,
      clockRate: 48000,
      rate: 48000,
      packets,
    });
    expect(rmsOf(live)).toBeGreaterThan(1000);
    expect(correlation(live, assembled)).toBeGreaterThan(0.99);
    expect(Math.abs(rmsOf(live) / rmsOf(assembled) - 1)).toBeLessThan(0.05);
  });

  it('decodes AMR (octet-aligned) live as assembly does, and a listener hears it instead of AUDIO_NOT_LIVE', async () => {
    const frames = amrFrames('amr', fixture('amr-nb-600hz.amr'));
    const packets = frames.map((f) => ({
      payload: amrPayload('amr', [f], { octetAligned: true }),
      ticks: 160,
    }));
    const stream = { map: 'AMR/8000', pt: 97, fmtp: 'octet-align=1', clockRate: 8000, rate: 8000, packets };
    const { live, assembled } = await record('amr', stream);
    expect(rmsOf(live)).toBeGreaterThan(1000);
    expect(correlation(live, assembled)).toBeGreaterThan(0.99);

    const { sink } = await record('amr-listen', stream, true);
    expect(sink!.messages.filter((m) => m.type === 'notice')).toEqual([]);
    const heard = Int16Array.from(sink!.samples);
    expect(rmsOf(heard)).toBeGreaterThan(1000);
  });

  it('decodes the other codecs decoded at assembly live too: G.722, GSM, G.726, iLBC, Speex', async () => {
    const tone = (rate: number) =>
      Int16Array.from({ length: Math.round(0.6 * rate) }, (_, i) =>
        Math.round(
          8000 * Math.sin((2 * Math.PI * 440 * i) / rate) + 3000 * Math.sin((2 * Math.PI * 1200 * i) / rate),
        ),
      );
    const raw8 = path.join(dir, 'tone8k.raw');
    const raw16 = path.join(dir, 'tone16k.raw');
    await writeFile(raw8, Buffer.from(tone(8000).buffer));
    await writeFile(raw16, Buffer.from(tone(16000).buffer));
    const encode = (raw: string, rate: number, args: string[], out: string): Buffer => {
      execFileSync(ffmpeg, [
        '-v',
        'error',
        '-y',
        '-f',
        's16le',
        '-ar',
        String(rate),
        '-ac',
        '1',
        '-i',
        raw,
        ...args,
        out,
      ]);
      return readFileSync(out);
    };
    const cut = (data: Buffer, size: number) =>
      Array.from({ length: Math.floor(data.length / size) }, (_, i) =>
        data.subarray(i * size, (i + 1) * size),
      );
    const streams: Array<[string, CodecStream]> = [
      [
        'g722',
        {
          map: 'G722/8000',
          pt: 9,
          clockRate: 8000,
          rate: 16000,
          packets: cut(
            encode(raw16, 16000, ['-c:a', 'g722', '-f', 'g722'], path.join(dir, 't.g722')),
            160,
          ).map((payload) => ({ payload, ticks: 160 })),
        },
      ],
      [
        'gsm',
        {
          map: 'GSM/8000',
          pt: 3,
          clockRate: 8000,
          rate: 8000,
          packets: cut(encode(raw8, 8000, ['-c:a', 'libgsm', '-f', 'gsm'], path.join(dir, 't.gsm')), 33).map(
            (payload) => ({ payload, ticks: 160 }),
          ),
        },
      ],
      [
        'g726',
        {
          map: 'G726-32/8000',
          pt: 112,
          lead: 14,
          held: 2040,
          clockRate: 8000,
          rate: 8000,
          packets: cut(
            encode(
              raw8,
              8000,
              ['-c:a', 'adpcm_g726le', '-b:a', '32k', '-f', 'g726le'],
              path.join(dir, 't.g726'),
            ),
            80,
          ).map((payload) => ({ payload, ticks: 160 })),
        },
      ],
      [
        'ilbc',
        {
          map: 'iLBC/8000',
          pt: 98,
          fmtp: 'mode=20',
          clockRate: 8000,
          rate: 8000,
          packets: ilbcFrames(fixture('ilbc-20-600hz.lbc')).map((payload) => ({ payload, ticks: 160 })),
        },
      ],
      [
        'speex',
        {
          map: 'speex/8000',
          pt: 99,
          clockRate: 8000,
          rate: 8000,
          packets: speexPackets(ffmpeg, raw8, 8000, 1, path.join(dir, 't.spx')).map((payload) => ({
            payload,
            ticks: 160,
          })),
        },
      ],
    ];
    for (const [name, stream] of streams) {
      const { live, assembled } = await record(`other-${name}`, stream);
      expect({ name, loud: rmsOf(live) > 500 }).toEqual({ name, loud: true });
      expect({ name, same: correlation(live, assembled) > 0.99 }).toEqual({ name, same: true });
    }
  });

  it('reports a decoder that cannot start once, and starts no more than its limit', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const missing = new FfmpegLiveDecoders({ logger, ffmpegPath: path.join(dir, 'no-ffmpeg') });
    const failures: unknown[] = [];
    const output = { pcm: () => undefined, failed: (e: unknown) => failures.push(e) };
    const first = missing.open('g729', output)!;
    expect(first.write(Buffer.alloc(20))).toBe(true);
    const second = missing.open('opus', output)!;
    await until('both failures', () => failures.length === 2);
    expect((failures[0] as { code: string }).code).toBe('TOOL_MISSING');
    expect(first.write(Buffer.alloc(20))).toBe(false);
    second.stop();
    // ffmpeg is known missing now: no more tries, and one line said it.
    expect(missing.open('g729', output)).toBeUndefined();
    expect(lines.filter((l) => l.includes('ffmpeg could not start'))).toHaveLength(1);
    expect(missing.counters).toMatchObject({ started: 2, running: 0, failed: 2 });

    const limited = new FfmpegLiveDecoders({ logger, ffmpegPath: ffmpeg, maxProcesses: 1 });
    const one = limited.open('g729', output)!;
    expect(limited.open('g729', output)).toBeUndefined();
    expect(limited.counters).toMatchObject({ running: 1, refused: 1 });
    one.stop();
    expect(limited.counters.running).toBe(0);
    limited.open('g729', output)!.stop();
    expect(limited.counters).toMatchObject({ started: 2, running: 0, failed: 0 });
  });
});

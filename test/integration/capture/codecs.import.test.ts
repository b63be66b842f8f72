import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { importCaptureFiles, type ImportReport } from '../../../services/capture/passive/pcap.importer.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { createLogger, silentLogger } from '../../../services/platform/logger.ts';
import { udpFrame, writePcap, type WrittenFrame } from '../../unit/capture/pcap-writer.ts';
import { MemorySink, readWav, rms, RULES, tone } from './capture-harness.ts';
import {
  amrFrames,
  amrPayload,
  fixture,
  frequencyOf,
  ilbcFrames,
  speexPackets,
  type AmrFrame,
} from './codec-packets.ts';

const A = '192.0.2.10';
const B = '198.51.100.20';

interface CodecCall {
  callId: string;
  /** rtpmap encoding/clock. */
  map: string;
  pt: number;
  fmtp?: string;
  /** Each packet's payload and RTP timestamp step. */
  packets: Array<{ payload: Buffer; samples: number }>;
  clockRate: number;
  /** Packets left out (lost on the way). */
  lost?: number[];
}

/** SIP over UDP (INVITE with the codec's rtpmap and fmtp, 200, ACK), the RTP at its pace, BYE; one call each. */
function capture(calls: CodecCall[]): Buffer {
  const frames: WrittenFrame[] = [];
  const push = (atMs: number, data: Buffer) => {
    const us = Math.round(atMs * 1000);
    frames.push({ seconds: 1_790_000_000 + Math.floor(us / 1e6), fraction: us % 1e6, data });
  };
  const sip = (lines: string[], body = '') =>
    Buffer.from([...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  calls.forEach((call, n) => {
    const t0 = n * 3000;
    const head = (to: string, cseq: string) => [
      `Via: SIP/2.0/UDP ${A}:5060;branch=z9hG4bKc${n}${cseq.replace(' ', '')}`,
      `From: "Operador 7" <sip:7001@pbx>;tag=f${n}`,
      to,
      `Call-ID: ${call.callId}`,
      `CSeq: ${cseq}`,
    ];
    const sdp = (ip: string, port: number) =>
      [
        'v=0',
        `o=- 1 1 IN IP4 ${ip}`,
        's=-',
        `c=IN IP4 ${ip}`,
        't=0 0',
        `m=audio ${port} RTP/AVP ${call.pt} 101`,
        `a=rtpmap:${call.pt} ${call.map}`,
        ...(call.fmtp ? [`a=fmtp:${call.pt} ${call.fmtp}`] : []),
        `a=rtpmap:101 telephone-event/${call.clockRate}`,
        '',
      ].join('\r\n');
    const to = 'To: <sip:+573001234567@carrier>';
    const rtpA = 30000 + n * 2;
    const rtpB = 40000 + n * 2;
    const invite = sip(
      ['INVITE sip:+573001234567@carrier SIP/2.0', ...head(to, '1 INVITE'), 'Content-Type: application/sdp'],
      sdp(A, rtpA),
    );
    push(t0, udpFrame(A, B, 5060, 5060, invite));
    const ok = sip(
      ['SIP/2.0 200 OK', ...head(`${to};tag=t${n}`, '1 INVITE'), 'Content-Type: application/sdp'],
      sdp(B, rtpB),
    );
    push(t0 + 20, udpFrame(B, A, 5060, 5060, ok));
    let timestamp = 0;
    call.packets.forEach((p, i) => {
      if (!call.lost?.includes(i)) {
        const rtp = encodeRtp({
          payloadType: call.pt,
          sequence: 100 + i,
          timestamp,
          ssrc: 0x300 + n,
          payload: p.payload,
        });
        push(t0 + 100 + (timestamp * 1000) / call.clockRate, udpFrame(A, B, rtpA, rtpB, rtp));
      }
      timestamp += p.samples;
    });
    push(
      t0 + 1600,
      udpFrame(
        A,
        B,
        5060,
        5060,
        sip(['BYE sip:+573001234567@carrier SIP/2.0', ...head(`${to};tag=t${n}`, '2 BYE')]),
      ),
    );
  });
  return writePcap(frames);
}

/** Groups `items` by `size`. */
function groups<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

describe('pcap import of iLBC, Speex, AMR and AMR-WB calls', () => {
  let dir: string;
  let sink: MemorySink;
  const ffmpeg = resolveFfmpegPaths().ffmpeg;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-codecs-'));
    sink = new MemorySink(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (files: string[], ffmpegPath = ffmpeg, logger = silentLogger()): Promise<ImportReport> =>
    importCaptureFiles(files, {
      sink,
      rules: RULES,
      logger,
      ffmpegPath,
      workDir: path.join(dir, `work-${Math.random().toString(36).slice(2)}`),
      silenceDtmf: true,
      keepDtmfDigits: true,
    });

  /** The left channel of a delivered call, at its rate. */
  const left = async (captureId: string) => {
    const wav = await readWav(sink.calls.find((x) => x.captureId === captureId)!.filePath);
    return { samples: wav.samples[0]!, rate: wav.sampleRate };
  };

  it('decodes iLBC in both modes, one or two frames per packet, the mode from the fmtp or the payload size', async () => {
    const f20 = ilbcFrames(fixture('ilbc-20-600hz.lbc'));
    const f30 = ilbcFrames(fixture('ilbc-30-600hz.lbc'));
    expect([f20.length, f30.length]).toEqual([60, 40]);
    const calls: CodecCall[] = [
      {
        callId: 'ilbc-20@pbx',
        map: 'iLBC/8000',
        pt: 97,
        fmtp: 'mode=20',
        clockRate: 8000,
        packets: f20.map((payload) => ({ payload, samples: 160 })),
      },
      {
        // No fmtp: RFC 3952's default is 30 ms, but 76-byte payloads can only be two 20 ms frames.
        callId: 'ilbc-20x2@pbx',
        map: 'iLBC/8000',
        pt: 98,
        clockRate: 8000,
        packets: groups(f20, 2).map((g) => ({ payload: Buffer.concat(g), samples: 320 })),
      },
      {
        callId: 'ilbc-30@pbx',
        map: 'iLBC/8000',
        pt: 97,
        fmtp: 'mode=30',
        clockRate: 8000,
        packets: f30.map((payload) => ({ payload, samples: 240 })),
        lost: [10, 11], // 60 ms lost: silence, the rest in place
      },
    ];
    const file = path.join(dir, 'ilbc.pcap');
    await writeFile(file, capture(calls));
    const report = await run([file]);
    expect(report.files[0]!.calls).toBe(3);
    for (const c of calls) {
      const call = report.archived.find((a) => a.call.metadata.sipCallId === c.callId)!.call;
      expect(call.streams[0]).toMatchObject({ codec: 'iLBC', audio: 'decoded' });
      expect(call.notes.filter((n) => n.includes('not decodable'))).toEqual([]);
      expect(call.sampleRate).toBe(8000);
      expect(Math.abs(call.durationMs - 1200), c.callId).toBeLessThan(40);
      const { samples } = await left(call.captureId);
      expect(Math.abs(samples.length - 9600)).toBeLessThan(320);
      const steady = samples.subarray(1600, 2400);
      expect(rms(steady), c.callId).toBeGreaterThan(8000); // the tone is at half scale (rms 11585)
      expect(Math.abs(frequencyOf(steady, 8000) - 600), c.callId).toBeLessThan(20);
      if (c.lost) {
        // Packets 10 and 11 held 2400–2880 (300–360 ms); the decoder's output around them is silence.
        expect(rms(samples, 2420, 2860)).toBeLessThan(50);
        const after = samples.subarray(4000, 8800);
        expect(Math.abs(frequencyOf(after, 8000) - 600)).toBeLessThan(20);
      }
    }
  });

  it('decodes narrowband, wideband and ultra-wideband Speex, one and several frames per packet', async () => {
    const raw8 = path.join(dir, 'tone8.raw');
    const raw16 = path.join(dir, 'tone16.raw');
    await writeFile(raw8, Buffer.from(tone(1.2, 500, 12000, 8000).buffer));
    await writeFile(raw16, Buffer.from(tone(1.2, 1000, 12000, 16000).buffer));
    const nb2 = speexPackets(ffmpeg, raw8, 8000, 2, path.join(dir, 'nb2.spx'));
    const wb1 = speexPackets(ffmpeg, raw16, 16000, 1, path.join(dir, 'wb1.spx'));
    const raw32 = path.join(dir, 'tone32.raw');
    await writeFile(raw32, Buffer.from(tone(1.2, 2000, 12000, 32000).buffer));
    const uwb3 = speexPackets(ffmpeg, raw32, 32000, 3, path.join(dir, 'uwb3.spx'));
    const calls: CodecCall[] = [
      {
        callId: 'speex-nb@pbx',
        map: 'speex/8000',
        pt: 99,
        clockRate: 8000,
        packets: nb2.map((payload) => ({ payload, samples: 320 })),
        lost: [5],
      },
      {
        callId: 'speex-wb@pbx',
        map: 'speex/16000',
        pt: 100,
        clockRate: 16000,
        packets: wb1.map((payload) => ({ payload, samples: 320 })),
      },
      {
        callId: 'speex-uwb@pbx',
        map: 'speex/32000',
        pt: 103,
        clockRate: 32000,
        packets: uwb3.map((payload) => ({ payload, samples: 3 * 640 })),
      },
    ];
    const file = path.join(dir, 'speex.pcap');
    await writeFile(file, capture(calls));
    const report = await run([file]);
    expect(report.files[0]!.calls).toBe(3);
    for (const [c, rate, hz] of [
      [calls[0]!, 8000, 500],
      [calls[1]!, 16000, 1000],
      [calls[2]!, 32000, 2000],
    ] as const) {
      const call = report.archived.find((a) => a.call.metadata.sipCallId === c.callId)!.call;
      expect(call.streams[0]).toMatchObject({ codec: 'speex', audio: 'decoded' });
      expect(call.notes.filter((n) => n.includes('not decodable'))).toEqual([]);
      expect(call.sampleRate).toBe(rate);
      expect(Math.abs(call.durationMs - 1200), c.callId).toBeLessThan(60);
      const { samples } = await left(call.captureId);
      const steady = samples.subarray(rate * 0.5, rate * 1.1);
      expect(rms(steady), c.callId).toBeGreaterThan(5000);
      expect(Math.abs(frequencyOf(steady, rate) - hz), c.callId).toBeLessThan(25);
    }
    // The lost packet held 200–240 ms of the narrowband call.
    const nb = report.archived.find((a) => a.call.metadata.sipCallId === 'speex-nb@pbx')!.call;
    expect(rms((await left(nb.captureId)).samples, 1620, 1900)).toBeLessThan(50);
  });

  it('decodes AMR and AMR-WB, bandwidth-efficient and octet-aligned, several frames per packet, DTX as silence', async () => {
    const nb = amrFrames('amr', fixture('amr-nb-600hz.amr'));
    const wb = amrFrames('amr-wb', fixture('amr-wb-1000hz.awb'));
    const dtx = amrFrames('amr-wb', fixture('amr-wb-1000hz-dtx.awb'));
    expect(nb.map((f) => f.type)).toEqual(Array(60).fill(7));
    expect(dtx.filter((f) => f.type === 9 || f.type === 15).length).toBeGreaterThan(15);
    const packets = (
      kind: 'amr' | 'amr-wb',
      frames: AmrFrame[],
      per: number,
      octetAligned: boolean,
      crc = false,
    ) =>
      groups(frames, per).map((g) => ({
        payload: amrPayload(kind, g, { octetAligned, crc }),
        samples: g.length * (kind === 'amr' ? 160 : 320),
      }));
    const calls: CodecCall[] = [
      {
        callId: 'amr-be@pbx',
        map: 'AMR/8000',
        pt: 96,
        fmtp: 'mode-change-capability=2; max-red=0',
        clockRate: 8000,
        packets: packets('amr', nb, 1, false),
        lost: [20, 21, 22],
      },
      {
        callId: 'amr-oa@pbx',
        map: 'AMR/8000',
        pt: 96,
        fmtp: 'octet-align=1',
        clockRate: 8000,
        packets: packets('amr', nb, 3, true),
      },
      {
        callId: 'amr-wb-be@pbx',
        map: 'AMR-WB/16000',
        pt: 102,
        clockRate: 16000,
        packets: packets('amr-wb', wb, 2, false),
      },
      {
        callId: 'amr-wb-oa-crc@pbx',
        map: 'AMR-WB/16000',
        pt: 102,
        fmtp: 'octet-align=1; crc=1',
        clockRate: 16000,
        packets: packets('amr-wb', wb, 1, true, true),
      },
      {
        callId: 'amr-wb-dtx@pbx',
        map: 'AMR-WB/16000',
        pt: 102,
        fmtp: 'octet-align=1',
        clockRate: 16000,
        packets: packets('amr-wb', dtx, 1, true),
      },
    ];
    const file = path.join(dir, 'amr.pcap');
    await writeFile(file, capture(calls));
    const report = await run([file]);
    expect(report.files[0]!.calls).toBe(calls.length);
    for (const c of calls) {
      const wide = c.map.startsWith('AMR-WB');
      const rate = wide ? 16000 : 8000;
      const call = report.archived.find((a) => a.call.metadata.sipCallId === c.callId)!.call;
      expect(call.streams[0], c.callId).toMatchObject({ codec: wide ? 'AMR-WB' : 'AMR', audio: 'decoded' });
      expect(call.notes.filter((n) => n.includes('not decodable'))).toEqual([]);
      expect(call.sampleRate).toBe(rate);
      expect(Math.abs(call.durationMs - 1200), c.callId).toBeLessThan(60);
      const { samples } = await left(call.captureId);
      expect(Math.abs(samples.length - rate * 1.2), c.callId).toBeLessThan(rate / 20);
      const steady = samples.subarray(rate * 0.1, rate * 0.35);
      expect(rms(steady), c.callId).toBeGreaterThan(5000);
      expect(Math.abs(frequencyOf(steady, rate) - (wide ? 1000 : 600)), c.callId).toBeLessThan(20);
      if (c.callId === 'amr-be@pbx') {
        expect(rms(samples, 3220, 3660)).toBeLessThan(50); // 400–460 ms lost
        const after = samples.subarray(4400, 9000);
        expect(rms(after)).toBeGreaterThan(5000);
        expect(Math.abs(frequencyOf(after, 8000) - 600)).toBeLessThan(20);
      }
      if (c.callId === 'amr-wb-dtx@pbx') {
        // Comfort noise and no-data frames (after the DTX hangover) are silence of their length.
        expect(rms(samples, rate * 0.85, rate * 1.15)).toBeLessThan(50);
      }
    }
  });

  it('archives a call whose codec ffmpeg cannot decode, with its length, and says so', async () => {
    // An ffmpeg without the AMR decoders: every run fails as such an ffmpeg does.
    const fake = path.join(dir, 'ffmpeg-without-amr');
    await writeFile(
      fake,
      '#!/bin/sh\necho "Decoder (codec amr_nb) not found for input stream #0:0" >&2\nexit 1\n',
    );
    await chmod(fake, 0o755);
    const nb = amrFrames('amr', fixture('amr-nb-600hz.amr'));
    const file = path.join(dir, 'amr-no-decoder.pcap');
    await writeFile(
      file,
      capture([
        {
          callId: 'amr-no-decoder@pbx',
          map: 'AMR/8000',
          pt: 96,
          clockRate: 8000,
          packets: nb.map((f) => ({
            payload: amrPayload('amr', [f], { octetAligned: false }),
            samples: 160,
          })),
        },
      ]),
    );
    const logged: Array<{ msg: string; audioNotDecodable?: string[] }> = [];
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          logged.push(JSON.parse(chunk.toString()) as (typeof logged)[number]);
          done();
        },
      }),
    });
    const report = await run([file], fake, logger);
    const call = report.archived.find((a) => a.call.metadata.sipCallId === 'amr-no-decoder@pbx')!.call;
    expect(call.streams[0]).toMatchObject({ codec: 'AMR', audio: 'not-decodable', packets: 60 });
    expect(call.notes.join('\n')).toMatch(/audio not decodable: AMR \(stream .*\): .*amr_nb/);
    expect(Math.abs(call.durationMs - 1200)).toBeLessThan(60);
    expect(rms((await left(call.captureId)).samples)).toBe(0);
    // What a long-running capture's operator sees of it.
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: 'captured call archived; audio not decodable: AMR',
        audioNotDecodable: ['AMR'],
      }),
    );
  });
});

import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { decodeAudioFrame } from '../../../services/live/live-audio.protocol.ts';
import {
  api,
  createWorkspace,
  freePort,
  requireTools,
  rtpRange,
  runSipp,
  startEscucha,
  writeRtpPcap,
  type Running,
  type Workspace,
} from './e2e-harness.ts';

/** Real Spanish speech (FLEURS, CC BY 4.0; see its README). */
const FLEURS = path.resolve('test/fixtures/speech');

/** A recording decoded to 8 kHz mono 16-bit PCM, as a telephone line carries it. */
async function telephone(file: string): Promise<Int16Array> {
  const { ffmpeg } = resolveFfmpegPaths();
  const proc = spawn(ffmpeg, ['-v', 'error', '-i', file, '-ac', '1', '-ar', '8000', '-f', 's16le', '-'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  for await (const chunk of proc.stdout) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2).slice();
}

function concat(parts: Int16Array[], gapMs: number): Int16Array {
  const gap = (gapMs * 8000) / 1000;
  const out = new Int16Array(parts.reduce((n, p) => n + p.length + gap, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + gap;
  }
  return out;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

async function until<T>(what: string, deadline: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not seen in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The live side end to end, as a supervisor meets it: SIPp places a SIPREC call whose agent stream carries real
 * Spanish speech (FLEURS recordings, at 8 kHz G.711) and never gives the recording notice, against `escucha serve`
 * with capture and the live transcript in it (the default model). While SIPp is still sending the call, it must be
 * on the live board, its audio must be heard over the live-listening WebSocket, lines of what the agent said must be
 * in its live transcript, and the missing notice must be alerted once the profile's window (10 s here) has closed.
 */
describe('a call in progress, live', () => {
  let ws: Workspace;
  let serve: Running;
  let sipPort: number;
  const rtp = rtpRange();

  beforeAll(async () => {
    requireTools('sipp');
    sipPort = await freePort();
    ws = await createWorkspace({
      ESCUCHA_SIP_PORT: String(sipPort),
      ESCUCHA_SIP_HOST: '127.0.0.1',
      ESCUCHA_RTP_PORTS: rtp.text,
      ESCUCHA_LIVE_TRANSCRIPT: 'on',
      ESCUCHA_DISCLOSURE_WINDOWS: 'co=10',
    });
    serve = await startEscucha(
      ['serve'],
      { ...ws.env, ESCUCHA_DATA_DIR: path.join(ws.dir, 'serve') },
      /listening on/,
    );
  });

  afterAll(async () => {
    await serve?.stop();
    await ws?.close();
  });

  it('is on the board, heard live, transcribed as it goes, and alerted for the missing notice before it ends', async () => {
    const work = path.join(ws.dir, 'live');
    await mkdir(work, { recursive: true });
    // The agent (SIPREC label 2) reads three Spanish recordings; the customer (label 1) answers with one.
    const agent = concat(
      await Promise.all(
        ['fleurs-es-000', 'fleurs-es-002', 'fleurs-es-004'].map((f) => telephone(`${FLEURS}/${f}.ogg`)),
      ),
      800,
    );
    const customer = new Int16Array(agent.length);
    customer.set(await telephone(`${FLEURS}/fleurs-es-003.ogg`), 14_000 * 8);
    await writeRtpPcap(path.join(work, 'pcap', 'siprec-streams.pcap'), [
      { samples: customer, ssrc: 0x11111111, srcPort: 6000, dstPort: 7000 },
      { samples: agent, ssrc: 0x22222222, srcPort: 6002, dstPort: 7002 },
    ]);
    const scenario = await readFile(path.resolve('infra/sipp/siprec_src.xml'), 'utf8');
    // A Colombian call: judged against the Colombian profile (window set to 10 s above).
    await writeFile(
      path.join(work, 'siprec_src.xml'),
      scenario.replace('X-Disposition: pending', 'X-Disposition: pending\n      X-Country: CO'),
    );
    const callMs = Math.round(agent.length / 8);
    const started = Date.now();
    let sippDone = false;
    const sipp = runSipp(
      [
        '-sf',
        'siprec_src.xml',
        `127.0.0.1:${sipPort}`,
        '-m',
        '1',
        '-l',
        '1',
        '-i',
        '127.0.0.1',
        '-p',
        String(await freePort()),
        '-mp',
        String(await freePort()),
        '-set',
        'play_ms',
        String(callMs + 300),
        '-timeout',
        String(Math.ceil(callMs / 1000) + 60),
      ],
      work,
      callMs + 90_000,
    ).finally(() => (sippDone = true));
    const deadline = started + callMs;

    // On the board within seconds of the INVITE.
    const call = await until('the call on the live board', started + 10_000, async () => {
      const board = await api<{
        items: Array<{ captureId: string; agentId: string | null; country: string | null }>;
      }>(serve.url!, ws.adminKey, '/live/calls');
      return board.items[0];
    });
    expect(call).toMatchObject({ agentId: 'A-4711', country: 'CO' });
    expect(sippDone).toBe(false);

    // Heard live: the agent's voice over the WebSocket, a second or so behind the call.
    const socket = new WebSocket(
      `${serve.url!.replace('http', 'ws')}/api/v1/live/calls/${call.captureId}/audio?party=agent`,
      { headers: { Authorization: `Bearer ${ws.adminKey}` } },
    );
    const heard: Int16Array[] = [];
    const lags: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => resolve(), 4000);
      socket.on('message', (data, binary) => {
        if (!binary) return;
        const frame = decodeAudioFrame(new Uint8Array(data as Buffer));
        if (frame) {
          heard.push(frame.samples);
          lags.push(frame.lagMs);
        }
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    socket.close();
    expect(heard.length).toBeGreaterThan(40); // 4 s of 40 ms frames, allowing for the connection's start
    const all = new Int16Array(heard.reduce((n, h) => n + h.length, 0));
    heard.reduce((at, h) => (all.set(h, at), at + h.length), 0);
    expect(rms(all)).toBeGreaterThan(300); // speech, not silence
    expect(Math.max(...lags)).toBeLessThan(2000);

    // Transcribed while it goes on: the first recording's words, before SIPp has finished the call.
    const line = await until('a live transcript line', deadline, async () => {
      const t = await api<{ lines: Array<{ party: string; text: string }> }>(
        serve.url!,
        ws.adminKey,
        `/live/calls/${call.captureId}/transcript`,
      );
      return t.lines.find((l) => l.party === 'agent' && /viajer|clima|riesgo/i.test(l.text));
    });
    expect(sippDone, 'the line came after the call had ended').toBe(false);
    expect(line.text.length).toBeGreaterThan(20);

    // The notice was never said: the alert comes once the window has closed, while the call is still going on.
    const alert = await until('the missing-notice alert', deadline, async () => {
      const alerts = await api<{ items: Array<{ captureId: string; kind: string; atMs: number }> }>(
        serve.url!,
        ws.adminKey,
        '/live/alerts',
      );
      return alerts.items.find((a) => a.captureId === call.captureId && a.kind === 'disclosure_missing');
    });
    expect(sippDone, 'the alert came after the call had ended').toBe(false);
    expect(alert.atMs).toBeGreaterThanOrEqual(10_000);

    const result = await sipp;
    expect(result.code, result.output).toBe(0);
    // Off the board once it has ended.
    await until('the call off the board', Date.now() + 10_000, async () => {
      const board = await api<{ items: unknown[] }>(serve.url!, ws.adminKey, '/live/calls');
      return board.items.length === 0 ? true : undefined;
    });
  }, 240_000);
});

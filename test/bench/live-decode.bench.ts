import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveFfmpegPaths } from '../../services/archive/ffmpeg-path.ts';
import type { Caller } from '../../services/access/caller.ts';
import { PacketCorrelator, type NetPacket } from '../../services/capture/passive/packet.correlator.ts';
import { encodeG711 } from '../../services/capture/rtp/g711.ts';
import { FfmpegLiveDecoders } from '../../services/capture/rtp/live.decoder.ts';
import { encodeRtp } from '../../services/capture/rtp/rtp.ts';
import { LiveBoardService } from '../../services/live/live.board.ts';
import { LiveHub } from '../../services/live/live.hub.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { RULES, sip } from '../unit/capture/passive-packets.ts';
import { median, round } from './stats.ts';

/**
 * What the live side costs capture, on one thread, as CPU time (process.cpuUsage, so other load on the machine
 * weighs less than on wall time): the same calls (two G.711 parties each, 20 ms packets, a passive correlator with
 * its jitter buffers and spool, the timer's play-out) recorded with no board open (nothing decodes the audio) and
 * with a board's event stream open (every call's audio decoded and its levels kept), in alternating rounds; and the
 * CPU one live G.729 decoder (ffmpeg, a child process) takes per stream of real-time audio.
 */

const A = '10.1.0.1';
const B = '10.1.0.2';
const admin: Caller = {
  principal: {
    kind: 'user',
    id: 'bench',
    keyId: null,
    name: 'bench',
    role: 'admin',
    languages: [],
    teams: [],
    agentId: null,
  },
  client: { ip: null, userAgent: null },
};

function sdp(ip: string, port: number, pt: number, map: string): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${pt}`,
    `a=rtpmap:${pt} ${map}`,
    '',
  ].join('\r\n');
}

function dialog(n: number, pt: number, map: string): { invite: NetPacket; ok: NetPacket; bye: NetPacket } {
  const base = [
    `From: <sip:2${n}@pbx>;tag=a${n}`,
    `Call-ID: bench-${n}`,
    `Via: SIP/2.0/UDP x;branch=z9hG4bK${n}`,
  ];
  const at = (timeMs: number, src: string, dst: string, payload: Buffer): NetPacket => ({
    timeMs,
    src,
    srcPort: 5060,
    dst,
    dstPort: 5060,
    transport: 'udp',
    payload,
  });
  return {
    invite: at(
      0,
      A,
      B,
      sip(
        ['INVITE sip:b SIP/2.0', ...base, 'To: <sip:c@c>', 'CSeq: 1 INVITE', 'Content-Type: application/sdp'],
        sdp(A, 10000 + n * 2, pt, map),
      ),
    ),
    ok: at(
      1,
      B,
      A,
      sip(
        ['SIP/2.0 200 OK', ...base, 'To: <sip:c@c>;tag=b', 'CSeq: 1 INVITE', 'Content-Type: application/sdp'],
        sdp(B, 30000 + n * 2, pt, map),
      ),
    ),
    bye: at(0, A, B, sip(['BYE sip:b SIP/2.0', ...base, 'To: <sip:c@c>;tag=b', 'CSeq: 2 BYE'])),
  };
}

const rtpPacket = (timeMs: number, n: number, party: 0 | 1, data: Buffer): NetPacket => ({
  timeMs,
  src: party === 0 ? A : B,
  srcPort: party === 0 ? 10000 + n * 2 : 30000 + n * 2,
  dst: party === 0 ? B : A,
  dstPort: party === 0 ? 30000 + n * 2 : 10000 + n * 2,
  transport: 'udp',
  payload: data,
});

/** One run: `calls` calls of `seconds` fed as fast as capture takes them; CPU time of the RTP part. */
async function record(
  root: string,
  calls: number,
  seconds: number,
  board: boolean,
): Promise<{ cpuMs: number; frames: number; levelsSent: number }> {
  const hub = new LiveHub({ logger: silentLogger() });
  const service = new LiveBoardService({ hub, activity: {} as never });
  let levelsSent = 0;
  const close = board
    ? service.watch(admin, {}, (m) => {
        if (m.event === 'levels') levelsSent += m.data.items.length;
      })
    : () => undefined;
  const dir = await mkdtemp(path.join(root, 'run-'));
  const c = new PacketCorrelator({
    spoolRoot: dir,
    fsync: false,
    rules: RULES,
    logger: silentLogger(),
    idleMs: 600_000,
    source: 'hep',
    live: { tap: hub, rules: RULES },
    onCallEnded: () => undefined,
  });
  const feed = async (p: NetPacket) => {
    const pending = c.feed(p);
    if (pending) await pending;
  };
  const t0 = 1_800_000_000_000;
  const dialogs = Array.from({ length: calls }, (_, n) => dialog(n, 0, 'PCMU/8000'));
  for (const d of dialogs) {
    await feed({ ...d.invite, timeMs: t0 });
    await feed({ ...d.ok, timeMs: t0 + 1 });
  }
  // A voice-like payload per party (each packet its own buffer: the recorder keeps a reference until play-out).
  const voice = (f: number) =>
    encodeG711(
      Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin((f * 160 + i) / 5))),
      'PCMU',
    );
  const payloads = [voice(1), voice(2)];
  const slots = seconds * 50;
  const cpu = process.cpuUsage();
  for (let s = 0; s < slots; s++) {
    const t = t0 + 10 + s * 20;
    for (let n = 0; n < calls; n++) {
      for (const party of [0, 1] as const) {
        const data = encodeRtp({
          payloadType: 0,
          sequence: s,
          timestamp: s * 160,
          ssrc: n * 2 + party + 1,
          payload: payloads[party]!,
        });
        await feed(rtpPacket(t, n, party, data));
      }
    }
    // Capture's timer: play-out every 20 ms, the spool flushed each second, the board's tick each second.
    await c.tick(t, s % 50 === 49);
    if (board && s % 50 === 49) service.tick();
  }
  const used = process.cpuUsage(cpu);
  for (const [n, d] of dialogs.entries()) await feed({ ...d.bye, timeMs: t0 + slots * 20 + 20 + n });
  close();
  service.close();
  await rm(dir, { recursive: true, force: true });
  return { cpuMs: (used.user + used.system) / 1000, frames: slots * calls * 2, levelsSent };
}

/** CPU ticks (user + system) of this process's ffmpeg children, from /proc. */
function childFfmpegTicks(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (comm !== 'ffmpeg' || Number(fields[1]) !== process.pid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks;
}

/** One G.729 call listened to for `seconds` of real time: the live decoder's CPU (ffmpeg's), and capture's. */
async function liveG729(
  root: string,
  seconds: number,
): Promise<{ ffmpegCpuPerSecondMs: number; captureCpuMs: number; decodedSeconds: number }> {
  const hub = new LiveHub({ logger: silentLogger() });
  const decoders = new FfmpegLiveDecoders({
    logger: silentLogger(),
    ffmpegPath: resolveFfmpegPaths().ffmpeg,
  });
  const dir = await mkdtemp(path.join(root, 'g729-'));
  const c = new PacketCorrelator({
    spoolRoot: dir,
    fsync: false,
    rules: RULES,
    logger: silentLogger(),
    idleMs: 600_000,
    source: 'hep',
    live: { tap: hub, rules: RULES, decoders },
    onCallEnded: () => undefined,
  });
  const feed = async (p: NetPacket) => {
    const pending = c.feed(p);
    if (pending) await pending;
  };
  const d = dialog(0, 18, 'G729/8000');
  const t0 = Date.now();
  await feed({ ...d.invite, timeMs: t0 });
  await feed({ ...d.ok, timeMs: t0 + 1 });
  let decoded = 0;
  hub.subscribeAllAudio((_, a) => {
    if (a.voiced) decoded += a.samples.length;
  });
  let seed = 3;
  const frame = () =>
    Buffer.from(Array.from({ length: 20 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
  const cpu = process.cpuUsage();
  let ticksAtStart = -1;
  for (let s = 0; s < seconds * 50; s++) {
    const due = t0 + 10 + s * 20;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const party of [0, 1] as const) {
      const data = encodeRtp({
        payloadType: 18,
        sequence: s,
        timestamp: s * 160,
        ssrc: party + 1,
        payload: frame(),
      });
      await feed(rtpPacket(Date.now(), 0, party, data));
    }
    await c.tick(Date.now(), false);
    // ffmpeg's start-up is left out: its CPU is counted from the first second on.
    if (s === 50) ticksAtStart = childFfmpegTicks();
  }
  const ticks = childFfmpegTicks() - ticksAtStart;
  const used = process.cpuUsage(cpu);
  await feed({ ...d.bye, timeMs: Date.now() });
  decoders.stopAll();
  await rm(dir, { recursive: true, force: true });
  const hz = 100; // USER_HZ on Linux
  return {
    // Two streams (both parties), each its own ffmpeg.
    ffmpegCpuPerSecondMs: round(((ticks / hz) * 1000) / (seconds - 1) / 2, 2),
    captureCpuMs: round((used.user + used.system) / 1000, 1),
    decodedSeconds: round(decoded / 8000, 2),
  };
}

export interface LiveCaptureBenchResult {
  loadAverage: number[];
  calls: number;
  seconds: number;
  rounds: number;
  noBoard: { cpuMs: number; usPerFrame: number };
  board: { cpuMs: number; usPerFrame: number; levelsSent: number };
  /** What an open board costs per 20 ms frame of one party (decode, level, hub): board − no board. */
  boardUsPerFrame: number;
  liveG729: Awaited<ReturnType<typeof liveG729>>;
}

export async function run(
  options: { calls?: number; seconds?: number; rounds?: number; g729Seconds?: number } = {},
): Promise<LiveCaptureBenchResult> {
  const calls = options.calls ?? 100;
  const seconds = options.seconds ?? 10;
  const rounds = options.rounds ?? 5;
  const root = await mkdtemp(path.join(os.tmpdir(), 'escucha-bench-live-decode-'));
  const loadAverage = os.loadavg().map((x) => round(x, 2));
  try {
    await record(root, 10, 2, true); // warm up both paths
    await record(root, 10, 2, false);
    const none: number[] = [];
    const open: number[] = [];
    let frames = 0;
    let levelsSent = 0;
    for (let r = 0; r < rounds; r++) {
      const a = await record(root, calls, seconds, false);
      const b = await record(root, calls, seconds, true);
      none.push(a.cpuMs);
      open.push(b.cpuMs);
      frames = a.frames;
      levelsSent = b.levelsSent;
    }
    const noBoard = median(none);
    const board = median(open);
    return {
      loadAverage,
      calls,
      seconds,
      rounds,
      noBoard: { cpuMs: round(noBoard, 1), usPerFrame: round((noBoard * 1000) / frames, 3) },
      board: { cpuMs: round(board, 1), usPerFrame: round((board * 1000) / frames, 3), levelsSent },
      boardUsPerFrame: round(((board - noBoard) * 1000) / frames, 3),
      liveG729: await liveG729(root, options.g729Seconds ?? 10),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

import { spawn, spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFfmpegPaths } from '../../services/archive/ffmpeg-path.ts';
import { CaptureService } from '../../services/capture/capture.service.ts';
import type { CallSink, CapturedCall } from '../../services/capture/captured-call.ts';
import { NODE_RUNTIME_FLAGS } from '../../services/platform/runtime-flags.ts';
import {
  DEFAULT_AGENT_PATTERN,
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  type MetadataRules,
} from '../../services/capture/call.metadata.ts';
import { encodeG711 } from '../../services/capture/rtp/g711.ts';
import { importCaptureFiles } from '../../services/capture/passive/pcap.importer.ts';
import { encodeRtp } from '../../services/capture/rtp/rtp.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { LiveHub } from '../../services/live/live.hub.ts';
import type { LiveAlertRow, NewLiveAlert } from '../../services/live/live.repository.ts';
import { VadWorkerSource } from '../../services/live/live.segmentation.ts';
import { alertRulesOf, recognizerOf } from '../../services/live/live.setup.ts';
import { LiveTranscriber, type LiveTranscriberOptions } from '../../services/live/live.transcriber.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { ModelStore } from '../../services/speech/model-store.ts';
import { RecognizerRegistry } from '../../services/speech/recognizer-registry.ts';
import { conversation, startInRound } from './conversation.ts';
import { loadUdpBatchAddon, type UdpReceiverChoice } from '../../services/capture/rtp/udp.receiver.ts';
import { udpFrame, writePcap, type WrittenFrame } from '../unit/capture/pcap-writer.ts';
import { median, percentile, round } from './stats.ts';

/**
 * Capture capacity. (1) Concurrent SIPREC calls of two G.711 streams each that one capture process, pinned to one
 * core, records with zero lost packets, while a second process generates the RTP on loopback at 50 packets/s per
 * stream (sendmmsg through the capture addon): the call count doubles until packets are lost, the capture falls
 * behind or the generator cannot keep its pace, then the step is bisected. (2) pcap import packets/s on one core (correlation, jitter buffer, spool; then with assembly). (3) SRTP decryption per packet (srtp.bench.ts).
 */

const ROLE = process.env.ESCUCHA_CAPTURE_BENCH_ROLE;
/** How the capture server's RTP ports receive (default batch; `dgram` measures Node's sockets for comparison). */
const RECEIVER = (process.env.ESCUCHA_CAPTURE_BENCH_RECEIVER ?? 'batch') as UdpReceiverChoice;
const SELF = fileURLToPath(import.meta.url);
const RULES: MetadataRules = {
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: new RegExp(DEFAULT_AGENT_PATTERN, 'i'),
  defaultAgent: 'caller',
};

/** Counts what reaches the archive; keeps nothing. */
class CountingSink implements CallSink {
  calls: Array<Pick<CapturedCall, 'streams'> & { startedAt: number }> = [];
  deliver(call: CapturedCall): Promise<{ callId: string; created: boolean }> {
    this.calls.push({ streams: call.streams, startedAt: call.metadata.startedAt?.getTime() ?? 0 });
    return Promise.resolve({ callId: call.captureId, created: true });
  }
}

/** One live step: N calls recorded for a number of seconds while the generator sends their RTP. */
export interface LiveStepResult {
  calls: number;
  streams: number;
  packetsSent: number;
  lost: number;
  /** Packets that arrived after their place had been played out (counted as received, not played). */
  late: number;
  serverCpuPercent: number;
  /**
   * How long after the generator's last packet the server handed its last one to a recorder (polled every 10 ms;
   * the batched receiver drains every 40 ms): 100 ms or more means it fell behind.
   */
  lagMs: number;
  maxJitterMs: number;
  generatorOnPace: boolean;
  /** 20 ms ticks the generator started more than 20 ms late, and its own CPU use while sending. */
  generatorLateTicks: number;
  generatorElapsedMs: number;
  generatorCpuPercent: number;
  /** With live transcription beside capture (`BENCH_LIVE=transcript`): how the transcriber kept up. */
  transcript?: LiveTranscriptLoad;
}

/**
 * What runs beside capture in its process: `none` (capture alone, as in the ladder), `levels` (the live hub, as
 * `escucha serve` always has it: capture decodes every call's audio for the board's levels), `transcript` (the hub
 * and the live transcript with real-time alerts on the default model, as serve runs them).
 */
export type LiveMode = 'none' | 'levels' | 'transcript';

/** How the live transcript kept up during a capture step (its lines kept in memory instead of PostgreSQL). */
export interface LiveTranscriptLoad {
  utterances: number;
  recognised: number;
  /** Utterances left out: the recognition queue full, or recognition failed. */
  leftOut: number;
  /** Calls whose live transcript ended incomplete (the speech detector fell behind, or utterances left out). */
  incompleteCalls: number;
  lines: number;
  lineDelayMs: { p50: number; p95: number; max: number } | null;
  alerts: number;
  /** Utterances waiting for recognition: the most at any time, and when the last packet arrived. */
  maxQueued: number;
  queuedAtLastPacket: number;
  /** From the last packet until every call's transcript was done (or the bench stopped waiting, 120 s). */
  catchUpMs: number;
  caughtUp: boolean;
  /** The longest stall of capture's thread while the model was loaded and first run, before the calls. */
  modelLoadMaxStallMs: number;
}

export interface CaptureBenchResult {
  cores: number;
  pinned: boolean;
  receiver: UdpReceiverChoice;
  liveSteps: LiveStepResult[];
  maxCallsZeroLoss: number;
  /**
   * What stopped the ladder at the first step above maxCallsZeroLoss: the capture (loss or lag with the generator on
   * pace), the generator (it missed its pace, so the step says nothing of the capture), or nothing (the top step
   * passed).
   */
  limitedBy: 'capture' | 'generator' | 'ladder top';
  /** SRTP authentication and decryption per packet, per suite (`npm run bench -- srtp` runs it alone). */
  srtp: import('./srtp.bench.ts').SrtpBenchResult;
  pcapImport: {
    packets: number;
    correlatePacketsPerSecond: number;
    withAssemblyPacketsPerSecond: number;
    runs: number;
  };
}

/* ---------- live capacity ---------- */

function spawnRole(role: string, cpu: number | undefined, env: Record<string, string>) {
  // ESCUCHA_CAPTURE_BENCH_PROFILE=<dir>: the server writes a CPU profile there (node --cpu-prof).
  const profile = role === 'server' ? process.env.ESCUCHA_CAPTURE_BENCH_PROFILE : undefined;
  const args = [
    ...NODE_RUNTIME_FLAGS,
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
    '--import',
    'tsx',
    SELF,
  ];
  const pinned = cpu !== undefined && spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', String(cpu), process.execPath, ...args] : args;
  const child = spawn(command, argv, {
    env: { ...process.env, ESCUCHA_CAPTURE_BENCH_ROLE: role, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const lines = async (pattern: RegExp, timeoutMs = 120_000): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(out);
      if (m) return m;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`${role}: no ${pattern} in: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, pinned, lines, output: () => out };
}

async function liveStep(
  calls: number,
  seconds: number,
  options: { live?: LiveMode; speechCalls?: number; pinServer?: boolean } = {},
): Promise<LiveStepResult> {
  const server = spawnRole('server', options.pinServer === false ? undefined : 0, {
    ...(options.live ? { BENCH_LIVE: options.live } : {}),
  });
  let generator: ReturnType<typeof spawnRole> | undefined;
  let done: RegExpExecArray;
  let result: RegExpExecArray;
  try {
    // With the live transcript, the server loads the model first.
    const ready = await server.lines(/READY (\d+)/, options.live === 'transcript' ? 600_000 : 120_000);
    generator = spawnRole('generator', os.availableParallelism() > 1 ? 1 : undefined, {
      BENCH_PORT: ready[1]!,
      BENCH_CALLS: String(calls),
      BENCH_SECONDS: String(seconds),
      BENCH_SPEECH_CALLS: String(options.speechCalls ?? 0),
    });
    done = await generator.lines(
      /SENT (\d+) ONPACE (\w+) END (\d+) LATE (\d+) ELAPSED (\d+) CPU (\d+)/,
      600_000,
    );
    result = await server.lines(/RESULT (\{.*\})/, 600_000);
  } catch (error) {
    // Neither process outlives a failed step.
    server.child.kill('SIGTERM');
    generator?.child.kill('SIGTERM');
    throw error;
  }
  // The server stops and removes its spool directory after printing its result: let it finish (killing it at once
  // left the directory behind), then make sure it is gone.
  if (server.child.exitCode === null) {
    await Promise.race([
      new Promise((resolve) => server.child.once('exit', resolve)),
      new Promise((resolve) => setTimeout(resolve, 30_000)),
    ]);
  }
  server.child.kill('SIGTERM');
  const r = JSON.parse(result[1]!) as {
    streams: number;
    received: number;
    lost: number;
    late: number;
    cpuPercent: number;
    lastDeliveryAt: number;
    maxJitterMs: number;
    transcript?: LiveTranscriptLoad;
  };
  const sent = Number(done[1]);
  return {
    calls,
    streams: r.streams,
    packetsSent: sent,
    lost: Math.max(r.lost, sent - r.received),
    late: r.late,
    serverCpuPercent: r.cpuPercent,
    lagMs: Math.round(r.lastDeliveryAt - Number(done[3])),
    maxJitterMs: round(r.maxJitterMs, 1),
    generatorOnPace: done[2] === 'true',
    generatorLateTicks: Number(done[4]),
    generatorElapsedMs: Number(done[5]),
    generatorCpuPercent: Number(done[6]),
    ...(r.transcript ? { transcript: r.transcript } : {}),
  };
}

async function serverRole(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-capture-bench-'));
  const sink = new CountingSink();
  const live = await liveSide(process.env.BENCH_LIVE as LiveMode | undefined);
  const service = new CaptureService({
    sink,
    logger: silentLogger(),
    ffmpegPath: resolveFfmpegPaths().ffmpeg,
    spoolDir: path.join(dir, 'spool'),
    flushMs: 500,
    silenceDtmf: true,
    rules: RULES,
    rtp: { range: { min: 20000, max: 59999 }, host: '127.0.0.1', receiver: RECEIVER },
    sip: {
      host: '127.0.0.1',
      port: 0,
      transports: ['udp'],
      allow: ['127.0.0.0/8'],
      acceptPlainInvite: true,
      mediaTimeoutMs: 600_000,
    },
    ...(live ? { liveTap: live.hub } : {}),
  });
  const status = await service.start();
  process.stdout.write(`READY ${status.sip!.udpPort}\n`);
  // CPU samples every 100 ms; the load window runs from the first RTP datagram handed to a recorder to the last.
  // Those times are when the receiver delivered them (polled every 10 ms), not when they arrived: the batched
  // receiver stamps datagrams with the kernel's arrival time, which says nothing of a capture falling behind.
  const samples: Array<{ at: number; cpu: number }> = [];
  const wall = () => performance.timeOrigin + performance.now();
  const sampler = setInterval(() => {
    const u = process.cpuUsage();
    samples.push({ at: wall(), cpu: (u.user + u.system) / 1000 });
  }, 100);
  const receiver = service.ports.receiver;
  let seen = 0;
  let firstDeliveryAt: number | undefined;
  let lastDeliveryAt = 0;
  const watcher = setInterval(() => {
    if (receiver.delivered === seen) return;
    seen = receiver.delivered;
    lastDeliveryAt = wall();
    firstDeliveryAt ??= lastDeliveryAt;
  }, 10);
  const sip = service.sip!;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (
      // Every call answered has ended and reached the sink (a dialog leaves activeCalls before its spool is
      // closed and counted in callsEnded, so the counts of ended and delivered calls are what tell).
      sip.stats.callsStarted > 0 &&
      sip.stats.activeCalls === 0 &&
      sip.stats.callsEnded === sip.stats.callsStarted &&
      service.delivery.pending === 0 &&
      sink.calls.length === sip.stats.callsEnded
    ) {
      break;
    }
  }
  clearInterval(sampler);
  clearInterval(watcher);
  const transcript = live ? await live.finish(lastDeliveryAt) : undefined;
  const streams = sink.calls.flatMap((c) => c.streams.map((s) => ({ ...s, origin: c.startedAt })));
  const received = streams.reduce((n, s) => n + s.packets, 0);
  const lost = streams.reduce((n, s) => n + s.lost, 0);
  const late = streams.reduce((n, s) => n + s.late, 0);
  const cpuAt = (t: number) =>
    samples.reduce((best, x) => (Math.abs(x.at - t) < Math.abs(best.at - t) ? x : best));
  const from = cpuAt(firstDeliveryAt ?? lastDeliveryAt);
  const to = cpuAt(lastDeliveryAt);
  process.stdout.write(
    `RESULT ${JSON.stringify({
      streams: streams.length,
      received,
      lost,
      late,
      lastDeliveryAt,
      // 0 when no stream reached the sink (everything lost): the step then fails on its loss count.
      maxJitterMs: Math.max(0, ...streams.map((s) => s.maxJitterMs).filter(Number.isFinite)),
      cpuPercent: to.at > from.at ? round(((to.cpu - from.cpu) / (to.at - from.at)) * 100, 1) : 0,
      ...(transcript ? { transcript } : {}),
    })}\n`,
  );
  await service.stop();
  await live?.close();
  await rm(dir, { recursive: true, force: true });
}

function sipMessage(lines: string[], body = ''): Buffer {
  return Buffer.from([...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
}

async function generatorRole(): Promise<void> {
  const port = Number(process.env.BENCH_PORT);
  const calls = Number(process.env.BENCH_CALLS);
  const seconds = Number(process.env.BENCH_SECONDS);
  const speechCalls = Math.min(calls, Number(process.env.BENCH_SPEECH_CALLS ?? 0));
  // The first BENCH_SPEECH_CALLS calls carry real speech (agent on the first stream, customer on the second), each
  // from its own point of the conversation; the others a tone.
  const talk = speechCalls > 0 ? await conversation() : undefined;
  const speech = talk && {
    agent: encodeG711(talk.agent, 'PCMU'),
    customer: encodeG711(talk.customer, 'PCMU'),
  };
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const local = socket.address().port;
  const answers = new Map<string, { toTag: string; ports: number[] }>();
  const ended = new Set<string>();
  socket.on('message', (data) => {
    const text = data.toString('latin1');
    if (!text.startsWith('SIP/2.0 200')) return;
    const callId = /Call-ID: (\S+)/.exec(text)![1]!;
    if (/CSeq: 2 BYE/.test(text)) ended.add(callId);
    if (!/CSeq: 1 INVITE/.test(text)) return;
    answers.set(callId, {
      toTag: /To: [^\r\n]*tag=([^;\s]+)/.exec(text)![1]!,
      ports: [...text.matchAll(/m=audio (\d+)/g)].map((m) => Number(m[1])),
    });
  });
  const send = (data: Buffer, to: number) =>
    new Promise<void>((resolve) => socket.send(data, to, '127.0.0.1', () => resolve()));
  const headers = (callId: string, method: string, cseq: number, toTag = '') => [
    `${method} sip:srs@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${callId}${method}`,
    `From: <sip:src@127.0.0.1>;tag=${callId}`,
    `To: <sip:srs@127.0.0.1>${toTag ? `;tag=${toTag}` : ''}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
  ];
  const sdp = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    'm=audio 9000 RTP/AVP 0',
    'a=label:1',
    'a=sendonly',
    'm=audio 9002 RTP/AVP 0',
    'a=label:2',
    'a=sendonly',
    '',
  ].join('\r\n');
  const ids = Array.from({ length: calls }, (_, i) => `bench${i}`);
  for (const id of ids) {
    await send(
      sipMessage([...headers(id, 'INVITE', 1), 'Require: siprec', 'Content-Type: application/sdp'], sdp),
      port,
    );
    while (!answers.has(id)) await new Promise((r) => setTimeout(r, 1));
    await send(sipMessage(headers(id, 'ACK', 1, answers.get(id)!.toTag)), port);
  }
  const payload = encodeG711(
    new Int16Array(160).map((_, i) => Math.round(6000 * Math.sin(i / 3))),
    'PCMU',
  );
  // Every stream's next packet sits in one buffer; each 20 ms tick writes the sequence numbers and timestamps in
  // and hands the whole tick to the kernel with sendmmsg (the capture addon's sendBatch) from one socket, so that
  // one generator core keeps the pace of well over 1,000 calls. (Node's dgram, one send per packet, could not
  // keep up beyond a few hundred calls on this machine's second core.)
  const native = loadUdpBatchAddon();
  if (!('addon' in native)) throw new Error(`the RTP generator needs the capture addon: ${native.reason}`);
  const sender = native.addon.openSender('127.0.0.1');
  const ports = ids.flatMap((id) => answers.get(id)!.ports);
  const template = encodeRtp({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, payload });
  const size = template.length;
  const packets = Buffer.alloc(ports.length * size);
  const meta = new Float64Array(ports.length * 3);
  for (const [i, port] of ports.entries()) {
    template.copy(packets, i * size);
    packets.writeUInt32BE(i + 1, i * size + 8);
    meta.set([i * size, size, port], i * 3);
  }
  const ticks = seconds * 50;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  let late = 0;
  for (let t = 0; t < ticks; t++) {
    const wait = start + t * 20 - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -20) late++;
    for (let i = 0; i < ports.length; i++) {
      packets.writeUInt16BE(t & 0xffff, i * size + 2);
      packets.writeUInt32BE((t * 160) >>> 0, i * size + 4);
    }
    if (talk && speech) {
      for (let c = 0; c < speechCalls; c++) {
        const from = (startInRound(c, speechCalls, talk.length) + t * 160) % talk.length;
        speech.agent.copy(packets, 2 * c * size + 12, from, from + 160);
        speech.customer.copy(packets, (2 * c + 1) * size + 12, from, from + 160);
      }
    }
    sent += native.addon.sendBatch(sender, '127.0.0.1', packets, meta, ports.length);
  }
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  // Let the last sends leave before the BYEs.
  await new Promise((r) => setTimeout(r, 50));
  // One BYE at a time, resent until answered as a SIP client over UDP would (thousands sent at once overflow the
  // server's SIP socket, and a call whose BYE is lost would wait for the media timeout).
  for (const id of ids) {
    const bye = sipMessage(headers(id, 'BYE', 2, answers.get(id)!.toTag));
    for (let waited = 0; !ended.has(id); waited++) {
      if (waited % 500 === 0) await send(bye, port);
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  const onPace = late < ticks * 0.02 && elapsed < seconds * 1000 * 1.05;
  process.stdout.write(
    `SENT ${sent} ONPACE ${onPace} END ${Math.round(performance.timeOrigin + start + elapsed)} LATE ${late} ELAPSED ${Math.round(elapsed)} CPU ${Math.round(((cpu.user + cpu.system) / 1000 / elapsed) * 100)}\n`,
  );
  socket.close();
  native.addon.closeUdp(null, sender);
}

/* ---------- live transcription beside capture ---------- */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type LinesStore = LiveTranscriberOptions['repository'];

/** The live transcript's store kept in memory: counts what the transcriber reports. */
class MemoryLines implements LinesStore {
  utterances = 0;
  recognised = 0;
  leftOut = 0;
  incomplete = 0;
  startTranscript(): Promise<void> {
    return Promise.resolve();
  }
  addLines(_captureId: string, _lines: readonly unknown[], counts: { recognised: number }): Promise<void> {
    this.recognised += counts.recognised;
    return Promise.resolve();
  }
  count(_captureId: string, found: number, dropped: number): Promise<void> {
    this.utterances += found;
    this.leftOut += dropped;
    return Promise.resolve();
  }
  finish(_captureId: string, _endedAt: Date | null, complete: boolean): Promise<void> {
    if (!complete) this.incomplete++;
    return Promise.resolve();
  }
  addAlert(a: NewLiveAlert): Promise<LiveAlertRow> {
    return Promise.resolve({
      ...a,
      alertId: crypto.randomUUID(),
      callId: null,
      raisedAt: a.raisedAt.toISOString(),
      acknowledgedBy: null,
      acknowledgedAt: null,
    });
  }
}

/**
 * The live side of the capture process for a mode: the hub capture feeds, and with `transcript` the live transcript
 * as serve starts it (Silero VAD in its worker thread, the default model in the recogniser pool, the alert rules),
 * with its lines in memory. `finish` waits for the transcript to catch up after the last packet and says how it
 * kept up.
 */
async function liveSide(mode: LiveMode | undefined): Promise<
  | {
      hub: LiveHub;
      finish(lastPacketAt: number): Promise<LiveTranscriptLoad | undefined>;
      close(): Promise<void>;
    }
  | undefined
> {
  if (!mode || mode === 'none') return undefined;
  const hub = new LiveHub({ logger: silentLogger() });
  if (mode === 'levels')
    return { hub, finish: () => Promise.resolve(undefined), close: () => Promise.resolve() };
  const config = loadConfig({
    env: process.env.ESCUCHA_RECOGNITION_CPUS
      ? { ESCUCHA_RECOGNITION_CPUS: process.env.ESCUCHA_RECOGNITION_CPUS }
      : {},
    overrides: { modelsDir: path.resolve(process.env.ESCUCHA_MODELS_DIR ?? './var/models') },
  });
  const recognizers = new RecognizerRegistry({
    models: new ModelStore({ modelsDir: config.modelsDir }),
    workers: config.asrWorkers,
    beamSize: config.asrBeamSize,
    cpus: config.recognitionCpus,
    logger: silentLogger(),
  });
  // The model is loaded before the calls (serve loads it at the first utterance): the run measures capture beside
  // recognition, not beside the model's loading, whose longest stall of this thread is reported on its own.
  const stall = monitorEventLoopDelay({ resolution: 10 });
  stall.enable();
  const recognizer = await recognizerOf(config, recognizers)(config.languages[0] ?? 'es');
  const tone = new Float32Array(16_000).map((_, i) => 0.1 * Math.sin(i / 5));
  await recognizer?.transcribe(
    (async function* () {
      yield { index: 0, segment: { startMs: 0, endMs: 1000 }, offsetMs: 0, samples: tone };
    })(),
    { language: config.languages[0] ?? 'es', sampleRate: 16_000 },
  );
  stall.disable();
  const modelLoadMaxStallMs = Math.round(stall.max / 1e6);
  const memory = new MemoryLines();
  const source = new VadWorkerSource({ cpus: config.recognitionCpus });
  await source.ready();
  const transcriber = new LiveTranscriber({
    hub,
    repository: memory,
    source,
    recognizer: recognizerOf(config, recognizers),
    alerts: alertRulesOf(config),
    languages: config.languages,
    maxRecognitions: config.live.maxRecognitions,
    maxCalls: config.live.maxCalls,
    queueSeconds: config.live.queueSeconds,
    logger: silentLogger(),
  });
  transcriber.start();
  const starts = new Map<string, number>();
  const delays: number[] = [];
  let alerts = 0;
  hub.on('call', (e) => {
    if (e.type === 'started') starts.set(e.call.captureId, e.call.startedAtMs);
  });
  hub.on('line', (l) => {
    const t0 = starts.get(l.captureId);
    if (t0 !== undefined) delays.push(Date.now() - (t0 + l.endMs));
  });
  hub.on('alert', () => alerts++);
  let maxQueued = 0;
  const sampler = setInterval(() => (maxQueued = Math.max(maxQueued, transcriber.queued)), 100);
  return {
    hub,
    async finish(lastPacketAt) {
      const queuedAtLastPacket = transcriber.queued;
      const caughtUp = await Promise.race([
        transcriber.idle().then(() => true),
        sleep(120_000).then(() => false),
      ]);
      const catchUpMs = Math.max(0, Math.round(Date.now() - lastPacketAt));
      clearInterval(sampler);
      return {
        utterances: memory.utterances,
        recognised: memory.recognised,
        leftOut: memory.leftOut,
        incompleteCalls: memory.incomplete,
        lines: delays.length,
        lineDelayMs:
          delays.length === 0
            ? null
            : {
                p50: Math.round(percentile(delays, 50)),
                p95: Math.round(percentile(delays, 95)),
                max: Math.round(Math.max(...delays)),
              },
        alerts,
        maxQueued,
        queuedAtLastPacket,
        catchUpMs,
        caughtUp,
        modelLoadMaxStallMs,
      };
    },
    async close() {
      await transcriber.stop();
      // A recognition still running finishes before the pool may be closed.
      await transcriber.idle();
      await recognizers.close();
    },
  };
}

export interface CaptureLiveResult {
  cores: number;
  loadAverage: { start: number[]; end: number[] };
  calls: number;
  speechCalls: number;
  seconds: number;
  /**
   * Whether the capture process (its recognition threads with it) ran pinned to core 0, as in the capture ladder,
   * or unpinned, as serve runs (recognition gets the cores serve would give it); the generator is on core 1.
   */
  serverPinned: boolean;
  /** Each run with the machine's load average (1, 5, 15 min) when it ended. */
  runs: Array<{ mode: LiveMode; loadAverage: number[] } & LiveStepResult>;
  /** Whether capture lost no packet and kept up in every run. */
  zeroLossInEveryRun: boolean;
}

/**
 * Capture with live transcription beside it, against the same run without (`npm run bench -- capture-live`): the same
 * N SIPREC calls (BENCH_CALLS, default 800, the count one step of the capture ladder recorded without loss) for
 * BENCH_SECONDS (default 35, one round of the conversation), of which BENCH_SPEECH_CALLS (default 8) carry real
 * speech (conversation.ts, each call from its own point of the round) and the rest a tone, once per mode of
 * BENCH_LIVE_MODES (default `levels,transcript`: the live hub alone as serve always has it, then the hub with the
 * live transcript). The capture process runs unpinned, as serve does, so that recognition competes with capture for
 * the machine's cores as it would there; with BENCH_PIN_SERVER=1 it runs pinned to core 0 as in the capture ladder,
 * its recognition threads (niced) on the same core unless ESCUCHA_RECOGNITION_CPUS keeps them to others (`1`: the
 * generator's core, where they take what the generator leaves), so that the ladder's count can be checked with
 * recognition beside it. The generator stays on core 1.
 */
export async function runWithLiveTranscript(): Promise<CaptureLiveResult> {
  const calls = Number(process.env.BENCH_CALLS ?? 800);
  const speechCalls = Math.min(calls, Number(process.env.BENCH_SPEECH_CALLS ?? 8));
  const seconds = Number(process.env.BENCH_SECONDS ?? 35);
  const modes = (process.env.BENCH_LIVE_MODES ?? 'levels,transcript').split(',') as LiveMode[];
  const pinServer = process.env.BENCH_PIN_SERVER === '1';
  const start = os.loadavg().map((v) => round(v, 2));
  const runs: CaptureLiveResult['runs'] = [];
  for (const mode of modes) {
    console.error(`capture-live: ${calls} calls, ${speechCalls} with speech, live ${mode}...`);
    const step = await liveStep(calls, seconds, { live: mode, speechCalls, pinServer });
    const ran = { mode, loadAverage: os.loadavg().map((v) => round(v, 2)), ...step };
    runs.push(ran);
    console.log(JSON.stringify(ran));
  }
  return {
    cores: os.availableParallelism(),
    loadAverage: { start, end: os.loadavg().map((v) => round(v, 2)) },
    calls,
    speechCalls,
    seconds,
    serverPinned: pinServer && spawnSync('sh', ['-c', 'command -v taskset']).status === 0,
    runs,
    zeroLossInEveryRun: runs.every((r) => r.lost === 0 && r.lagMs < 100),
  };
}

/* ---------- pcap import ---------- */

export async function syntheticCapture(file: string, calls: number, seconds: number): Promise<number> {
  const frames: WrittenFrame[] = [];
  const t0 = 1_790_000_000;
  const payload = encodeG711(
    new Int16Array(160).map((_, i) => Math.round(6000 * Math.sin(i / 4))),
    'PCMU',
  );
  const at = (ms: number, data: Buffer) =>
    frames.push({ seconds: t0 + Math.floor(ms / 1000), fraction: Math.round((ms % 1000) * 1000), data });
  for (let c = 0; c < calls; c++) {
    const a = `10.0.${c >> 8}.${(c & 255) + 1}`;
    const b = '10.9.9.9';
    const sdp = (ip: string, port: number) =>
      ['v=0', `o=- 1 1 IN IP4 ${ip}`, 's=-', `c=IN IP4 ${ip}`, 't=0 0', `m=audio ${port} RTP/AVP 0`, ''].join(
        '\r\n',
      );
    const base = [
      `From: <sip:100${c}@pbx>;tag=f${c}`,
      `Call-ID: bench-${c}`,
      'Via: SIP/2.0/UDP x;branch=z9hG4bKb',
    ];
    at(
      c,
      udpFrame(
        a,
        b,
        5060,
        5060,
        sipMessage(
          [
            'INVITE sip:x SIP/2.0',
            ...base,
            'To: <sip:+15550001@c>',
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(a, 20000 + c * 2),
        ),
      ),
    );
    at(
      c + 1,
      udpFrame(
        b,
        a,
        5060,
        5060,
        sipMessage(
          [
            'SIP/2.0 200 OK',
            ...base,
            'To: <sip:+15550001@c>;tag=t',
            'CSeq: 1 INVITE',
            'Content-Type: application/sdp',
          ],
          sdp(b, 30000 + c * 2),
        ),
      ),
    );
  }
  for (let t = 0; t < seconds * 50; t++) {
    for (let c = 0; c < calls; c++) {
      const a = `10.0.${c >> 8}.${(c & 255) + 1}`;
      at(
        100 + t * 20,
        udpFrame(
          a,
          '10.9.9.9',
          20000 + c * 2,
          30000 + c * 2,
          encodeRtp({ payloadType: 0, sequence: t, timestamp: t * 160, ssrc: c * 2 + 1, payload }),
        ),
      );
      at(
        100 + t * 20 + 1,
        udpFrame(
          '10.9.9.9',
          a,
          30000 + c * 2,
          20000 + c * 2,
          encodeRtp({ payloadType: 0, sequence: t, timestamp: t * 160, ssrc: c * 2 + 2, payload }),
        ),
      );
    }
  }
  for (let c = 0; c < calls; c++) {
    const a = `10.0.${c >> 8}.${(c & 255) + 1}`;
    at(
      200 + seconds * 1000,
      udpFrame(
        a,
        '10.9.9.9',
        5060,
        5060,
        sipMessage([
          'BYE sip:x SIP/2.0',
          `From: <sip:100${c}@pbx>;tag=f${c}`,
          'To: <sip:+15550001@c>;tag=t',
          `Call-ID: bench-${c}`,
          'Via: SIP/2.0/UDP x;branch=z9hG4bKc',
          'CSeq: 2 BYE',
        ]),
      ),
    );
  }
  await writeFile(file, writePcap(frames));
  return frames.length;
}

/** Runs of the pcap import; the median is reported (five: on a shared machine the first runs also pay the JIT). */
const PCAP_RUNS = 5;

async function pcapImport(): Promise<CaptureBenchResult['pcapImport']> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-pcap-bench-'));
  try {
    const file = path.join(dir, 'calls.pcap');
    const packets = await syntheticCapture(file, 20, 60);
    const correlate: number[] = [];
    const total: number[] = [];
    for (let run = 0; run < PCAP_RUNS; run++) {
      const started = performance.now();
      const report = await importCaptureFiles([file], {
        sink: new CountingSink(),
        rules: RULES,
        logger: silentLogger(),
        ffmpegPath: resolveFfmpegPaths().ffmpeg,
        workDir: path.join(dir, `work${run}`),
        silenceDtmf: true,
        orphanRtp: false,
      });
      if (report.archived.length !== 20)
        throw new Error(`expected 20 calls, archived ${report.archived.length}`);
      correlate.push(report.packetsPerSecond);
      total.push(packets / ((performance.now() - started) / 1000));
    }
    return {
      packets,
      correlatePacketsPerSecond: Math.round(median(correlate)),
      withAssemblyPacketsPerSecond: Math.round(median(total)),
      runs: PCAP_RUNS,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A step is sustained when nothing was lost, the server kept real time and the generator kept its pace. */
const kept = (step: LiveStepResult): boolean => step.lost === 0 && step.lagMs < 100 && step.generatorOnPace;

export async function run(): Promise<CaptureBenchResult> {
  const seconds = 10;
  const steps: CaptureBenchResult['liveSteps'] = [];
  let best = 0;
  let failing: number | undefined;
  for (let calls = 50; calls <= 3200; calls *= 2) {
    const step = await liveStep(calls, seconds);
    steps.push(step);
    if (kept(step)) best = calls;
    else {
      failing = calls;
      break;
    }
  }
  // Bisect between the last good and the first bad step (to within 10 %).
  while (failing !== undefined && failing - best > Math.max(10, best * 0.1)) {
    const calls = Math.round((best + failing) / 2);
    const step = await liveStep(calls, seconds);
    steps.push(step);
    if (kept(step)) best = calls;
    else failing = calls;
  }
  const pinned = spawnSync('sh', ['-c', 'command -v taskset']).status === 0;
  // `failing` ends as the lowest step that failed: the one just above maxCallsZeroLoss.
  const lowestFailing = steps.find((s) => s.calls === failing);
  return {
    cores: os.availableParallelism(),
    pinned,
    receiver: RECEIVER,
    liveSteps: steps,
    maxCallsZeroLoss: best,
    limitedBy: !lowestFailing ? 'ladder top' : lowestFailing.generatorOnPace ? 'capture' : 'generator',
    pcapImport: await pcapImport(),
    srtp: await (await import('./srtp.bench.ts')).run(),
  };
}

if (ROLE === 'server') await serverRole();
else if (ROLE === 'generator') await generatorRole();
// One part alone, for before/after comparisons: `pcap` (the import figure) or `live` with BENCH_CALLS (one step of
// BENCH_SECONDS, default 10).
else if (ROLE === 'pcap') process.stdout.write(`${JSON.stringify(await pcapImport())}\n`);
else if (ROLE === 'live')
  process.stdout.write(
    `${JSON.stringify(await liveStep(Number(process.env.BENCH_CALLS ?? 500), Number(process.env.BENCH_SECONDS ?? 10)))}\n`,
  );

import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createSocket, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
import os from 'node:os';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import path from 'node:path';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import {
  CaptureService,
  type CaptureServiceOptions,
  type CaptureStatus,
} from '../../../services/capture/capture.service.ts';
import type { CallSink, CapturedCall } from '../../../services/capture/captured-call.ts';
import {
  DEFAULT_AGENT_PATTERN,
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  type MetadataRules,
} from '../../../services/capture/call.metadata.ts';
import { encodeG711, type G711Law } from '../../../services/capture/rtp/g711.ts';
import { encodeTelephoneEvent } from '../../../services/capture/rtp/rfc4733.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { parseSipMessage, type SipResponse } from '../../../services/capture/sip/sip.message.ts';
import { createLogger, silentLogger } from '../../../services/platform/logger.ts';

/** Shared pieces of the capture integration tests: a SIP client, an RTP sender, a sink that keeps calls. */

export const RULES: MetadataRules = {
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: new RegExp(DEFAULT_AGENT_PATTERN, 'i'),
  defaultAgent: 'caller',
};

/** Keeps every delivered call (its WAV copied out of the spool); can be told to fail. */
export class MemorySink implements CallSink {
  readonly calls: CapturedCall[] = [];
  failing = false;
  attempts = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly dir: string) {}

  async deliver(call: CapturedCall): Promise<{ callId: string; created: boolean }> {
    this.attempts++;
    if (this.failing) throw new Error('sink unavailable');
    const copy = path.join(this.dir, `${call.captureId}.wav`);
    await copyFile(call.filePath, copy);
    this.calls.push({ ...call, filePath: copy });
    for (const w of this.waiters.splice(0)) w();
    return { callId: call.captureId, created: true };
  }

  /** The delivered call with this SIP Call-ID, waiting for it. */
  async waitForCall(sipCallId: string, timeoutMs = 20_000): Promise<CapturedCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.find((c) => c.metadata.sipCallId === sipCallId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`call ${sipCallId} was not delivered`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async waitFor(count: number, timeoutMs = 20_000): Promise<CapturedCall[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.calls.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} calls, got ${this.calls.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.calls;
  }
}

export interface Harness {
  service: CaptureService;
  status: CaptureStatus;
  sink: MemorySink;
  dir: string;
  spoolDir: string;
  sipPort: number;
  close(): Promise<void>;
}

let rangeBase = 20000 + Math.floor(Math.random() * 400) * 20;

export async function startHarness(
  overrides: Omit<Partial<CaptureServiceOptions>, 'rtp'> & {
    rtp?: Partial<CaptureServiceOptions['rtp']>;
  } = {},
  sip: Partial<NonNullable<CaptureServiceOptions['sip']>> = {},
): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-capture-'));
  const spoolDir = overrides.spoolDir ?? path.join(dir, 'spool');
  const sink = new MemorySink(dir);
  const used = overrides.sink ?? sink;
  rangeBase += 20;
  const service = new CaptureService({
    sink: used,
    logger: process.env.CAPTURE_TEST_LOG
      ? createLogger({ level: process.env.CAPTURE_TEST_LOG })
      : silentLogger(),
    ffmpegPath: resolveFfmpegPaths().ffmpeg,
    spoolDir,
    flushMs: 100,
    silenceDtmf: true,
    keepDtmfDigits: true,
    rules: RULES,
    sip: {
      host: '127.0.0.1',
      port: 0,
      transports: ['udp', 'tcp'],
      allow: ['127.0.0.0/8'],
      acceptPlainInvite: false,
      mediaTimeoutMs: 60_000,
      ...sip,
    },
    delivery: { retryMs: 200, maxRetryMs: 1000 },
    ...overrides,
    rtp: { range: { min: rangeBase, max: rangeBase + 19 }, host: '127.0.0.1', ...overrides.rtp },
  });
  const status = await service.start();
  return {
    service,
    status,
    sink,
    dir,
    spoolDir,
    sipPort: status.sip?.udpPort ?? 0,
    close: async () => {
      await service.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A SIP endpoint on UDP (or TCP) that sends raw requests and collects responses. */
export class SipClient {
  readonly responses: SipResponse[] = [];
  private socket: Socket | undefined;
  private tcp: TcpSocket | undefined;
  private tcpBuffer = '';
  port = 0;

  /** `host`: the loopback address to send from (127.0.0.2 is another source on Linux). */
  static async udp(host = '127.0.0.1'): Promise<SipClient> {
    const client = new SipClient();
    const socket = createSocket('udp4');
    client.socket = socket;
    socket.on('message', (data) => client.collect(data));
    await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
    client.port = socket.address().port;
    return client;
  }

  static async tcpTo(port: number, localAddress = '127.0.0.1'): Promise<SipClient> {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return SipClient.overStream(socket);
  }

  /** A SIP client over TLS, connected once the handshake is done (`options`: CA, client certificate...). */
  static async tlsTo(port: number, options: ConnectionOptions = {}): Promise<SipClient> {
    const socket = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ...options });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', () => resolve());
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    return SipClient.overStream(socket);
  }

  private static overStream(socket: TcpSocket): SipClient {
    const client = new SipClient();
    client.tcp = socket;
    client.port = socket.localPort ?? 0;
    socket.on('data', (chunk: Buffer) => {
      client.tcpBuffer += chunk.toString('latin1');
      for (;;) {
        const end = client.tcpBuffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length:\s*(\d+)/i.exec(client.tcpBuffer.slice(0, end))?.[1] ?? '0');
        if (client.tcpBuffer.length < end + 4 + length) return;
        const message = client.tcpBuffer.slice(0, end + 4 + length);
        client.tcpBuffer = client.tcpBuffer.slice(end + 4 + length);
        client.collect(Buffer.from(message, 'latin1'));
      }
    });
    return client;
  }

  /** Whether the stream connection has been closed by either side. */
  get closed(): boolean {
    return this.tcp === undefined || this.tcp.destroyed || this.tcp.readableEnded;
  }

  private collect(data: Buffer): void {
    try {
      const m = parseSipMessage(data);
      if (m.kind === 'response') this.responses.push(m);
    } catch {
      // not for the tests
    }
  }

  send(message: string | Buffer, port: number): void {
    const data = typeof message === 'string' ? Buffer.from(message) : message;
    if (this.tcp) this.tcp.write(data);
    else this.socket?.send(data, port, '127.0.0.1');
  }

  /** Waits for the `nth` (1-based) response matching. */
  async waitFor(match: (r: SipResponse) => boolean, nth = 1, timeoutMs = 5000): Promise<SipResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.responses.filter(match);
      if (found.length >= nth) return found[nth - 1]!;
      if (Date.now() > deadline) {
        throw new Error(
          `no response matched; got ${this.responses.map((r) => `${r.status} ${r.headers.get('CSeq')}`).join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket?.close();
    this.tcp?.destroy();
  }
}

export const status =
  (code: number, method?: string) =>
  (r: SipResponse): boolean =>
    r.status === code &&
    (method === undefined || (r.headers.get('CSeq') ?? '').toUpperCase().endsWith(method));

export interface RequestOptions {
  method: string;
  callId: string;
  cseq: number;
  fromTag?: string;
  toTag?: string;
  branch?: string;
  port: number;
  clientPort: number;
  transport?: 'UDP' | 'TCP' | 'TLS';
  /** Request-URI (default `sip:srs@127.0.0.1:<port>`). */
  uri?: string;
  headers?: string[];
  contentType?: string;
  body?: string;
  from?: string;
  to?: string;
}

export function request(o: RequestOptions): string {
  const body = o.body ?? '';
  const lines = [
    `${o.method} ${o.uri ?? `sip:srs@127.0.0.1:${o.port}`} SIP/2.0`,
    `Via: SIP/2.0/${o.transport ?? 'UDP'} 127.0.0.1:${o.clientPort};branch=${o.branch ?? `z9hG4bK${Math.random().toString(36).slice(2)}`};rport`,
    `From: ${o.from ?? '<sip:src@127.0.0.1>'};tag=${o.fromTag ?? 'src1'}`,
    `To: ${o.to ?? '<sip:srs@127.0.0.1>'}${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} ${o.method}`,
    'Max-Forwards: 70',
    `Contact: <sip:src@127.0.0.1:${o.clientPort}>`,
    ...(o.headers ?? []),
    ...(o.contentType ? [`Content-Type: ${o.contentType}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

export function sdpOffer(
  ports: number[],
  options: { direction?: string; labels?: string[]; codec?: 'PCMU' | 'PCMA' } = {},
): string {
  const pt = options.codec === 'PCMA' ? 8 : 0;
  const lines = ['v=0', 'o=src 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
  ports.forEach((port, i) => {
    lines.push(`m=audio ${port} RTP/AVP ${pt} 101`);
    lines.push(
      `a=rtpmap:${pt} ${options.codec ?? 'PCMU'}/8000`,
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
    );
    if (options.labels?.[i] !== undefined) lines.push(`a=label:${options.labels[i]}`);
    lines.push(`a=${options.direction ?? 'sendonly'}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}

export function siprecMetadata(options: {
  callerAor: string;
  calleeAor: string;
  labels: [string, string];
  extension?: string;
}): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<recording xmlns="urn:ietf:params:xml:ns:recording:1">
  <datamode>complete</datamode>
  <session session_id="c2Vzc2lvbi0x"><sipSessionID>call-1@pbx</sipSessionID></session>
  <participant participant_id="cA=="><nameID aor="${options.callerAor}"><name>Caller</name></nameID></participant>
  <participant participant_id="cB=="><nameID aor="${options.calleeAor}"><name>Callee</name></nameID></participant>
  <stream stream_id="c0A=" session_id="c2Vzc2lvbi0x"><label>${options.labels[0]}</label></stream>
  <stream stream_id="c0B=" session_id="c2Vzc2lvbi0x"><label>${options.labels[1]}</label></stream>
  <participantstreamassoc participant_id="cA=="><send>c0A=</send><recv>c0B=</recv></participantstreamassoc>
  <participantstreamassoc participant_id="cB=="><send>c0B=</send><recv>c0A=</recv></participantstreamassoc>
  ${options.extension ?? ''}
</recording>`;
}

export function multipart(
  sdp: string,
  metadata: string,
  boundary = 'escucha-boundary',
): { contentType: string; body: string } {
  const body = [
    `--${boundary}`,
    'Content-Type: application/sdp',
    '',
    sdp,
    `--${boundary}`,
    'Content-Type: application/rs-metadata+xml',
    'Content-Disposition: recording-session',
    '',
    metadata,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { contentType: `multipart/mixed;boundary=${boundary}`, body };
}

/** Media port of each m-line in an SDP answer. */
export function answerPorts(sdp: string): number[] {
  return [...sdp.matchAll(/^m=audio (\d+) /gm)].map((m) => Number(m[1]));
}

export function tone(
  seconds: number,
  frequency: number,
  amplitude = 8000,
  rate = 8000,
  phase = 0,
): Int16Array {
  const out = new Int16Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++)
    out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (i + phase)) / rate));
  return out;
}

export interface RtpPlan {
  samples: Int16Array;
  law?: G711Law;
  ssrc?: number;
  /** DTMF key presses: event number, start and duration in ms (sent as RFC 4733 events beside the audio). */
  dtmf?: Array<{ event: number; startMs: number; durationMs: number }>;
  /** Spans sent as nothing at all (pause), in ms. */
  gaps?: Array<{ startMs: number; endMs: number }>;
}

/** The RTP packets of a stream at 20 ms, with their send offsets in ms. */
export function rtpPackets(plan: RtpPlan): Array<{ atMs: number; data: Buffer }> {
  const law = plan.law ?? 'PCMU';
  const pt = law === 'PCMU' ? 0 : 8;
  const ssrc = plan.ssrc ?? 0x1234abcd;
  const out: Array<{ atMs: number; data: Buffer }> = [];
  let seq = 1000;
  const frames = Math.floor(plan.samples.length / 160);
  for (let f = 0; f < frames; f++) {
    const atMs = f * 20;
    if (plan.gaps?.some((g) => atMs >= g.startMs && atMs < g.endMs)) continue;
    const payload = encodeG711(plan.samples.subarray(f * 160, (f + 1) * 160), law);
    out.push({
      atMs,
      data: encodeRtp({ payloadType: pt, sequence: seq++, timestamp: f * 160, ssrc, payload }),
    });
    // Gateways send the key press both in band (the tone is in the audio) and as RFC 4733 events.
    const key = plan.dtmf?.find((d) => atMs >= d.startMs && atMs < d.startMs + d.durationMs);
    if (key) {
      const duration = (atMs - key.startMs + 20) * 8;
      const last = atMs + 20 >= key.startMs + key.durationMs;
      const event = encodeTelephoneEvent({ event: key.event, end: last, volume: 10, duration });
      for (let i = 0; i < (last ? 3 : 1); i++) {
        out.push({
          atMs,
          data: encodeRtp({
            payloadType: 101,
            sequence: seq++,
            timestamp: key.startMs * 8,
            ssrc,
            marker: atMs === key.startMs,
            payload: event,
          }),
        });
      }
    }
  }
  return out;
}

/** Sends packets in real time from one socket to a port on loopback. */
/**
 * Sends packets at their times (from now); returns how long the sending took in ms, first packet to last (longer than
 * the packets' times say when the machine is loaded and a timer fires late).
 */
export async function sendRtp(packets: Array<{ atMs: number; data: Buffer }>, port: number): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const start = performance.now();
  let first = -1;
  let last = start;
  for (const p of packets) {
    const wait = start + p.atMs - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    await new Promise<void>((resolve) => socket.send(p.data, port, '127.0.0.1', () => resolve()));
    last = performance.now();
    if (first < 0) first = last;
  }
  socket.close();
  return first < 0 ? 0 : last - first;
}

export interface Wav {
  sampleRate: number;
  channels: number;
  samples: Int16Array[];
}

export async function readWav(file: string): Promise<Wav> {
  const data = await readFile(file);
  const channels = data.readUInt16LE(22);
  const sampleRate = data.readUInt32LE(24);
  let at = 12;
  while (at < data.length && data.toString('latin1', at, at + 4) !== 'data')
    at += 8 + data.readUInt32LE(at + 4);
  const size = data.readUInt32LE(at + 4);
  const frames = Math.floor(size / (2 * channels));
  const samples = Array.from({ length: channels }, () => new Int16Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) samples[c]![i] = data.readInt16LE(at + 8 + (i * channels + c) * 2);
  }
  return { sampleRate, channels, samples };
}

export function rms(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0;
  const a = Math.max(0, from);
  const b = Math.min(samples.length, to);
  for (let i = a; i < b; i++) sum += samples[i]! * samples[i]!;
  return b > a ? Math.sqrt(sum / (b - a)) : 0;
}

/** A TCP forwarder that can be taken down and brought back on the same port (a storage endpoint outage). */
export class TcpProxy {
  private server: import('node:net').Server | undefined;
  private readonly sockets = new Set<TcpSocket>();
  port = 0;

  constructor(private readonly target: number) {}

  async start(port = this.port): Promise<number> {
    const { createServer } = await import('node:net');
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : port;
    return this.port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

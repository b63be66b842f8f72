import { createSocket, type Socket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallSink, CapturedCall } from '../../../services/capture/captured-call.ts';
import { PacketCorrelator, type NetPacket } from '../../../services/capture/passive/packet.correlator.ts';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { assembleCall } from '../../../services/capture/spool/call.assembler.ts';
import { readSpool, SPOOL_FILE } from '../../../services/capture/spool/spool.log.ts';
import { parseSipMessage, type SipResponse } from '../../../services/capture/sip/sip.message.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import {
  answerPorts,
  MemorySink,
  multipart,
  request,
  RULES,
  rtpPackets,
  sdpOffer,
  siprecMetadata,
  startHarness,
  tone,
  type Harness,
} from './capture-harness.ts';

/**
 * The recording server and passive capture read a dialog through one state machine (capture/dialog/sip.dialog.ts).
 * Each row here is a SIP exchange played to the real server over UDP, with its RTP; every datagram that crossed
 * the wire (requests, the server's answers, RTP) is kept with its time and then fed to the passive correlator, as a
 * capture of the same call would be. Both must record the same call: streams, pauses, key presses, metadata and
 * the reason it ended.
 *
 * What the two paths did differently before they shared it, each covered by a row:
 * - key presses and pauses sent in INFO before the first RTP packet were lost by passive capture (no call yet);
 * - passive capture acted on a retransmitted request again (a retransmitted INFO was a second key press);
 * - a SIPREC session offered inactive from the start began paused on the server, not in passive capture;
 * - a CANCEL after the answer ended the passive call (it changes nothing in SIP, and nothing on the server);
 * - passive capture kept headers of every request (OPTIONS, NOTIFY...) as metadata, the server only those of
 *   INVITE, UPDATE, INFO and BYE;
 * - passive capture applied a re-INVITE's hold and metadata even when it was refused; it learnt SIPREC only from
 *   metadata or `+sip.src`, not from the `siprec` option tag; it ended a paused call after the plain idle time.
 */

const HOST = '127.0.0.1';

interface Wire {
  packets: NetPacket[];
}

/** A UDP socket whose sends are written to the wire log. */
async function tappedSocket(
  wire: Wire,
): Promise<{ socket: Socket; port: number; send(data: Buffer, port: number): Promise<void> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, HOST, () => resolve()));
  const own = socket.address().port;
  return {
    socket,
    port: own,
    send: (data, port) =>
      new Promise<void>((resolve) => {
        wire.packets.push({
          timeMs: Date.now(),
          src: HOST,
          srcPort: own,
          dst: HOST,
          dstPort: port,
          transport: 'udp',
          payload: data,
        });
        socket.send(data, port, HOST, () => resolve());
      }),
  };
}

/** Where a request of a row goes, and in which dialog. */
interface StepContext {
  callId: string;
  toTag: string;
  cseq: number;
  port: number;
  clientPort: number;
}

interface Step {
  /** Offset from the answer, ms. */
  atMs: number;
  /** A request in the dialog; sent twice (a retransmission) when `twice`. */
  request: (c: StepContext) => string;
  twice?: boolean;
  /** The server's final answer (default 200). */
  expect?: number;
}

interface Row {
  name: string;
  callId: string;
  invite: { contentType: string; body: string; headers?: string[] };
  streams: number;
  /** RTP sent on each answered port: ms of audio, and spans left silent (no packets). */
  rtpMs: number;
  gaps?: Array<{ startMs: number; endMs: number }>;
  steps: Step[];
  bye: string[];
  /** What both must find: key presses (digit, ms), pause reasons, metadata fields (undefined: absent), the end. */
  want: { keys: Array<[string, number]>; pauses: string[]; metadata: Record<string, unknown>; ended: string };
}

const siprecInvite = (direction = 'sendonly', headers: string[] = []) => ({
  ...multipart(
    sdpOffer([36000, 36002], { labels: ['1', '2'], direction }),
    siprecMetadata({ callerAor: 'sip:+573001112233@carrier', calleeAor: 'sip:4711@pbx', labels: ['1', '2'] }),
  ),
  headers: ['Require: siprec', ...headers],
});

function info(type: string, body: string, headers: string[] = []): Step['request'] {
  return (c) =>
    request({ ...c, method: 'INFO', contentType: type, body, headers, branch: `z9hG4bKinfo${c.cseq}` });
}

function reinvite(direction: string, headers: string[] = []): Step['request'] {
  const { contentType, body } = siprecInvite(direction);
  return (c) => request({ ...c, method: 'INVITE', contentType, body, headers });
}

const ROWS: Row[] = [
  {
    name: 'SIPREC key presses in INFO: dtmf-relay, application/dtmf retransmitted, a 60 s press capped; BYE headers',
    callId: 'parity-keys',
    invite: siprecInvite('sendonly', ['X-Campaign: spring']),
    streams: 2,
    rtpMs: 1200,
    steps: [
      { atMs: 300, request: info('application/dtmf-relay', 'Signal=5\r\nDuration=200\r\n') },
      { atMs: 500, twice: true, request: info('application/dtmf', '7') },
      { atMs: 700, request: info('application/dtmf-relay', 'Signal=#\r\nDuration=60000\r\n') },
      { atMs: 800, request: info('application/dtmf-relay', 'Signal=Z\r\n'), expect: 400 },
    ],
    bye: ['X-Disposition: promise-to-pay'],
    want: {
      keys: [
        ['5', 200],
        ['7', 160],
        ['#', 10_000],
      ],
      pauses: [],
      metadata: { campaign: 'spring', disposition: 'promise-to-pay', agentName: 'Callee' },
      ended: 'bye',
    },
  },
  {
    name: 'SIPREC pause and resume by re-INVITE (inactive, then sendonly), with a header that changes',
    callId: 'parity-hold',
    invite: siprecInvite('sendonly', ['X-Campaign: spring']),
    streams: 2,
    rtpMs: 1400,
    gaps: [{ startMs: 400, endMs: 900 }],
    steps: [
      { atMs: 400, request: reinvite('inactive', ['X-Campaign: summer']) },
      { atMs: 900, request: reinvite('sendonly') },
    ],
    bye: [],
    want: { keys: [], pauses: ['inactive'], metadata: { campaign: 'summer' }, ended: 'bye' },
  },
  {
    name: 'SIPREC offered inactive from the start, resumed by re-INVITE; a key press before any RTP',
    callId: 'parity-inactive',
    invite: siprecInvite('inactive'),
    streams: 2,
    rtpMs: 1000,
    gaps: [{ startMs: 0, endMs: 400 }],
    steps: [
      { atMs: 100, request: info('application/dtmf-relay', 'Signal=9\r\nDuration=120\r\n') },
      { atMs: 400, request: reinvite('sendonly') },
    ],
    bye: [],
    want: { keys: [['9', 120]], pauses: ['inactive'], metadata: { calleeNumber: '4711' }, ended: 'bye' },
  },
  {
    name: 'plain SIP: INFO pause and resume by header, OPTIONS headers not kept, a CANCEL after the answer ignored',
    callId: 'parity-plain',
    invite: {
      contentType: 'application/sdp',
      body: sdpOffer([36000], { direction: 'sendrecv' }),
      headers: ['X-Agent-Id: 4711'],
    },
    streams: 1,
    rtpMs: 1200,
    gaps: [{ startMs: 300, endMs: 700 }],
    steps: [
      { atMs: 300, request: info('text/plain', '', ['X-Recording-Action: pause']) },
      {
        atMs: 500,
        request: (c) => request({ ...c, method: 'OPTIONS', headers: ['X-Campaign: not-this'] }),
      },
      { atMs: 700, request: info('text/plain', 'resume') },
      {
        // The INVITE's transaction, answered long ago: the CANCEL is answered and does nothing.
        atMs: 800,
        request: (c) =>
          request({ ...c, method: 'CANCEL', cseq: 1, toTag: undefined, branch: 'z9hG4bKinvite' }),
      },
    ],
    bye: ['X-Disposition: callback'],
    want: {
      keys: [],
      pauses: ['info'],
      metadata: { agentId: '4711', disposition: 'callback', campaign: undefined },
      ended: 'bye',
    },
  },
];

/** What both paths must agree on. */
interface Facts {
  streams: Array<[number, string | null, string, number]>;
  pauses: Array<{ reason: string; startMs: number; endMs: number }>;
  keys: Array<{ digit: string; channel: number; method: string; durationMs: number; startMs: number }>;
  metadata: Record<string, unknown>;
  ended: string | undefined;
}

async function endReasonOf(dir: string): Promise<string | undefined> {
  let reason: string | undefined;
  await readSpool(
    path.join(dir, SPOOL_FILE),
    (r) => {
      if (r.type === 'event' && r.event.t === 'end') reason = String(r.event.reason);
    },
    { eventsOnly: true },
  );
  return reason;
}

function factsOf(call: CapturedCall, ended: string | undefined): Facts {
  const { startedAt: _s, endedAt: _e, ...metadata } = call.metadata;
  return {
    streams: call.streams
      .map((s): [number, string | null, string, number] => [s.channel, s.label, s.codec, s.packets])
      .sort((a, b) => a[0] - b[0] || String(a[1]).localeCompare(String(b[1]))),
    pauses: call.pauses.map((p) => ({ reason: p.reason, startMs: p.startMs, endMs: p.endMs })),
    keys: call.dtmf.map((d) => ({
      digit: d.digit,
      channel: d.channel,
      method: d.method,
      durationMs: d.durationMs,
      startMs: d.startMs,
    })),
    metadata,
    ended,
  };
}

/** Delivered calls with the reason their spool says they ended (read before delivery removes the spool). */
class FactSink implements CallSink {
  readonly facts = new Map<string, Facts>();
  constructor(private readonly memory: MemorySink) {}

  async deliver(call: CapturedCall): Promise<{ callId: string; created: boolean }> {
    const ended = await endReasonOf(path.dirname(call.filePath));
    this.facts.set(call.metadata.sipCallId ?? '', factsOf(call, ended));
    return this.memory.deliver(call);
  }
}

describe('one dialog state machine for the recording server and passive capture', () => {
  let h: Harness;
  let sink: FactSink;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-parity-'));
    sink = new FactSink(new MemorySink(dir));
    h = await startHarness({ sink }, { acceptPlainInvite: true });
  });

  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Plays a row to the server; returns every datagram that crossed the wire. */
  async function playLive(row: Row): Promise<Wire> {
    const wire: Wire = { packets: [] };
    const sip = await tappedSocket(wire);
    const responses: SipResponse[] = [];
    sip.socket.on('message', (data) => {
      wire.packets.push({
        timeMs: Date.now(),
        src: HOST,
        srcPort: h.sipPort,
        dst: HOST,
        dstPort: sip.port,
        transport: 'udp',
        payload: data,
      });
      const message = parseSipMessage(data);
      if (message.kind === 'response') responses.push(message);
    });
    /** The final answer to the request with this CSeq. */
    const answerTo = async (cseq: string): Promise<SipResponse> => {
      for (let i = 0; i < 250; i++) {
        const found = responses.find((r) => r.status >= 200 && r.headers.get('CSeq') === cseq);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no answer to ${cseq}`);
    };
    const base = { callId: row.callId, port: h.sipPort, clientPort: sip.port };
    await sip.send(
      Buffer.from(
        request({
          ...base,
          method: 'INVITE',
          cseq: 1,
          branch: 'z9hG4bKinvite',
          contentType: row.invite.contentType,
          body: row.invite.body,
          headers: row.invite.headers ?? [],
        }),
      ),
      h.sipPort,
    );
    const ok = await answerTo('1 INVITE');
    expect(ok.status).toBe(200);
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1] ?? '';
    await sip.send(Buffer.from(request({ ...base, method: 'ACK', cseq: 1, toTag })), h.sipPort);
    const ports = answerPorts(ok.body.toString());
    expect(ports).toHaveLength(row.streams);
    const start = performance.now();
    const at = async (ms: number) => {
      const wait = start + ms - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    };
    let cseq = 2;
    const media = ports.map(async (port, i) => {
      const socket = await tappedSocket(wire);
      const packets = rtpPackets({
        samples: tone(row.rtpMs / 1000, 440 + 220 * i),
        ssrc: 100 + i,
        gaps: row.gaps ?? [],
      });
      for (const p of packets) {
        await at(p.atMs);
        await socket.send(p.data, port);
      }
      socket.socket.close();
    });
    const signalling = (async () => {
      for (const step of row.steps) {
        await at(step.atMs);
        const text = step.request({ ...base, toTag, cseq: cseq++ });
        const cseqLine = /^CSeq: (.+)$/m.exec(text)![1]!.trim();
        await sip.send(Buffer.from(text), h.sipPort);
        if (step.twice) await sip.send(Buffer.from(text), h.sipPort);
        expect((await answerTo(cseqLine)).status).toBe(step.expect ?? 200);
        const [seq, method] = cseqLine.split(' ');
        if (method === 'INVITE')
          await sip.send(
            Buffer.from(request({ ...base, method: 'ACK', cseq: Number(seq), toTag })),
            h.sipPort,
          );
      }
    })();
    await Promise.all([...media, signalling]);
    await sip.send(
      Buffer.from(request({ ...base, method: 'BYE', cseq: 50, toTag, headers: row.bye })),
      h.sipPort,
    );
    expect((await answerTo('50 BYE')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    sip.socket.close();
    return wire;
  }

  /** The same datagrams through the passive correlator. */
  async function playPassive(wire: Wire): Promise<Facts> {
    const spoolRoot = await mkdtemp(path.join(dir, 'passive-'));
    const ended: string[] = [];
    const correlator = new PacketCorrelator({
      spoolRoot,
      fsync: false,
      rules: RULES,
      logger: silentLogger(),
      idleMs: 60_000,
      onCallEnded: (d) => void ended.push(d),
    });
    const packets = [...wire.packets].sort((a, b) => a.timeMs - b.timeMs);
    for (const p of packets) await correlator.feed(p);
    await correlator.closeAll('capture-ended');
    expect(ended).toHaveLength(1);
    // As the harness's capture service assembles its calls.
    const call = await assembleCall(ended[0]!, {
      ffmpegPath: resolveFfmpegPaths().ffmpeg,
      rules: RULES,
      silenceDtmf: true,
      keepDtmfDigits: true,
    });
    return factsOf(call, await endReasonOf(ended[0]!));
  }

  /** Positions differ by how long the server took to read a request: a few ms, more on a loaded machine. */
  function expectSameFacts(live: Facts, passive: Facts): void {
    const near = (a: number, b: number) => Math.abs(a - b) <= 150;
    expect(passive.streams).toEqual(live.streams);
    expect(passive.metadata).toEqual(live.metadata);
    expect(passive.ended).toEqual(live.ended);
    expect(passive.pauses.map((p) => p.reason)).toEqual(live.pauses.map((p) => p.reason));
    passive.pauses.forEach((p, i) => {
      expect(near(p.startMs, live.pauses[i]!.startMs), `pause ${i} start`).toBe(true);
      expect(near(p.endMs, live.pauses[i]!.endMs), `pause ${i} end`).toBe(true);
    });
    expect(passive.keys.map(({ startMs: _, ...k }) => k)).toEqual(live.keys.map(({ startMs: _, ...k }) => k));
    passive.keys.forEach((k, i) => expect(near(k.startMs, live.keys[i]!.startMs), `key ${i}`).toBe(true));
  }

  it.each(ROWS)('$name', async (row) => {
    const wire = await playLive(row);
    const live = await (async () => {
      for (let i = 0; i < 200; i++) {
        const found = sink.facts.get(row.callId);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`call ${row.callId} was not delivered`);
    })();
    const passive = await playPassive(wire);
    expectSameFacts(live, passive);
    expect(live.keys.map((k) => [k.digit, k.durationMs])).toEqual(row.want.keys);
    expect(live.pauses.map((p) => p.reason)).toEqual(row.want.pauses);
    for (const [field, value] of Object.entries(row.want.metadata))
      expect(live.metadata[field], field).toEqual(value);
    expect(live.ended).toBe(row.want.ended);
    expect(live.streams).toHaveLength(row.streams);
  });
});

import type { SipFacts, SiprecFacts } from './call.metadata.ts';
import type { NetPacket } from './packet.correlator.ts';
import type { RecordingCall } from './recording.call.ts';
import { parseRtp, type RtpPacket } from './rtp.ts';
import { STATIC_PAYLOAD_TYPES, type RtpMap } from './sdp.ts';
import type { StreamRecorder, StreamRecorderOptions } from './stream.recorder.ts';

/**
 * RTP that no SIP dialog describes (captures of media only, signalling filtered out or on another link). A UDP
 * flow becomes a stream once `promoteAfter` packets of one SSRC have been seen; both directions between two
 * endpoints make one call (first direction left, reverse right). Without SDP the codec comes from the static
 * payload type (PCMU 0, GSM 3, PCMA 8, G722 9, G729 18); a dynamic type carrying 4-byte payloads is taken as
 * telephone-event (RFC 4733).
 */

const PROMOTE_AFTER = 25;
const MIN_AT_END = 3;
const RECORDABLE_STATIC = new Set([0, 3, 8, 9, 18]);

interface Candidate {
  packets: Array<{ rtp: RtpPacket; timeMs: number }>;
  ssrc: number;
}

interface PairCall {
  call: RecordingCall;
  streams: Map<string, StreamRecorder>;
  firstFlow: string;
  lastActivityMs: number;
}

export interface OrphanRtpOptions {
  open: (init: {
    startedAtMs: number;
    sip: SipFacts;
    siprec: SiprecFacts | null;
    notes: string[];
  }) => Promise<RecordingCall>;
  recorder?: StreamRecorderOptions | undefined;
  onStarted: () => void;
}

const NO_PARTY: SipFacts['from'] = { uri: null, name: null, user: null, number: null };

/** Codec and telephone-event of a flow from its first packets. */
export function inferCodecs(
  packets: RtpPacket[],
): { codec: RtpMap; telephoneEvent: RtpMap | undefined } | undefined {
  let codec: RtpMap | undefined;
  let telephoneEvent: RtpMap | undefined;
  for (const p of packets) {
    const pt = p.payloadType;
    if (pt >= 96 && p.payload.length === 4)
      telephoneEvent ??= { payloadType: pt, encoding: 'telephone-event', clockRate: 8000, channels: 1 };
    else if (RECORDABLE_STATIC.has(pt)) {
      const known = STATIC_PAYLOAD_TYPES.get(pt);
      if (known) codec ??= { payloadType: pt, ...known };
    }
  }
  if (!codec && telephoneEvent) codec = { payloadType: 0, encoding: 'PCMU', clockRate: 8000, channels: 1 };
  return codec ? { codec, telephoneEvent } : undefined;
}

export class OrphanRtp {
  private readonly options: OrphanRtpOptions;
  private readonly candidates = new Map<string, Candidate>();
  private readonly pairs = new Map<string, PairCall>();
  private readonly claimed = new Set<string>();
  private readonly opening = new Map<string, Promise<PairCall>>();
  /** Flows whose codec could not be told without SDP. */
  unknownCodec = 0;

  constructor(options: OrphanRtpOptions) {
    this.options = options;
  }

  /** A SIP dialog described this endpoint: its flows are not orphans. */
  claim(endpoint: string): void {
    this.claimed.add(endpoint);
    for (const key of [...this.candidates.keys()]) {
      const [from = '', to = ''] = key.split('>');
      if (from === endpoint || to === endpoint) this.candidates.delete(key);
    }
  }

  calls(): RecordingCall[] {
    return [...this.pairs.values()].map((p) => p.call);
  }

  async push(packet: NetPacket): Promise<void> {
    const from = `${packet.src}:${packet.srcPort}`;
    const to = `${packet.dst}:${packet.dstPort}`;
    if (this.claimed.has(from) || this.claimed.has(to)) return;
    const parsed = parseRtp(packet.payload);
    if (!parsed.ok) return;
    const rtp = parsed.value;
    const flow = `${from}>${to}`;
    const pairKey = [from, to].sort().join('|');
    const pair = this.pairs.get(pairKey);
    const stream = pair?.streams.get(flow);
    if (pair && stream) {
      pair.lastActivityMs = packet.timeMs;
      stream.pushPacket(rtp, packet.timeMs);
      return;
    }
    let candidate = this.candidates.get(flow);
    if (!candidate || candidate.ssrc !== rtp.ssrc) {
      candidate = { packets: [], ssrc: rtp.ssrc };
      this.candidates.set(flow, candidate);
    }
    candidate.packets.push({ rtp: { ...rtp, payload: Buffer.from(rtp.payload) }, timeMs: packet.timeMs });
    if (candidate.packets.length < PROMOTE_AFTER) return;
    await this.promote(flow, candidate);
  }

  /** Turns a candidate flow into a stream of its endpoint pair's call, replaying what was held. */
  private async promote(flow: string, candidate: Candidate): Promise<void> {
    this.candidates.delete(flow);
    const [from = '', to = ''] = flow.split('>');
    const pairKey = [from, to].sort().join('|');
    const codecs = inferCodecs(candidate.packets.map((p) => p.rtp));
    if (!codecs) {
      this.unknownCodec++;
      this.claimed.add(from);
      return;
    }
    const first = candidate.packets[0]!;
    const last = candidate.packets[candidate.packets.length - 1]!;
    const opened = this.pairs.get(pairKey) ?? (await this.pairFor(pairKey, flow, from, to, first.timeMs));
    const recorder = opened.call.addStream({
      channel: flow === opened.firstFlow ? 0 : 1,
      label: flow,
      codec: codecs.codec,
      codecs: [codecs.codec],
      telephoneEvent: codecs.telephoneEvent,
    });
    opened.streams.set(flow, recorder);
    for (const p of candidate.packets) recorder.pushPacket(p.rtp, p.timeMs);
    opened.lastActivityMs = last.timeMs;
  }

  private pairFor(
    pairKey: string,
    flow: string,
    from: string,
    to: string,
    timeMs: number,
  ): Promise<PairCall> {
    let pending = this.opening.get(pairKey);
    if (!pending) {
      pending = this.options
        .open({
          startedAtMs: timeMs,
          sip: {
            callId: `rtp:${pairKey}`,
            requestUri: '',
            from: NO_PARTY,
            to: NO_PARTY,
            headers: { 'x-media-a': from, 'x-media-b': to },
          },
          siprec: null,
          notes: ['RTP without SIP signalling: parties and codec taken from the packets'],
        })
        .then((call) => {
          const created: PairCall = { call, streams: new Map(), firstFlow: flow, lastActivityMs: timeMs };
          this.pairs.set(pairKey, created);
          this.options.onStarted();
          return created;
        });
      this.opening.set(pairKey, pending);
    }
    return pending;
  }

  async tick(
    nowMs: number,
    idleMs: number,
    finish: (call: RecordingCall, reason: string) => Promise<void>,
  ): Promise<void> {
    for (const [key, pair] of [...this.pairs]) {
      pair.call.tick(nowMs);
      if (nowMs - pair.lastActivityMs > idleMs) {
        this.pairs.delete(key);
        this.opening.delete(key);
        await finish(pair.call, 'idle');
      }
    }
  }

  async closeAll(finish: (call: RecordingCall) => Promise<void>): Promise<void> {
    // At the end of a capture, short flows (a lone key press) are recorded too.
    for (const [flow, candidate] of [...this.candidates]) {
      if (candidate.packets.length >= MIN_AT_END) await this.promote(flow, candidate);
    }
    for (const [key, pair] of [...this.pairs]) {
      this.pairs.delete(key);
      this.opening.delete(key);
      await finish(pair.call);
    }
    this.candidates.clear();
  }
}

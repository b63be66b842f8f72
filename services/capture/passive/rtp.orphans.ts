import type { SipFacts, SiprecFacts } from '../call.metadata.ts';
import type { NetPacket } from './packet.correlator.ts';
import type { RecordingCall } from '../spool/recording.call.ts';
import { TelephoneEventRecogniser } from '../rtp/rfc4733.ts';
import { isRtpPayloadType, parseRtp, type RtpPacket } from '../rtp/rtp.ts';
import { STATIC_PAYLOAD_TYPES, type RtpMap } from '../sip/sdp.ts';
import type { StreamRecorder, StreamRecorderOptions } from '../rtp/stream.recorder.ts';

/**
 * RTP that no SIP dialog describes (captures of media only, signalling filtered out or on another link). Every
 * UDP flow (one direction between two endpoints) that no dialog claims is held as a candidate until it has made a
 * minimum run (25 packets over 0.5 s), then judged (`judgeFlow`): it becomes a stream only when its packets really
 * are RTP — version 2, one SSRC or a clean change of SSRC, sequence numbers rising by one (some loss and reordering
 * allowed), timestamps advancing by a constant frame that is plausible for the codec and match the sequence,
 * payloads of the size that frame takes in the static payload type's codec, and arrival times that keep pace with
 * the timestamps. DNS, TLS/DTLS, STUN, QUIC, T.38 (UDPTL) and anything else that fails are counted by reason
 * (`rejected`); a flow that failed is judged again on its next packets.
 *
 * Both directions between two endpoints make one call (first direction left, reverse right). The same media seen
 * twice — a relay (SBC, media proxy) forwarding it on a second leg with the same SSRC, sequence numbers and
 * timestamps a little later — is recorded once: the first leg seen is kept, the other is noted on the call, and the
 * relay's other direction joins the same call, so a two-party call relayed both ways is still one call.
 *
 * Without SDP the codec comes from the static payload type (PCMU 0, GSM 3, PCMA 8, G722 9, G729 18); key presses
 * (RFC 4733) are recognised by their payload structure (`TelephoneEventRecogniser`), on the audio's SSRC or one of
 * their own, whenever they appear.
 */

export type RtpRejectReason =
  | 'dns'
  | 'tls'
  | 'stun'
  | 'quic'
  | 't38'
  | 'not-rtp'
  | 'ssrc'
  | 'sequence'
  | 'codec'
  | 'timestamp'
  | 'payload-size'
  | 'timing'
  | 'too-short';

export const RTP_REJECT_REASONS: readonly RtpRejectReason[] = [
  'dns',
  'tls',
  'stun',
  'quic',
  't38',
  'not-rtp',
  'ssrc',
  'sequence',
  'codec',
  'timestamp',
  'payload-size',
  'timing',
  'too-short',
];

/** The minimum run before a flow is judged: this many packets over at least `MIN_RUN_MS`. */
const MIN_RUN_PACKETS = 25;
const MIN_RUN_MS = 480;
/** A flow is judged at this many packets even if they span less time. */
const MAX_WINDOW = 200;
/** At the end of a capture, shorter flows are judged too (a lone key press is a few packets). */
const MIN_AT_END = 3;
const RECORDABLE_STATIC = new Set([0, 3, 8, 9, 18]);
const COMFORT_NOISE = 13;
const DNS_PORTS = new Set([53, 5353, 5355]);
const QUIC_PORTS = new Set([443]);
/** How far apart in time two legs of one relayed flow may be. */
const RELAY_OFFSET_MS = 1000;
/** Packets remembered per recorded flow to recognise its relay legs (5 s at 20 ms). */
const RING = 256;
/** Flows remembered with the reason they were rejected; past this, rejections are only counted. */
const MAX_REJECTED_FLOWS = 65_536;

/** One packet of a candidate flow: RTP (payload copied), or what the packet that is not RTP looks like. */
export interface FlowPacket {
  timeMs: number;
  /** First 16 bits of the datagram (-1 when shorter). */
  head: number;
  rtp: RtpPacket | undefined;
  /** For a packet that is not RTP: what it looks like. */
  kind: RtpRejectReason | undefined;
  /** The datagram has the shape of a DNS message (an RTP header can hide one). */
  dns: boolean;
}

export type FlowVerdict =
  | { ok: true; codec: RtpMap; telephoneEvent: RtpMap | undefined; ssrcs: number[] }
  | { ok: false; reason: RtpRejectReason };

/** A DNS message: header, one question whose name is well-formed labels, then a known class. */
export function looksLikeDns(d: Buffer): boolean {
  if (d.length < 17) return false;
  const flags = d.readUInt16BE(2);
  const opcode = (flags >> 11) & 0x0f;
  if (opcode === 3 || opcode > 6 || (flags & 0x0040) !== 0) return false; // unassigned opcode, Z bit
  if (d.readUInt16BE(4) !== 1) return false;
  let at = 12;
  for (let labels = 0; ; labels++) {
    if (at >= d.length || labels > 127) return false;
    const length = d[at]!;
    if (length === 0) {
      at++;
      break;
    }
    if (length > 63) return false;
    at += 1 + length;
  }
  if (at + 4 > d.length) return false;
  const qclass = d.readUInt16BE(at + 2) & 0x7fff; // mDNS uses the top bit for "unicast response"
  return qclass === 1 || qclass === 3 || qclass === 4 || qclass === 255;
}

/** What a UDP payload that is not RTP looks like (RFC 7983 demultiplexing, DNS, QUIC). */
export function nonRtpKind(d: Buffer): RtpRejectReason {
  const b0 = d[0] ?? 0;
  if (d.length >= 20 && b0 < 4 && d.readUInt32BE(4) === 0x2112a442) return 'stun';
  // TLS (3.x) and DTLS (0xfe..) record headers: content types 20–23.
  if (b0 >= 0x14 && b0 <= 0x17 && d.length >= 5 && (d[1] === 0x03 || d[1] === 0xfe)) return 'tls';
  if ((b0 & 0xc0) === 0xc0 && d.length >= 7) {
    const version = d.readUInt32BE(1);
    if (version === 0x00000001 || version === 0x6b3343cf || version === 0) return 'quic';
  }
  if (looksLikeDns(d)) return 'dns';
  return 'not-rtp';
}

/** Flows on ports that never carry RTP: DNS (53, mDNS, LLMNR) and QUIC/HTTP-3 (443). */
export function portReason(srcPort: number, dstPort: number): RtpRejectReason | undefined {
  if (DNS_PORTS.has(srcPort) || DNS_PORTS.has(dstPort)) return 'dns';
  if (QUIC_PORTS.has(srcPort) || QUIC_PORTS.has(dstPort)) return 'quic';
  return undefined;
}

/** One datagram of a candidate flow, as `judgeFlow` takes it (the RTP payload is copied). */
export function flowPacket(data: Buffer, timeMs: number): FlowPacket {
  const head = data.length >= 2 ? data.readUInt16BE(0) : -1;
  const parsed = parseRtp(data);
  if (parsed.ok && isRtpPayloadType(parsed.value.payloadType)) {
    const rtp = { ...parsed.value, payload: Buffer.from(parsed.value.payload) };
    return { timeMs, head, rtp, kind: undefined, dns: looksLikeDns(data) };
  }
  return { timeMs, head, rtp: undefined, kind: nonRtpKind(data), dns: false };
}

const int16 = (n: number): number => (n << 16) >> 16;
const mostCommon = <T>(counts: Map<T, number>): T | undefined => {
  let best: T | undefined;
  let most = 0;
  for (const [value, count] of counts) {
    if (count > most) {
      best = value;
      most = count;
    }
  }
  return best;
};

/** T.38 over UDPTL: the datagram starts with a sequence number that rises by one per packet. */
function looksLikeUdptl(packets: readonly FlowPacket[]): boolean {
  let pairs = 0;
  let steps = 0;
  for (let i = 1; i < packets.length; i++) {
    const a = packets[i - 1]!.head;
    const b = packets[i]!.head;
    if (a < 0 || b < 0) continue;
    pairs++;
    if (((b - a) & 0xffff) === 1) steps++;
  }
  return pairs >= 4 && steps >= pairs * 0.8;
}

/** Whether `bytes` of payload fit `frame` timestamp units of the static payload type's codec. */
function payloadFits(pt: number, bytes: number, frame: number): boolean {
  switch (pt) {
    case 0:
    case 8:
    case 9: // G.722: 64 kbit/s on an 8 kHz RTP clock (RFC 3551 §4.5.2), one byte per timestamp unit
      return bytes === frame;
    case 3:
      return frame % 160 === 0 && bytes === (33 * frame) / 160;
    case 18: {
      const frames = Math.floor(bytes / 10);
      const rest = bytes % 10;
      return (rest === 0 || rest === 2) && (frames * 80 === frame || (frames === 0 && rest === 2));
    }
    default:
      return false;
  }
}

interface SeriesResult {
  reason: RtpRejectReason | undefined;
  pt: number;
  audio: number;
  spanMs: number;
}

/** Sequence, codec, timestamps, payload sizes and timing of one SSRC's packets. */
function judgeSeries(group: readonly FlowPacket[], events: Set<number>): SeriesResult {
  const fail = (reason: RtpRejectReason): SeriesResult => ({ reason, pt: -1, audio: 0, spanMs: 0 });
  // Sequence numbers: mostly +1; duplicates (repeated end packets), loss and reordering within bounds.
  let good = 0;
  let bad = 0;
  for (let i = 1; i < group.length; i++) {
    const d = int16(group[i]!.rtp!.sequence - group[i - 1]!.rtp!.sequence);
    if (d === 1) good++;
    else if (!(d === 0 || (d >= 2 && d <= 50) || (d <= -1 && d >= -50))) bad++;
  }
  const pairs = group.length - 1;
  if (pairs > 0 && (good < pairs * 0.6 || bad > pairs * 0.1)) return fail('sequence');

  // One audio payload type of a codec known without SDP; comfort noise and key presses may come between.
  const types = new Map<number, number>();
  for (const p of group) {
    const pt = p.rtp!.payloadType;
    if (pt === COMFORT_NOISE || events.has(pt)) continue;
    types.set(pt, (types.get(pt) ?? 0) + 1);
  }
  const pt = mostCommon(types);
  if (pt === undefined) return { reason: undefined, pt: -1, audio: 0, spanMs: 0 };
  const audio = group.filter((p) => p.rtp!.payloadType === pt);
  let others = 0;
  for (const n of types.values()) others += n;
  if (!RECORDABLE_STATIC.has(pt) || audio.length < others * 0.9) return fail('codec');

  // Timestamps: a constant frame, plausible at 8 kHz (5–120 ms in 5 ms steps), advancing with the sequence.
  const deltas = new Map<number, number>();
  for (let i = 1; i < audio.length; i++) {
    const dt = (audio[i]!.rtp!.timestamp - audio[i - 1]!.rtp!.timestamp) | 0;
    if (dt > 0) deltas.set(dt, (deltas.get(dt) ?? 0) + 1);
  }
  const frame = mostCommon(deltas);
  const audioPairs = audio.length - 1;
  if (audioPairs > 0) {
    if (frame === undefined || frame % 40 !== 0 || frame < 40 || frame > 960) return fail('timestamp');
    let exact = 0;
    let consistent = 0;
    for (let i = 1; i < audio.length; i++) {
      const a = audio[i - 1]!.rtp!;
      const b = audio[i]!.rtp!;
      const dt = (b.timestamp - a.timestamp) | 0;
      const ds = int16(b.sequence - a.sequence);
      if (dt === frame) exact++;
      if (dt === 0 ? ds === 0 : dt % frame === 0 && Math.sign(dt) === Math.sign(ds) && Math.abs(dt) <= 80_000)
        consistent++;
    }
    if (exact < audioPairs * 0.5 || consistent < audioPairs * 0.85) return fail('timestamp');

    // Payload sizes: what one frame of the codec takes.
    const fitting = audio.filter((p) => payloadFits(pt, p.rtp!.payload.length, frame)).length;
    if (fitting < audio.length * 0.9) return fail('payload-size');

    // Arrival times keep pace with the timestamps.
    const frameMs = frame / 8;
    const spacing: number[] = [];
    for (let i = 1; i < audio.length; i++) {
      const a = audio[i - 1]!;
      const b = audio[i]!;
      if (
        ((b.rtp!.timestamp - a.rtp!.timestamp) | 0) === frame &&
        int16(b.rtp!.sequence - a.rtp!.sequence) >= 1
      )
        spacing.push(b.timeMs - a.timeMs);
    }
    spacing.sort((x, y) => x - y);
    const median = spacing[spacing.length >> 1] ?? frameMs;
    const first = audio[0]!;
    const last = audio[audio.length - 1]!;
    const tsSpanMs = ((last.rtp!.timestamp - first.rtp!.timestamp) | 0) / 8;
    const arrivalSpanMs = last.timeMs - first.timeMs;
    if (
      median < frameMs * 0.5 ||
      median > frameMs * 2 ||
      arrivalSpanMs < tsSpanMs * 0.5 - 100 ||
      arrivalSpanMs > tsSpanMs * 2 + 100
    )
      return fail('timing');
    return { reason: undefined, pt, audio: audio.length, spanMs: tsSpanMs + frameMs };
  }
  return { reason: undefined, pt, audio: audio.length, spanMs: 0 };
}

/**
 * Whether a candidate flow's packets are RTP worth recording (`final`: the capture or the flow ended, so a short
 * run is judged as it is). See the module comment for the rules.
 */
export function judgeFlow(packets: readonly FlowPacket[], final: boolean): FlowVerdict {
  const reject = (reason: RtpRejectReason): FlowVerdict => ({ ok: false, reason });
  if (packets.length === 0) return reject('too-short');
  if (looksLikeUdptl(packets)) return reject('t38');
  const kinds = new Map<RtpRejectReason, number>();
  let dns = 0;
  for (const p of packets) {
    if (!p.rtp) kinds.set(p.kind ?? 'not-rtp', (kinds.get(p.kind ?? 'not-rtp') ?? 0) + 1);
    else if (p.dns) dns++;
  }
  const rtpPackets = packets.filter((p) => p.rtp !== undefined);
  if ((packets.length - rtpPackets.length) * 10 > packets.length)
    return reject(mostCommon(kinds) ?? 'not-rtp');
  if (dns * 2 > packets.length) return reject('dns');

  // Key presses: dynamic payload types whose every series (SSRC) the RFC 4733 recogniser takes.
  const recogniser = new TelephoneEventRecogniser();
  const series = new Map<number, Set<number>>();
  for (const p of rtpPackets) {
    const rtp = p.rtp!;
    if (rtp.payloadType < 96) continue;
    recogniser.push(rtp);
    const ssrcs = series.get(rtp.payloadType) ?? new Set<number>();
    series.set(rtp.payloadType, ssrcs.add(rtp.ssrc));
  }
  const events = new Set<number>();
  for (const [pt, ssrcs] of series)
    if ([...ssrcs].every((ssrc) => recogniser.recognised(ssrc, pt))) events.add(pt);

  // SSRCs: audio on one, or a clean change to a second; key presses may have one of their own.
  const groups = new Map<number, { packets: FlowPacket[]; first: number; last: number }>();
  rtpPackets.forEach((p, index) => {
    const ssrc = p.rtp!.ssrc;
    const g = groups.get(ssrc);
    if (g) {
      g.packets.push(p);
      g.last = index;
    } else groups.set(ssrc, { packets: [p], first: index, last: index });
  });
  const audioGroups = [...groups.values()].filter(
    (g) => !g.packets.every((p) => events.has(p.rtp!.payloadType)),
  );
  if (audioGroups.length > 2) return reject('ssrc');
  if (audioGroups.length === 2 && audioGroups[1]!.first < audioGroups[0]!.last - 2) return reject('ssrc');

  const ssrcs = [...groups.keys()];
  const telephoneEvent: RtpMap | undefined =
    events.size > 0
      ? { payloadType: [...events][0]!, encoding: 'telephone-event', clockRate: 8000, channels: 1 }
      : undefined;
  if (audioGroups.length === 0) {
    // Key presses alone (a capture of one key press): recorded on a silent PCMU track.
    if (!telephoneEvent) return reject('codec');
    if (!final && packets.length < MIN_RUN_PACKETS) return reject('too-short');
    return { ok: true, codec: { payloadType: 0, ...STATIC_PAYLOAD_TYPES.get(0)! }, telephoneEvent, ssrcs };
  }
  let audio = 0;
  let spanMs = 0;
  let pt = -1;
  let largest = 0;
  for (const g of audioGroups) {
    const result = judgeSeries(g.packets, events);
    if (result.reason) return reject(result.reason);
    audio += result.audio;
    spanMs += result.spanMs;
    if (result.audio > largest) {
      largest = result.audio;
      pt = result.pt;
    }
  }
  if (pt < 0) return reject('codec');
  if (audio < MIN_RUN_PACKETS - 5 || spanMs < MIN_RUN_MS) return reject('too-short');
  return { ok: true, codec: { payloadType: pt, ...STATIC_PAYLOAD_TYPES.get(pt)! }, telephoneEvent, ssrcs };
}

/** A candidate flow's packets are ready to be judged: the minimum run, or a full window. */
function ready(packets: readonly FlowPacket[]): boolean {
  const n = packets.length;
  if (n >= MAX_WINDOW) return true;
  return n >= MIN_RUN_PACKETS && packets[n - 1]!.timeMs - packets[0]!.timeMs >= MIN_RUN_MS;
}

interface Candidate {
  packets: FlowPacket[];
  lastMs: number;
}

/** The recent packets of a recorded flow, by sequence number: what a relay leg of it must repeat. */
class FlowTrack {
  readonly seq = new Int32Array(RING).fill(-1);
  readonly ts = new Uint32Array(RING);
  readonly ssrc = new Uint32Array(RING);
  readonly time = new Float64Array(RING);
  readonly ssrcs = new Set<number>();

  constructor(
    readonly flow: string,
    readonly pair: PairCall,
  ) {}

  record(rtp: RtpPacket, timeMs: number): boolean {
    const at = rtp.sequence & (RING - 1);
    this.seq[at] = rtp.sequence;
    this.ts[at] = rtp.timestamp;
    this.ssrc[at] = rtp.ssrc;
    this.time[at] = timeMs;
    if (this.ssrcs.has(rtp.ssrc)) return false;
    this.ssrcs.add(rtp.ssrc);
    return true;
  }

  /** undefined: this packet's sequence number is not remembered; else whether it repeats the recorded one. */
  repeats(rtp: RtpPacket, timeMs: number): boolean | undefined {
    const at = rtp.sequence & (RING - 1);
    if (this.seq[at] !== rtp.sequence || this.ssrc[at] !== rtp.ssrc) return undefined;
    return this.ts[at] === rtp.timestamp && Math.abs(timeMs - this.time[at]!) <= RELAY_OFFSET_MS;
  }
}

interface PairCall {
  call: RecordingCall;
  streams: Map<string, StreamRecorder>;
  /** Channel of each flow: its pair's, and those of relay legs' pairs linked to this call. */
  channels: Map<string, number>;
  /** Endpoint pairs whose flows belong to this call (more than one when relay legs were seen). */
  pairKeys: Set<string>;
  flows: Set<string>;
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
const reverseOf = (flow: string): string => {
  const [from = '', to = ''] = flow.split('>');
  return `${to}>${from}`;
};
const pairKeyOf = (from: string, to: string): string => (from < to ? `${from}|${to}` : `${to}|${from}`);

export class OrphanRtp {
  private readonly options: OrphanRtpOptions;
  private readonly candidates = new Map<string, Candidate>();
  private readonly pairs = new Map<string, PairCall>();
  private readonly claimed = new Set<string>();
  private readonly opening = new Map<string, Promise<PairCall>>();
  private readonly tracks = new Map<string, FlowTrack>();
  private readonly bySsrc = new Map<number, FlowTrack[]>();
  /** Relay legs of recorded flows: their packets are dropped. */
  private readonly relays = new Set<string>();
  /** Flows on ports that never carry RTP. */
  private readonly blocked = new Map<string, RtpRejectReason>();
  /** Flows whose last judgement rejected them, with the reason. */
  private readonly rejectedFlows = new Map<string, RtpRejectReason>();
  private readonly rejectedBeyond = new Map<RtpRejectReason, number>();
  /** Relay legs recognised (recorded once, on the first leg seen). */
  relayLegs = 0;

  constructor(options: OrphanRtpOptions) {
    this.options = options;
  }

  /** Flows that were not recorded, by reason (a flow counts once, under the reason of its last judgement). */
  get rejected(): Record<RtpRejectReason, number> {
    const out = Object.fromEntries(RTP_REJECT_REASONS.map((r) => [r, 0])) as Record<RtpRejectReason, number>;
    for (const reason of this.rejectedFlows.values()) out[reason]++;
    for (const reason of this.blocked.values()) out[reason]++;
    for (const [reason, n] of this.rejectedBeyond) out[reason] += n;
    return out;
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
    return [...new Set(this.pairs.values())].map((p) => p.call);
  }

  async push(packet: NetPacket): Promise<void> {
    const from = `${packet.src}:${packet.srcPort}`;
    const to = `${packet.dst}:${packet.dstPort}`;
    if (this.claimed.has(from) || this.claimed.has(to)) return;
    const flow = `${from}>${to}`;
    const pair = this.pairs.get(pairKeyOf(from, to));
    const stream = pair?.streams.get(flow);
    if (pair && stream) {
      const parsed = parseRtp(packet.payload);
      if (!parsed.ok) return;
      pair.lastActivityMs = packet.timeMs;
      const track = this.tracks.get(flow);
      if (track?.record(parsed.value, packet.timeMs)) this.index(parsed.value.ssrc, track);
      stream.pushPacket(parsed.value, packet.timeMs);
      return;
    }
    if (this.relays.has(flow)) {
      if (pair) pair.lastActivityMs = packet.timeMs;
      return;
    }
    if (this.blocked.has(flow)) return;
    const byPort = portReason(packet.srcPort, packet.dstPort);
    if (byPort) {
      this.rejectedFlows.delete(flow);
      if (this.blocked.size < MAX_REJECTED_FLOWS) this.blocked.set(flow, byPort);
      else this.rejectedBeyond.set(byPort, (this.rejectedBeyond.get(byPort) ?? 0) + 1);
      return;
    }
    let candidate = this.candidates.get(flow);
    if (!candidate) {
      candidate = { packets: [], lastMs: packet.timeMs };
      this.candidates.set(flow, candidate);
    }
    candidate.packets.push(flowPacket(packet.payload, packet.timeMs));
    candidate.lastMs = packet.timeMs;
    if (ready(candidate.packets)) await this.decide(flow, candidate, false);
  }

  /** Judges a candidate flow: a stream of its call, a relay leg of one already recorded, or rejected. */
  private async decide(flow: string, candidate: Candidate, final: boolean): Promise<void> {
    this.candidates.delete(flow);
    let verdict = judgeFlow(candidate.packets, final);
    if (verdict.ok && candidate.packets.length < MIN_AT_END) verdict = { ok: false, reason: 'too-short' };
    if (!verdict.ok) {
      const earlier = this.rejectedFlows.get(flow);
      // What is left of a flow already rejected when it ends keeps that flow's reason.
      if (earlier && verdict.reason === 'too-short') return;
      if (earlier || this.rejectedFlows.size < MAX_REJECTED_FLOWS)
        this.rejectedFlows.set(flow, verdict.reason);
      else this.rejectedBeyond.set(verdict.reason, (this.rejectedBeyond.get(verdict.reason) ?? 0) + 1);
      return;
    }
    this.rejectedFlows.delete(flow);
    await this.promote(flow, candidate, verdict);
  }

  /** The recorded flow whose packets `packets` repeat (same SSRC, sequence and timestamp, a little later). */
  private repeated(packets: readonly FlowPacket[], exclude: string, least: number): FlowTrack | undefined {
    const checked = new Map<FlowTrack, [number, number]>();
    for (const p of packets) {
      if (!p.rtp) continue;
      for (const track of this.bySsrc.get(p.rtp.ssrc) ?? []) {
        if (track.flow === exclude) continue;
        const same = track.repeats(p.rtp, p.timeMs);
        if (same === undefined) continue;
        const counts = checked.get(track) ?? [0, 0];
        counts[0]++;
        if (same) counts[1]++;
        checked.set(track, counts);
      }
    }
    for (const [track, [seen, same]] of checked) if (same >= least && same >= seen * 0.8) return track;
    return undefined;
  }

  private index(ssrc: number, track: FlowTrack): void {
    const list = this.bySsrc.get(ssrc);
    if (list) list.push(track);
    else this.bySsrc.set(ssrc, [track]);
  }

  /** Ties an endpoint pair to a call, `flow` on `channel` and its reverse on the other. */
  private link(pairCall: PairCall, flow: string, channel: number): void {
    const [from = '', to = ''] = flow.split('>');
    const key = pairKeyOf(from, to);
    if (this.pairs.has(key)) return;
    this.pairs.set(key, pairCall);
    pairCall.pairKeys.add(key);
    pairCall.channels.set(flow, channel);
    pairCall.channels.set(reverseOf(flow), 1 - channel);
  }

  /** Turns a judged flow into a stream of its call, replaying what was held. */
  private async promote(
    flow: string,
    candidate: Candidate,
    verdict: Extract<FlowVerdict, { ok: true }>,
  ): Promise<void> {
    const [from = '', to = ''] = flow.split('>');
    const pairKey = pairKeyOf(from, to);
    const first = candidate.packets[0]!;
    const last = candidate.packets[candidate.packets.length - 1]!;

    const original = this.repeated(candidate.packets, flow, 10);
    if (original) {
      // The same media on a second leg: recorded once, on the leg seen first.
      this.relayLegs++;
      this.relays.add(flow);
      const target = original.pair;
      this.link(target, flow, target.channels.get(original.flow) ?? 0);
      target.flows.add(flow);
      target.call.note(
        `the same RTP was also captured on ${flow} (relayed from ${original.flow}): recorded once`,
      );
      target.lastActivityMs = last.timeMs;
      return;
    }

    let opened = this.pairs.get(pairKey);
    if (!opened) {
      // The reverse direction may be a relay leg of a recorded flow: then this pair belongs to that call.
      const reverse = this.candidates.get(reverseOf(flow));
      const relayed = reverse ? this.repeated(reverse.packets, reverseOf(flow), 5) : undefined;
      if (relayed) {
        this.link(relayed.pair, reverseOf(flow), relayed.pair.channels.get(relayed.flow) ?? 0);
        opened = relayed.pair;
      } else opened = await this.pairFor(pairKey, flow, from, to, first.timeMs);
    }
    if (opened.streams.has(flow)) return;
    const recorder = opened.call.addStream({
      channel: opened.channels.get(flow) ?? 1,
      label: flow,
      codec: verdict.codec,
      codecs: [verdict.codec],
      telephoneEvent: verdict.telephoneEvent,
    });
    opened.streams.set(flow, recorder);
    opened.flows.add(flow);
    const track = new FlowTrack(flow, opened);
    this.tracks.set(flow, track);
    for (const p of candidate.packets) {
      if (!p.rtp) continue;
      if (track.record(p.rtp, p.timeMs)) this.index(p.rtp.ssrc, track);
      recorder.pushPacket(p.rtp, p.timeMs);
    }
    opened.lastActivityMs = Math.max(opened.lastActivityMs, last.timeMs);
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
          const created: PairCall = {
            call,
            streams: new Map(),
            channels: new Map([
              [flow, 0],
              [reverseOf(flow), 1],
            ]),
            pairKeys: new Set([pairKey]),
            flows: new Set(),
            lastActivityMs: timeMs,
          };
          this.pairs.set(pairKey, created);
          this.options.onStarted();
          return created;
        });
      this.opening.set(pairKey, pending);
    }
    return pending;
  }

  /** Forgets a finished call's endpoint pairs, flows and relay legs. */
  private forget(pair: PairCall): void {
    for (const key of pair.pairKeys) {
      if (this.pairs.get(key) === pair) this.pairs.delete(key);
      this.opening.delete(key);
    }
    for (const flow of pair.flows) {
      this.relays.delete(flow);
      const track = this.tracks.get(flow);
      if (!track || track.pair !== pair) continue;
      this.tracks.delete(flow);
      for (const ssrc of track.ssrcs) {
        const left = (this.bySsrc.get(ssrc) ?? []).filter((t) => t !== track);
        if (left.length > 0) this.bySsrc.set(ssrc, left);
        else this.bySsrc.delete(ssrc);
      }
    }
  }

  async tick(
    nowMs: number,
    idleMs: number,
    finish: (call: RecordingCall, reason: string) => Promise<void>,
  ): Promise<void> {
    for (const [flow, candidate] of [...this.candidates]) {
      if (nowMs - candidate.lastMs > idleMs) await this.decide(flow, candidate, true);
    }
    for (const pair of new Set(this.pairs.values())) {
      pair.call.tick(nowMs);
      if (nowMs - pair.lastActivityMs > idleMs) {
        this.forget(pair);
        await finish(pair.call, 'idle');
      }
    }
  }

  async closeAll(finish: (call: RecordingCall) => Promise<void>): Promise<void> {
    // At the end of a capture, short flows (a lone key press) are judged too.
    for (const [flow, candidate] of [...this.candidates]) await this.decide(flow, candidate, true);
    for (const pair of new Set(this.pairs.values())) {
      this.forget(pair);
      await finish(pair.call);
    }
    this.candidates.clear();
  }
}

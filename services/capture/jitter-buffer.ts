import { badInput } from './parse-result.ts';
import { decodeG711, type G711Law } from './g711.ts';
import type { RtpPacket } from './rtp.ts';
import { estimateQuality } from './rtp-quality.ts';

/**
 * Per-stream RTP jitter buffer for recording. Packets are put back in sequence order (uint16 sequence and
 * uint32 timestamp wrap handled by extending both), duplicates are dropped and counted, and the output keeps
 * real time: every gap — lost packets, silence suppression, DTMF events — becomes silence as long as the
 * timestamp jump says. An SSRC change (re-INVITE, transfer, media server switch) starts a new segment whose
 * timing continues by arrival time. Statistics follow RFC 3550 A.3 (loss) and A.8 (jitter).
 */

export interface AudioDecoder {
  /** Sample rate of the decoded PCM (differs from the RTP clock for G.722). */
  sampleRate: number;
  decode(payload: Buffer): Int16Array;
}

export function g711Decoder(law: G711Law): AudioDecoder {
  return { sampleRate: 8000, decode: (payload) => decodeG711(payload, law) };
}

/** L16 (RFC 3551 §4.5.11): big-endian signed 16-bit; channels after the first are dropped. */
export function l16Decoder(sampleRate: number, channels = 1): AudioDecoder {
  return {
    sampleRate,
    decode(payload) {
      const frames = Math.floor(payload.length / (2 * channels));
      const out = new Int16Array(frames);
      for (let i = 0; i < frames; i++) out[i] = payload.readInt16BE(i * 2 * channels);
      return out;
    },
  };
}

export interface PcmFrame {
  /** Where this frame starts on the stream's output timeline, in samples. */
  position: number;
  samples: Int16Array;
  /** `audio` was decoded from a packet; `silence` fills loss, DTX, events and gaps between segments. */
  kind: 'audio' | 'silence';
  ssrc: number;
  segment: number;
  /** For audio: the RTP timestamp (32-bit) of the frame's first sample, and when its packet arrived. */
  timestamp?: number;
  arrivalMs?: number;
}

export interface JitterBufferOptions {
  /** RTP clock rate of the stream's codec (8000 for G.711, G.722 and G.729; 48000 for Opus). */
  clockRate: number;
  /** Decoders by RTP payload type. Other payload types (telephone-event, CN) count but produce no audio. */
  decoders: ReadonlyMap<number, AudioDecoder>;
  /** Packets held for reordering before the oldest is played out (default 50, one second at 20 ms). */
  windowPackets?: number;
  /** The oldest packet is also played out once a packet arrives this much later (default 300 ms). */
  maxDelayMs?: number;
  /** Longest silence inserted for one gap (default 10 s); a longer jump is a timestamp discontinuity. */
  maxGapMs?: number;
  /**
   * Longest silence inserted from arrival times, after a timestamp discontinuity or between SSRC segments
   * (default `maxGapMs`). A recorder sets it high so that long holds and pauses keep real time.
   */
  maxArrivalGapMs?: number;
  /** Codec name for the MOS estimate (default PCMU). */
  codec?: string;
}

export interface SegmentStats {
  ssrc: number;
  segment: number;
  /** Unique packets received, late ones included (RFC 3550 A.3). */
  received: number;
  /** Highest extended sequence − first + 1. */
  expected: number;
  lost: number;
  duplicated: number;
  /** Arrived after a packet with a higher sequence number. */
  outOfOrder: number;
  /** Arrived after its place had been played out; counted as received but not played. */
  late: number;
  /** Interarrival jitter, RFC 3550 A.8, in timestamp units and in milliseconds. */
  jitter: number;
  jitterMs: number;
  maxJitterMs: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
}

export interface StreamStats {
  ssrcs: number[];
  received: number;
  expected: number;
  lost: number;
  lossPercent: number;
  duplicated: number;
  outOfOrder: number;
  late: number;
  /** Packets of an earlier SSRC that arrived after the stream had moved on. */
  stale: number;
  /** Jitter of the segment with the most packets, in ms. */
  jitterMs: number;
  maxJitterMs: number;
  rFactor: number;
  mos: number;
  samplesOut: number;
  silenceSamplesOut: number;
}

interface Held {
  packet: RtpPacket;
  extSeq: number;
  arrivalMs: number;
}

interface Segment {
  stats: SegmentStats;
  baseSeq: number;
  maxSeq: number;
  lastTimestampExt: number | undefined;
  lastTransit: number | undefined;
  lastJitterTimestamp: number | undefined;
  held: Held[];
  /** Ring of recently played sequence numbers, for duplicate detection after play-out. */
  played: Float64Array;
  nextSeq: number | undefined;
  /** Extended timestamp where the next audio should start (end of the last played audio). */
  endTimestamp: number | undefined;
  lastPlayedArrivalMs: number | undefined;
  lastPlayedSamples: number;
}

const PLAYED_RING = 4096;

function extend(value: number, reference: number, modulus: number): number {
  const base = reference - (((reference % modulus) + modulus) % modulus);
  let best = base + value;
  for (const candidate of [best - modulus, best + modulus]) {
    if (Math.abs(candidate - reference) < Math.abs(best - reference)) best = candidate;
  }
  return best;
}

export class JitterBuffer {
  private readonly clockRate: number;
  private readonly sampleRate: number;
  private readonly decoders: ReadonlyMap<number, AudioDecoder>;
  private readonly windowPackets: number;
  private readonly maxDelayMs: number;
  private readonly maxGapTicks: number;
  private readonly maxArrivalGapTicks: number;
  private readonly codec: string;
  private readonly segments: Segment[] = [];
  private readonly retired = new Set<number>();
  private stale = 0;
  private position = 0;
  private silenceSamples = 0;

  constructor(options: JitterBufferOptions) {
    if (!Number.isInteger(options.clockRate) || options.clockRate <= 0)
      throw badInput('invalid RTP clock rate');
    const rates = new Set([...options.decoders.values()].map((d) => d.sampleRate));
    if (rates.size > 1) throw badInput('decoders of one stream must share a sample rate');
    this.clockRate = options.clockRate;
    this.sampleRate = [...rates][0] ?? options.clockRate;
    this.decoders = options.decoders;
    this.windowPackets = Math.max(1, options.windowPackets ?? 50);
    this.maxDelayMs = options.maxDelayMs ?? 300;
    this.maxGapTicks = ((options.maxGapMs ?? 10_000) * this.clockRate) / 1000;
    this.maxArrivalGapTicks =
      ((options.maxArrivalGapMs ?? options.maxGapMs ?? 10_000) * this.clockRate) / 1000;
    this.codec = options.codec ?? 'PCMU';
  }

  /** Adds one packet; returns the PCM that became ready, in order. */
  push(packet: RtpPacket, arrivalMs: number): PcmFrame[] {
    const out: PcmFrame[] = [];
    let segment = this.segments[this.segments.length - 1];
    if (!segment || segment.stats.ssrc !== packet.ssrc) {
      if (this.retired.has(packet.ssrc)) {
        this.stale++;
        return out;
      }
      if (segment) {
        this.drain(segment, out, true);
        this.retired.add(segment.stats.ssrc);
      }
      segment = this.startSegment(packet, arrivalMs);
    }
    const stats = segment.stats;
    const extSeq = extend(packet.sequence, segment.maxSeq, 0x10000);
    const isDuplicate =
      segment.held.some((h) => h.extSeq === extSeq) || segment.played[extSeq % PLAYED_RING] === extSeq;
    if (isDuplicate) {
      stats.duplicated++;
      return out;
    }
    stats.received++;
    stats.lastArrivalMs = arrivalMs;
    if (extSeq < segment.maxSeq) stats.outOfOrder++;
    else segment.maxSeq = extSeq;
    if (extSeq < segment.baseSeq) segment.baseSeq = extSeq;
    stats.expected = segment.maxSeq - segment.baseSeq + 1;
    stats.lost = Math.max(0, stats.expected - stats.received);
    // Interarrival jitter is a property of the audio: telephone-event and CN packets keep other timestamps.
    if (this.decoders.has(packet.payloadType)) this.updateJitter(segment, packet, arrivalMs);

    if (segment.nextSeq !== undefined && extSeq < segment.nextSeq) {
      stats.late++;
      return out;
    }
    const at = segment.held.findIndex((h) => h.extSeq > extSeq);
    const held = { packet, extSeq, arrivalMs };
    if (at < 0) segment.held.push(held);
    else segment.held.splice(at, 0, held);
    this.drain(segment, out, false, arrivalMs);
    return out;
  }

  /**
   * Plays out the held packets that have waited longer than `maxDelayMs` at `nowMs`: called on a timer, so a
   * stream that stops (pause, hold, end of call) does not keep its last packets until the next one arrives.
   */
  tick(nowMs: number): PcmFrame[] {
    const out: PcmFrame[] = [];
    const segment = this.segments[this.segments.length - 1];
    if (segment) this.drain(segment, out, false, nowMs);
    return out;
  }

  /** Plays out everything still held (end of the call). */
  flush(): PcmFrame[] {
    const out: PcmFrame[] = [];
    const segment = this.segments[this.segments.length - 1];
    if (segment) this.drain(segment, out, true);
    return out;
  }

  /** Samples emitted so far (the length of the output timeline), at `sampleRate`. */
  get outputSamples(): number {
    return this.position;
  }

  get outputSampleRate(): number {
    return this.sampleRate;
  }

  segmentStats(): SegmentStats[] {
    return this.segments.map((s) => ({ ...s.stats }));
  }

  get stats(): StreamStats {
    const all = this.segments.map((s) => s.stats);
    const sum = (pick: (s: SegmentStats) => number): number => all.reduce((n, s) => n + pick(s), 0);
    const expected = sum((s) => s.expected);
    const lost = sum((s) => s.lost);
    const main = all.reduce<SegmentStats | undefined>(
      (a, s) => (a && a.received >= s.received ? a : s),
      undefined,
    );
    const lossPercent = expected === 0 ? 0 : (lost / expected) * 100;
    const jitterMs = main?.jitterMs ?? 0;
    const quality = estimateQuality({ lossPercent, jitterMs, codec: this.codec });
    return {
      ssrcs: all.map((s) => s.ssrc),
      received: sum((s) => s.received),
      expected,
      lost,
      lossPercent,
      duplicated: sum((s) => s.duplicated),
      outOfOrder: sum((s) => s.outOfOrder),
      late: sum((s) => s.late),
      stale: this.stale,
      jitterMs,
      maxJitterMs: all.reduce((m, s) => Math.max(m, s.maxJitterMs), 0),
      rFactor: quality.rFactor,
      mos: quality.mos,
      samplesOut: this.position,
      silenceSamplesOut: this.silenceSamples,
    };
  }

  private startSegment(packet: RtpPacket, arrivalMs: number): Segment {
    const segment: Segment = {
      stats: {
        ssrc: packet.ssrc,
        segment: this.segments.length,
        received: 0,
        expected: 0,
        lost: 0,
        duplicated: 0,
        outOfOrder: 0,
        late: 0,
        jitter: 0,
        jitterMs: 0,
        maxJitterMs: 0,
        firstArrivalMs: arrivalMs,
        lastArrivalMs: arrivalMs,
      },
      baseSeq: packet.sequence,
      maxSeq: packet.sequence,
      lastTimestampExt: undefined,
      lastTransit: undefined,
      lastJitterTimestamp: undefined,
      held: [],
      played: new Float64Array(PLAYED_RING).fill(-1),
      nextSeq: undefined,
      endTimestamp: undefined,
      lastPlayedArrivalMs: undefined,
      lastPlayedSamples: 0,
    };
    this.segments.push(segment);
    return segment;
  }

  /** RFC 3550 A.8, skipping packets that repeat the previous timestamp (DTMF events, split frames). */
  private updateJitter(segment: Segment, packet: RtpPacket, arrivalMs: number): void {
    const ts = extend(packet.timestamp, segment.lastTimestampExt ?? packet.timestamp, 0x100000000);
    segment.lastTimestampExt = ts;
    if (segment.lastJitterTimestamp === ts) return;
    segment.lastJitterTimestamp = ts;
    const transit = (arrivalMs * this.clockRate) / 1000 - ts;
    if (segment.lastTransit !== undefined) {
      const d = Math.abs(transit - segment.lastTransit);
      const stats = segment.stats;
      stats.jitter += (d - stats.jitter) / 16;
      stats.jitterMs = (stats.jitter * 1000) / this.clockRate;
      stats.maxJitterMs = Math.max(stats.maxJitterMs, stats.jitterMs);
    }
    segment.lastTransit = transit;
  }

  private drain(segment: Segment, out: PcmFrame[], all: boolean, nowMs?: number): void {
    for (;;) {
      const head = segment.held[0];
      if (!head) return;
      const overWindow = segment.held.length > this.windowPackets;
      const overDelay = nowMs !== undefined && nowMs - head.arrivalMs > this.maxDelayMs;
      if (!all && !overWindow && !overDelay) return;
      segment.held.shift();
      this.play(segment, head, out);
    }
  }

  private ticksToSamples(ticks: number): number {
    return Math.round((ticks * this.sampleRate) / this.clockRate);
  }

  private emitSilence(segment: Segment, samples: number, out: PcmFrame[]): void {
    if (samples <= 0) return;
    out.push({
      position: this.position,
      samples: new Int16Array(samples),
      kind: 'silence',
      ssrc: segment.stats.ssrc,
      segment: segment.stats.segment,
    });
    this.position += samples;
    this.silenceSamples += samples;
  }

  private play(segment: Segment, held: Held, out: PcmFrame[]): void {
    segment.played[held.extSeq % PLAYED_RING] = held.extSeq;
    segment.nextSeq = held.extSeq + 1;
    const decoder = this.decoders.get(held.packet.payloadType);
    if (!decoder) return;
    let samples: Int16Array;
    try {
      samples = decoder.decode(held.packet.payload);
    } catch {
      return; // an undecodable payload plays as the silence the next gap fills
    }
    if (samples.length === 0) return;
    const ts = extend(held.packet.timestamp, segment.endTimestamp ?? held.packet.timestamp, 0x100000000);
    let start = ts;
    if (segment.endTimestamp === undefined) {
      this.bridgeSegments(segment, held.arrivalMs, out);
    } else {
      const gap = ts - segment.endTimestamp;
      if (Math.abs(gap) > this.maxGapTicks) {
        // Timestamp discontinuity (the sender restarted its clock): keep real time by arrival instead.
        const elapsedMs = Math.max(0, held.arrivalMs - (segment.lastPlayedArrivalMs ?? held.arrivalMs));
        const ticks = Math.min((elapsedMs * this.clockRate) / 1000, this.maxArrivalGapTicks);
        this.emitSilence(segment, this.ticksToSamples(ticks) - segment.lastPlayedSamples, out);
      } else if (gap > 0) {
        this.emitSilence(segment, this.ticksToSamples(gap), out);
      } else if (gap < 0) {
        // Overlaps audio already played (a retransmission with a new sequence number): keep the new tail.
        const overlap = this.ticksToSamples(-gap);
        if (overlap >= samples.length) return;
        samples = samples.subarray(overlap);
        start = segment.endTimestamp;
      }
    }
    out.push({
      position: this.position,
      samples,
      kind: 'audio',
      ssrc: segment.stats.ssrc,
      segment: segment.stats.segment,
      timestamp: start >>> 0,
      arrivalMs: held.arrivalMs,
    });
    this.position += samples.length;
    segment.endTimestamp = start + (samples.length * this.clockRate) / this.sampleRate;
    segment.lastPlayedArrivalMs = held.arrivalMs;
    segment.lastPlayedSamples = samples.length;
  }

  /** First audio of a segment after another: silence for the arrival-time gap between them. */
  private bridgeSegments(segment: Segment, arrivalMs: number, out: PcmFrame[]): void {
    const previous = this.segments[segment.stats.segment - 1];
    if (!previous || previous.lastPlayedArrivalMs === undefined) return;
    const elapsedTicks = ((arrivalMs - previous.lastPlayedArrivalMs) * this.clockRate) / 1000;
    const ticks = Math.min(elapsedTicks, this.maxArrivalGapTicks);
    this.emitSilence(segment, this.ticksToSamples(ticks) - previous.lastPlayedSamples, out);
  }
}

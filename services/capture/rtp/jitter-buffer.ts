import { badInput } from '../parse-result.ts';
import { decodeG711, type G711Law } from './g711.ts';
import type { RtpPacket } from './rtp.ts';
import { estimateQuality } from './rtp-quality.ts';

/**
 * Per-stream RTP jitter buffer for recording. Packets are put back in sequence order (uint16 sequence and
 * uint32 timestamp wrap handled by extending both), duplicates are dropped and counted, and the output keeps
 * real time: every gap — lost packets, silence suppression, DTMF events — becomes silence as long as the
 * timestamp jump says. An SSRC change (re-INVITE, transfer, media server switch) starts a new segment whose
 * timing continues by arrival time. Statistics follow RFC 3550 A.3 (loss) and A.8 (jitter).
 *
 * This runs for every packet of every recorded stream, so the held packets live in a ring of typed arrays (no
 * object per packet) and the output goes to a `JitterOutput` given to the constructor. G.711 is not decoded here:
 * the output gets the payload bytes and the recorder spools them as they are (decoded when the spool is read).
 * Without an output, `push`, `tick` and `flush` return the frames as `PcmFrame` objects, G.711 decoded.
 */

export interface AudioDecoder {
  /** Sample rate of the decoded PCM (differs from the RTP clock for G.722). */
  sampleRate: number;
  decode(payload: Buffer): Int16Array;
  /** Set for G.711: one sample per payload byte, handed to the output undecoded. */
  readonly g711?: G711Law;
}

class G711Decoder implements AudioDecoder {
  readonly sampleRate = 8000;
  constructor(readonly g711: G711Law) {}
  decode(payload: Buffer): Int16Array {
    return decodeG711(payload, this.g711);
  }
}

export function g711Decoder(law: G711Law): AudioDecoder {
  return new G711Decoder(law);
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

/** Where a jitter buffer's output goes, in timeline order. */
export interface JitterOutput {
  /** `count` samples of silence at `position` (loss, DTX, events, the gap between SSRC segments). */
  silence(position: number, count: number, ssrc: number, segment: number): void;
  /**
   * `count` samples of audio at `position`. `samples` holds them when the decoder decoded the payload; for a G.711
   * decoder it is undefined and the audio is the bytes `data[start, start + count)`. `timestamp` is the RTP
   * timestamp (32-bit) of the first sample, `arrivalMs` when its packet arrived.
   */
  audio(
    position: number,
    count: number,
    samples: Int16Array | undefined,
    data: Buffer,
    start: number,
    decoder: AudioDecoder,
    ssrc: number,
    segment: number,
    timestamp: number,
    arrivalMs: number,
  ): void;
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
  /** Receives the output; without one, `push`, `tick` and `flush` return it as frames. */
  output?: JitterOutput;
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

interface Segment {
  stats: SegmentStats;
  baseSeq: number;
  maxSeq: number;
  lastTimestampExt: number | undefined;
  lastTransit: number | undefined;
  lastJitterTimestamp: number | undefined;
  /** Ring of recently played sequence numbers, for duplicate detection after play-out. */
  played: Float64Array;
  nextSeq: number | undefined;
  /** Extended timestamp where the next audio should start (end of the last played audio). */
  endTimestamp: number | undefined;
  lastPlayedArrivalMs: number | undefined;
  lastPlayedSamples: number;
}

const PLAYED_RING = 4096;

/** `value` (mod `modulus`) extended to the candidate nearest `reference`. */
function extend(value: number, reference: number, modulus: number): number {
  const base = reference - (((reference % modulus) + modulus) % modulus);
  let best = base + value;
  const below = best - modulus;
  const above = best + modulus;
  if (Math.abs(below - reference) < Math.abs(best - reference)) best = below;
  if (Math.abs(above - reference) < Math.abs(best - reference)) best = above;
  return best;
}

/** Builds `PcmFrame`s (G.711 decoded) for callers without an output of their own. */
class FrameCollector implements JitterOutput {
  frames: PcmFrame[] = [];

  take(): PcmFrame[] {
    const frames = this.frames;
    this.frames = [];
    return frames;
  }

  silence(position: number, count: number, ssrc: number, segment: number): void {
    this.frames.push({ position, samples: new Int16Array(count), kind: 'silence', ssrc, segment });
  }

  audio(
    position: number,
    count: number,
    samples: Int16Array | undefined,
    data: Buffer,
    start: number,
    decoder: AudioDecoder,
    ssrc: number,
    segment: number,
    timestamp: number,
    arrivalMs: number,
  ): void {
    this.frames.push({
      position,
      samples: samples ?? decoder.decode(data.subarray(start, start + count)),
      kind: 'audio',
      ssrc,
      segment,
      timestamp,
      arrivalMs,
    });
  }
}

const NO_FRAMES: PcmFrame[] = [];

export class JitterBuffer {
  private readonly clockRate: number;
  private readonly sampleRate: number;
  private readonly decoders: ReadonlyMap<number, AudioDecoder>;
  private readonly windowPackets: number;
  private readonly maxDelayMs: number;
  private readonly maxGapTicks: number;
  private readonly maxArrivalGapTicks: number;
  private readonly codec: string;
  private readonly output: JitterOutput;
  private readonly collector: FrameCollector | undefined;
  private readonly segments: Segment[] = [];
  private readonly retired = new Set<number>();
  private stale = 0;
  private position = 0;
  private silenceSamples = 0;
  /** Last decoder looked up, by payload type (a stream rarely changes payload type). */
  private lastPayloadType = -1;
  private lastDecoder: AudioDecoder | undefined;

  /**
   * Packets held for reordering, in sequence order: a ring of `capacity` slots from `head`, `count` long. Only the
   * last segment holds packets (an SSRC change plays out everything of the previous one).
   */
  private capacity: number;
  private head = 0;
  private count = 0;
  private heldSeq: Float64Array;
  private heldArrival: Float64Array;
  private heldTimestamp: Float64Array;
  private heldType: Int16Array;
  private heldStart: Int32Array;
  private heldEnd: Int32Array;
  private heldData: Array<Buffer | undefined>;

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
    this.collector = options.output ? undefined : new FrameCollector();
    this.output = options.output ?? this.collector!;
    let capacity = 8;
    while (capacity < Math.min(this.windowPackets + 2, 1024)) capacity *= 2;
    this.capacity = capacity;
    this.heldSeq = new Float64Array(capacity);
    this.heldArrival = new Float64Array(capacity);
    this.heldTimestamp = new Float64Array(capacity);
    this.heldType = new Int16Array(capacity);
    this.heldStart = new Int32Array(capacity);
    this.heldEnd = new Int32Array(capacity);
    this.heldData = new Array<Buffer | undefined>(capacity).fill(undefined);
  }

  /** Adds one packet; returns the PCM that became ready, in order (none when an output was given). */
  push(packet: RtpPacket, arrivalMs: number): PcmFrame[] {
    const payload = packet.payload;
    this.receive(
      packet.ssrc,
      packet.sequence,
      packet.timestamp,
      packet.payloadType,
      payload,
      0,
      payload.length,
      arrivalMs,
    );
    return this.collector ? this.collector.take() : NO_FRAMES;
  }

  /**
   * Adds one packet given by its header fields, its payload being `data[start, end)` (the datagram itself: no view
   * or copy is made). The data must stay unchanged while the packet is held.
   */
  receive(
    ssrc: number,
    sequence: number,
    timestamp: number,
    payloadType: number,
    data: Buffer,
    start: number,
    end: number,
    arrivalMs: number,
  ): void {
    let segment = this.segments[this.segments.length - 1];
    if (segment === undefined || segment.stats.ssrc !== ssrc) {
      if (this.retired.has(ssrc)) {
        this.stale++;
        return;
      }
      if (segment) {
        this.drain(segment, true, undefined);
        this.retired.add(segment.stats.ssrc);
      }
      segment = this.startSegment(ssrc, sequence, arrivalMs);
    }
    const stats = segment.stats;
    const extSeq = extend(sequence, segment.maxSeq, 0x10000);
    // In order (the usual case): newer than everything held, so only the played ring can hold a duplicate.
    const count = this.count;
    const newest = count > 0 ? this.heldSeq[(this.head + count - 1) & (this.capacity - 1)]! : -Infinity;
    if (
      (extSeq <= newest && this.heldIndexOf(extSeq) >= 0) ||
      segment.played[extSeq % PLAYED_RING] === extSeq
    ) {
      stats.duplicated++;
      return;
    }
    stats.received++;
    stats.lastArrivalMs = arrivalMs;
    if (extSeq < segment.maxSeq) stats.outOfOrder++;
    else segment.maxSeq = extSeq;
    if (extSeq < segment.baseSeq) segment.baseSeq = extSeq;
    stats.expected = segment.maxSeq - segment.baseSeq + 1;
    stats.lost = Math.max(0, stats.expected - stats.received);
    // Interarrival jitter is a property of the audio: telephone-event and CN packets keep other timestamps.
    if (this.decoderOf(payloadType) !== undefined) this.updateJitter(segment, timestamp, arrivalMs);

    if (segment.nextSeq !== undefined && extSeq < segment.nextSeq) {
      stats.late++;
      return;
    }
    this.hold(extSeq, arrivalMs, timestamp, payloadType, data, start, end, newest);
    this.drain(segment, false, arrivalMs);
  }

  /**
   * Plays out the held packets that have waited longer than `maxDelayMs` at `nowMs`: called on a timer, so a
   * stream that stops (pause, hold, end of call) does not keep its last packets until the next one arrives.
   */
  tick(nowMs: number): PcmFrame[] {
    const segment = this.segments[this.segments.length - 1];
    if (segment && this.count > 0) this.drain(segment, false, nowMs);
    return this.collector ? this.collector.take() : NO_FRAMES;
  }

  /** Plays out everything still held (end of the call). */
  flush(): PcmFrame[] {
    const segment = this.segments[this.segments.length - 1];
    if (segment) this.drain(segment, true, undefined);
    return this.collector ? this.collector.take() : NO_FRAMES;
  }

  /** Samples emitted so far (the length of the output timeline), at `sampleRate`. */
  get outputSamples(): number {
    return this.position;
  }

  get outputSampleRate(): number {
    return this.sampleRate;
  }

  /** Unique packets received over all segments. */
  get received(): number {
    let n = 0;
    for (const s of this.segments) n += s.stats.received;
    return n;
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

  private decoderOf(payloadType: number): AudioDecoder | undefined {
    if (payloadType !== this.lastPayloadType) {
      this.lastPayloadType = payloadType;
      this.lastDecoder = this.decoders.get(payloadType);
    }
    return this.lastDecoder;
  }

  private startSegment(ssrc: number, sequence: number, arrivalMs: number): Segment {
    const segment: Segment = {
      stats: {
        ssrc,
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
      baseSeq: sequence,
      maxSeq: sequence,
      lastTimestampExt: undefined,
      lastTransit: undefined,
      lastJitterTimestamp: undefined,
      played: new Float64Array(PLAYED_RING).fill(-1),
      nextSeq: undefined,
      endTimestamp: undefined,
      lastPlayedArrivalMs: undefined,
      lastPlayedSamples: 0,
    };
    this.segments.push(segment);
    return segment;
  }

  /** Position in the ring (0 = oldest) of a held sequence number, or -1. */
  private heldIndexOf(extSeq: number): number {
    const mask = this.capacity - 1;
    for (let i = 0; i < this.count; i++) if (this.heldSeq[(this.head + i) & mask] === extSeq) return i;
    return -1;
  }

  /** Inserts a packet in sequence order (appended when it is the newest, which is the usual case). */
  private hold(
    extSeq: number,
    arrivalMs: number,
    timestamp: number,
    payloadType: number,
    data: Buffer,
    start: number,
    end: number,
    newest: number,
  ): void {
    if (this.count === this.capacity) this.grow();
    const mask = this.capacity - 1;
    let slot = (this.head + this.count) & mask;
    if (extSeq < newest) {
      // Out of order: move the newer packets one slot up, from the newest down.
      let i = this.count;
      while (i > 0) {
        const prev = (this.head + i - 1) & mask;
        if (this.heldSeq[prev]! < extSeq) break;
        const to = (this.head + i) & mask;
        this.heldSeq[to] = this.heldSeq[prev]!;
        this.heldArrival[to] = this.heldArrival[prev]!;
        this.heldTimestamp[to] = this.heldTimestamp[prev]!;
        this.heldType[to] = this.heldType[prev]!;
        this.heldStart[to] = this.heldStart[prev]!;
        this.heldEnd[to] = this.heldEnd[prev]!;
        this.heldData[to] = this.heldData[prev];
        i--;
      }
      slot = (this.head + i) & mask;
    }
    this.heldSeq[slot] = extSeq;
    this.heldArrival[slot] = arrivalMs;
    this.heldTimestamp[slot] = timestamp;
    this.heldType[slot] = payloadType;
    this.heldStart[slot] = start;
    this.heldEnd[slot] = end;
    this.heldData[slot] = data;
    this.count++;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const mask = this.capacity - 1;
    const seq = new Float64Array(capacity);
    const arrival = new Float64Array(capacity);
    const timestamp = new Float64Array(capacity);
    const type = new Int16Array(capacity);
    const start = new Int32Array(capacity);
    const end = new Int32Array(capacity);
    const data = new Array<Buffer | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) & mask;
      seq[i] = this.heldSeq[from]!;
      arrival[i] = this.heldArrival[from]!;
      timestamp[i] = this.heldTimestamp[from]!;
      type[i] = this.heldType[from]!;
      start[i] = this.heldStart[from]!;
      end[i] = this.heldEnd[from]!;
      data[i] = this.heldData[from];
    }
    this.capacity = capacity;
    this.head = 0;
    this.heldSeq = seq;
    this.heldArrival = arrival;
    this.heldTimestamp = timestamp;
    this.heldType = type;
    this.heldStart = start;
    this.heldEnd = end;
    this.heldData = data;
  }

  /** RFC 3550 A.8, skipping packets that repeat the previous timestamp (DTMF events, split frames). */
  private updateJitter(segment: Segment, timestamp: number, arrivalMs: number): void {
    const ts = extend(timestamp, segment.lastTimestampExt ?? timestamp, 0x100000000);
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

  private drain(segment: Segment, all: boolean, nowMs: number | undefined): void {
    while (this.count > 0) {
      const slot = this.head;
      const overWindow = this.count > this.windowPackets;
      const overDelay = nowMs !== undefined && nowMs - this.heldArrival[slot]! > this.maxDelayMs;
      if (!all && !overWindow && !overDelay) return;
      const data = this.heldData[slot]!;
      this.heldData[slot] = undefined;
      this.head = (slot + 1) & (this.capacity - 1);
      this.count--;
      this.play(
        segment,
        this.heldSeq[slot]!,
        this.heldArrival[slot]!,
        this.heldTimestamp[slot]!,
        this.heldType[slot]!,
        data,
        this.heldStart[slot]!,
        this.heldEnd[slot]!,
      );
    }
  }

  private ticksToSamples(ticks: number): number {
    return Math.round((ticks * this.sampleRate) / this.clockRate);
  }

  private emitSilence(segment: Segment, samples: number): void {
    if (samples <= 0) return;
    this.output.silence(this.position, samples, segment.stats.ssrc, segment.stats.segment);
    this.position += samples;
    this.silenceSamples += samples;
  }

  private play(
    segment: Segment,
    extSeq: number,
    arrivalMs: number,
    timestamp: number,
    payloadType: number,
    data: Buffer,
    start: number,
    end: number,
  ): void {
    segment.played[extSeq % PLAYED_RING] = extSeq;
    segment.nextSeq = extSeq + 1;
    const decoder = this.decoderOf(payloadType);
    if (!decoder) return;
    let samples: Int16Array | undefined;
    let length: number;
    if (decoder.g711 !== undefined) {
      length = end - start;
    } else {
      try {
        samples = decoder.decode(start === 0 && end === data.length ? data : data.subarray(start, end));
      } catch {
        return; // an undecodable payload plays as the silence the next gap fills
      }
      length = samples.length;
    }
    if (length === 0) return;
    const ts = extend(timestamp, segment.endTimestamp ?? timestamp, 0x100000000);
    let first = ts;
    if (segment.endTimestamp === undefined) {
      this.bridgeSegments(segment, arrivalMs);
    } else {
      const gap = ts - segment.endTimestamp;
      if (Math.abs(gap) > this.maxGapTicks) {
        // Timestamp discontinuity (the sender restarted its clock): keep real time by arrival instead.
        const elapsedMs = Math.max(0, arrivalMs - (segment.lastPlayedArrivalMs ?? arrivalMs));
        const ticks = Math.min((elapsedMs * this.clockRate) / 1000, this.maxArrivalGapTicks);
        this.emitSilence(segment, this.ticksToSamples(ticks) - segment.lastPlayedSamples);
      } else if (gap > 0) {
        this.emitSilence(segment, this.ticksToSamples(gap));
      } else if (gap < 0) {
        // Overlaps audio already played (a retransmission with a new sequence number): keep the new tail.
        const overlap = this.ticksToSamples(-gap);
        if (overlap >= length) return;
        if (samples) samples = samples.subarray(overlap);
        else start += overlap;
        length -= overlap;
        first = segment.endTimestamp;
      }
    }
    this.output.audio(
      this.position,
      length,
      samples,
      data,
      start,
      decoder,
      segment.stats.ssrc,
      segment.stats.segment,
      first >>> 0,
      arrivalMs,
    );
    this.position += length;
    segment.endTimestamp = first + (length * this.clockRate) / this.sampleRate;
    segment.lastPlayedArrivalMs = arrivalMs;
    segment.lastPlayedSamples = length;
  }

  /** First audio of a segment after another: silence for the arrival-time gap between them. */
  private bridgeSegments(segment: Segment, arrivalMs: number): void {
    const previous = this.segments[segment.stats.segment - 1];
    if (!previous || previous.lastPlayedArrivalMs === undefined) return;
    const elapsedTicks = ((arrivalMs - previous.lastPlayedArrivalMs) * this.clockRate) / 1000;
    const ticks = Math.min(elapsedTicks, this.maxArrivalGapTicks);
    this.emitSilence(segment, this.ticksToSamples(ticks) - previous.lastPlayedSamples);
  }
}

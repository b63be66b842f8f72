import { DeferredDecoder, deferredCodecOf } from './codec.deferred.ts';
import {
  JitterBuffer,
  g711Decoder,
  l16Decoder,
  type AudioDecoder,
  type JitterOutput,
  type StreamStats,
} from './jitter-buffer.ts';
import { DtmfDetector, parseTelephoneEvent, TelephoneEventRecogniser, type DtmfEvent } from './rfc4733.ts';
import { parseRtcp } from './rtcp.ts';
import { RtpHeader, type RtpPacket } from './rtp.ts';
import type { RtpMap } from '../sip/sdp.ts';
import type { SpoolWriter } from '../spool/spool.log.ts';
import type { RtcpSummary } from '../captured-call.ts';
import type { SrtpCounters } from '../../../models/call.ts';
import type { LiveCallFeed } from '../live.tap.ts';
import { LiveDeferredStream } from './live.deferred.ts';
import { decodeG711Into } from './g711.ts';
import {
  SRTP_AUTH_FAILED,
  SRTP_MALFORMED,
  SRTP_REPLAYED,
  SrtpContext,
  type SrtpKeyMaterial,
  type SrtpSuite,
} from './srtp.ts';

/**
 * Records one RTP stream of a call into the call's spool: packets → jitter buffer → audio (G.711 spooled as its
 * codes and decoded when the spool is read, L16 decoded here, the codecs of codec.deferred.ts kept for ffmpeg),
 * RFC 4733 key presses with their position in the recording (on the payload type the SDP names, else on a dynamic
 * type whose packets `TelephoneEventRecogniser` takes for telephone-events, whenever they first appear), RTCP
 * reports, and running statistics. The same recorder serves live sockets (arrival = wall clock) and capture files
 * (arrival = capture timestamp). A stream negotiated with an SRTP key is decrypted before the jitter buffer (SRTCP
 * before the RTCP statistics); packets that fail authentication are dropped and counted.
 */

/** Parses the datagrams of every recorder, one at a time (nothing keeps it across a call). */
const header = new RtpHeader();

export interface StreamDescription {
  track: number;
  /** 0 agent (left), 1 customer (right). */
  channel: number;
  label: string | null;
  /** The codec the stream is expected to carry; other payload types of `codecs` at its rate decode too. */
  codec: RtpMap;
  /** The SDP's `a=fmtp` value for the codec's payload type (iLBC mode, AMR payload format), when there is one. */
  fmtp?: string | undefined;
  codecs?: readonly RtpMap[];
  telephoneEvent: RtpMap | undefined;
  /** SRTP key material (SDES) when the stream is encrypted. Never spooled: only the suite name is. */
  srtp?: SrtpKeyMaterial | undefined;
}

export interface StreamRecorderOptions {
  /** Packets held for reordering (default 25, half a second at 20 ms). */
  windowPackets?: number;
  /** Longest a packet waits for reordering (default 200 ms), which bounds what a crash can lose. */
  maxDelayMs?: number;
}

/** Codec names recorded here (decoded now, or later by ffmpeg). */
export function isRecordableCodec(encoding: string): boolean {
  const e = encoding.toLowerCase();
  return e === 'pcmu' || e === 'pcma' || e === 'l16' || deferredCodecOf(e) !== undefined;
}

/** RTP payloads that are not a party's voice: key presses, comfort noise, redundancy and error correction. */
const NOT_VOICE = new Set(['telephone-event', 'cn', 'red', 'ulpfec', 'flexfec', 'rtx']);

/**
 * An audio codec Escucha cannot decode (G.723.1, G.728, EVS, ...): its stream is still followed, so the call
 * is archived with its metadata, RTP statistics and real length, its audio silence and marked not decodable.
 */
export function isUndecodableAudioCodec(encoding: string): boolean {
  return !isRecordableCodec(encoding) && !NOT_VOICE.has(encoding.toLowerCase());
}

/**
 * The first dynamic payload type an audio m-line lists without naming it in an `a=rtpmap` (nothing says which codec
 * it is): a stream in it is followed as not decodable, named `payload type N`, at an assumed 8 kHz clock.
 */
export function unnamedPayloadType(formats: readonly string[], named: readonly RtpMap[]): RtpMap | undefined {
  for (const format of formats) {
    const pt = /^\d{1,3}$/.test(format) ? Number(format) : -1;
    if (pt >= 96 && pt <= 127 && !named.some((r) => r.payloadType === pt)) {
      return { payloadType: pt, encoding: `payload type ${pt}`, clockRate: 8000, channels: 1 };
    }
  }
  return undefined;
}

/**
 * Stands in for a codec that cannot be decoded: 10 ms of silence per packet (less than any packet holds), the
 * jitter buffer filling the rest of each packet's span from the RTP timestamps, so the timeline keeps real time.
 */
class UndecodableDecoder implements AudioDecoder {
  constructor(readonly sampleRate: number) {}
  decode(): Int16Array {
    return new Int16Array(Math.max(1, Math.round(this.sampleRate / 100)));
  }
}

function decoderFor(map: RtpMap, fmtp?: string): AudioDecoder | undefined {
  const e = map.encoding.toLowerCase();
  if (e === 'pcmu') return g711Decoder('PCMU');
  if (e === 'pcma') return g711Decoder('PCMA');
  if (e === 'l16') return l16Decoder(map.clockRate, map.channels);
  const deferred = deferredCodecOf(e, map.clockRate);
  if (deferred) return new DeferredDecoder(deferred, fmtp);
  return isUndecodableAudioCodec(e) ? new UndecodableDecoder(map.clockRate) : undefined;
}

export interface RecorderSnapshot extends StreamStats {
  track: number;
  channel: number;
  firstArrivalMs: number | null;
  lastArrivalMs: number | null;
  /** When the stream's audio ends on the arrival clock (last packet plus its length). */
  endMs: number | null;
  rtcp: RtcpSummary | null;
  dtmfCount: number;
  /** SRTP streams: the suite, the packets decrypted and those dropped (failed authentication, replayed, malformed). */
  srtp: SrtpSnapshot | null;
}

/** What SRTP decryption counted for the stream (the stored SrtpCounters, with the suite's own type). */
export type SrtpSnapshot = Omit<SrtpCounters, 'suite'> & { suite: SrtpSuite };

export class StreamRecorder implements JitterOutput {
  readonly description: StreamDescription;
  private readonly spool: SpoolWriter;
  private readonly buffer: JitterBuffer;
  private readonly decoders = new Map<number, AudioDecoder>();
  private readonly deferred: DeferredDecoder | undefined;
  /** The codec cannot be decoded: its packets are timed and counted, their audio spooled as silence. */
  private readonly undecodable: boolean;
  private dtmf: DtmfDetector | undefined;
  /** The telephone-event payload type: the SDP's, else one recognised from the packets (-1: none yet). */
  private eventPayloadType: number;
  private recogniser: TelephoneEventRecogniser | undefined;
  /** Packets of series not yet recognised, replayed as key presses once they are. */
  private readonly unrecognised: Array<{ packet: RtpPacket; arrivalMs: number }> = [];
  private readonly sampleRate: number;
  private readonly clockRate: number;
  private originMs: number | undefined;
  /** Last audio frame played (`hasReference`): maps RTP timestamps of its SSRC to output positions. */
  private hasReference = false;
  private referenceSsrc = 0;
  private referenceTimestamp = 0;
  private referencePosition = 0;
  private readonly eventArrivals = new Map<string, number>();
  private firstArrivalMs: number | undefined;
  private lastArrivalMs: number | undefined;
  private lastPacketMs = 20;
  private dtmfCount = 0;
  private readonly rtcpState = {
    senderReports: 0,
    receiverReports: 0,
    fractionLost: null as number | null,
    cumulativeLost: null as number | null,
    jitterMs: null as number | null,
    senderPacketCount: null as number | null,
  };
  private finished = false;
  /** Packets that were not RTP at all. */
  invalidPackets = 0;
  private srtp: SrtpContext | undefined;
  private srtpMaterial: SrtpKeyMaterial | undefined;
  /** SRTP packets decrypted, and those dropped (failed authentication, replayed, malformed; SRTCP failing). */
  private readonly srtpCounters = {
    decrypted: 0,
    authFailures: 0,
    replayed: 0,
    malformed: 0,
    rtcpAuthFailures: 0,
  };

  /** The live side of the call, given the stream's audio as it is played out (decoded only while it is wanted). */
  private readonly live: LiveCallFeed | undefined;
  /** A deferred codec's live decoder, while the stream's audio is wanted (none: its audio is silence live). */
  private liveDeferred: LiveDeferredStream | undefined;
  /** The stream's live decoder failed: silence live from then on. */
  private liveDeferredFailed = false;
  /** No decoder could start: the next try is not before this (arrival clock). */
  private liveDeferredRetryMs = -Infinity;

  constructor(
    description: StreamDescription,
    spool: SpoolWriter,
    options: StreamRecorderOptions = {},
    live?: LiveCallFeed,
  ) {
    this.description = description;
    this.spool = spool;
    this.live = live;
    const primary = decoderFor(description.codec, description.fmtp);
    if (!primary) throw new Error(`codec ${description.codec.encoding} is not recordable`);
    this.decoders.set(description.codec.payloadType, primary);
    this.deferred = primary instanceof DeferredDecoder ? primary : undefined;
    this.undecodable = primary instanceof UndecodableDecoder;
    // A stream may switch between G.711 laws (or L16) at the same rate; a deferred codec stays alone on its track.
    for (const map of this.deferred || this.undecodable ? [] : (description.codecs ?? [])) {
      if (this.decoders.has(map.payloadType)) continue;
      const decoder = decoderFor(map);
      if (
        decoder &&
        !(decoder instanceof DeferredDecoder) &&
        decoder.sampleRate === primary.sampleRate &&
        map.clockRate === description.codec.clockRate
      ) {
        this.decoders.set(map.payloadType, decoder);
      }
    }
    this.sampleRate = primary.sampleRate;
    this.clockRate = description.codec.clockRate;
    this.buffer = new JitterBuffer({
      clockRate: this.clockRate,
      decoders: this.decoders,
      windowPackets: options.windowPackets ?? 25,
      maxDelayMs: options.maxDelayMs ?? 200,
      maxGapMs: 10_000,
      maxArrivalGapMs: 6 * 3600_000,
      codec: description.codec.encoding,
      output: this,
    });
    this.useSrtp(description.srtp);
    if (description.telephoneEvent) {
      this.dtmf = new DtmfDetector({ clockRate: description.telephoneEvent.clockRate });
    }
    this.eventPayloadType = description.telephoneEvent?.payloadType ?? -1;
    spool.event({
      t: 'stream',
      track: description.track,
      channel: description.channel,
      label: description.label,
      codec: description.codec.encoding,
      payloadType: description.codec.payloadType,
      clockRate: this.clockRate,
      sampleRate: this.sampleRate,
      deferred: this.deferred?.codec ?? null,
      ...(this.undecodable ? { decodable: false } : {}),
      srtp: description.srtp?.suite ?? null,
    });
  }

  /** Sets (or changes, after a re-INVITE with a new key) the stream's SRTP key; a key already in use is kept. */
  useSrtp(material: SrtpKeyMaterial | undefined): void {
    const current = this.srtpMaterial;
    if (
      current !== undefined &&
      material !== undefined &&
      current.suite === material.suite &&
      current.keySalt.equals(material.keySalt)
    )
      return;
    this.srtpMaterial = material;
    this.srtp = material === undefined ? undefined : new SrtpContext(material);
  }

  get packets(): number {
    return this.buffer.received;
  }

  /**
   * A datagram from the stream's RTP port (or matched to it in a capture). False when it is not RTP. The recorder
   * may keep a reference to `data` until the packet is played out (it is not copied), so it must not be reused.
   */
  pushRtp(data: Buffer, arrivalMs: number): boolean {
    if (this.srtp !== undefined) {
      const length = this.srtp.unprotectRtp(data);
      if (length < 0) {
        this.countSrtpDrop(length);
        return length !== SRTP_MALFORMED;
      }
      this.srtpCounters.decrypted++;
      data = data.subarray(0, length);
    }
    if (!header.read(data)) {
      this.invalidPackets++;
      return false;
    }
    if (this.finished) return true;
    this.firstArrivalMs ??= arrivalMs;
    this.lastArrivalMs = arrivalMs;
    const pt = header.payloadType;
    if (pt === this.eventPayloadType) this.pushEvent(header.toPacket(data), arrivalMs);
    else if (pt >= 96 && this.eventPayloadType === -1 && !this.decoders.has(pt)) {
      this.recognise(header.toPacket(data), arrivalMs);
    }
    this.buffer.receive(
      header.ssrc,
      header.sequence,
      header.timestamp,
      header.payloadType,
      data,
      header.payloadStart,
      header.payloadEnd,
      arrivalMs,
    );
    return true;
  }

  pushPacket(packet: RtpPacket, arrivalMs: number): void {
    if (this.finished) return;
    this.firstArrivalMs ??= arrivalMs;
    this.lastArrivalMs = arrivalMs;
    const pt = packet.payloadType;
    if (pt === this.eventPayloadType) this.pushEvent(packet, arrivalMs);
    else if (pt >= 96 && this.eventPayloadType === -1 && !this.decoders.has(pt))
      this.recognise(packet, arrivalMs);
    this.buffer.push(packet, arrivalMs);
  }

  /**
   * A dynamic payload type that no SDP named: held until the recogniser decides; once its series is taken for
   * telephone-events, that type is this stream's and the held packets become key presses.
   */
  private recognise(packet: RtpPacket, arrivalMs: number): void {
    this.recogniser ??= new TelephoneEventRecogniser();
    const verdict = this.recogniser.push(packet);
    if (verdict === 'no') return;
    if (verdict === 'pending') {
      if (this.unrecognised.length < 64)
        this.unrecognised.push({ packet: { ...packet, payload: Buffer.from(packet.payload) }, arrivalMs });
      return;
    }
    this.eventPayloadType = packet.payloadType;
    this.dtmf = new DtmfDetector({ clockRate: this.clockRate });
    for (const held of this.unrecognised.splice(0)) {
      if (held.packet.payloadType === packet.payloadType && held.packet.ssrc === packet.ssrc)
        this.pushEvent(held.packet, held.arrivalMs);
    }
    this.recogniser = undefined;
    this.pushEvent(packet, arrivalMs);
  }

  /** An RFC 4733 telephone-event packet, before it goes to the jitter buffer. */
  private pushEvent(packet: RtpPacket, arrivalMs: number): void {
    const key = `${packet.ssrc}:${packet.timestamp}`;
    if (!this.eventArrivals.has(key)) this.eventArrivals.set(key, arrivalMs);
    if (!this.dtmf) return;
    if (this.live?.wantsAudio()) this.toLiveKeyPress(packet, this.eventArrivals.get(key)!);
    for (const event of this.dtmf.push(packet)) this.recordDtmf(event, arrivalMs);
  }

  /** Each key-press packet as it arrives, before the audio around it is played out, so live audio silences it. */
  private toLiveKeyPress(packet: RtpPacket, firstArrivalMs: number): void {
    const parsed = parseTelephoneEvent(packet.payload);
    if (!parsed.ok) return;
    this.live!.keyPress({
      channel: this.description.channel,
      track: this.description.track,
      atMs: this.eventAtMs(packet.ssrc, packet.timestamp, firstArrivalMs),
      durationMs: (parsed.value.duration * 1000) / this.clockRate,
      ended: parsed.value.end,
    });
  }

  /** An RTCP datagram about this stream (or a compound one whose reports mention it). */
  pushRtcp(data: Buffer): void {
    if (this.srtp !== undefined) {
      // Decrypted on a copy: a passive capture offers each SRTCP packet to every stream of the call, and only the
      // one holding its sender's key can read it. A failure counts only for a report from this stream's sender.
      const copy = Buffer.from(data);
      const length = this.srtp.unprotectRtcp(copy);
      if (length < 0) {
        const sender = data.length >= 8 ? data.readUInt32BE(4) : -1;
        if (length === SRTP_AUTH_FAILED && this.buffer.stats.ssrcs.includes(sender)) {
          this.srtpCounters.rtcpAuthFailures++;
        }
        return;
      }
      data = copy.subarray(0, length);
    }
    const parsed = parseRtcp(data);
    if (!parsed.ok) return;
    const ssrcs = new Set(this.buffer.stats.ssrcs);
    for (const packet of parsed.value) {
      if (packet.type === 'sr' && (ssrcs.size === 0 || ssrcs.has(packet.ssrc))) {
        this.rtcpState.senderReports++;
        this.rtcpState.senderPacketCount = packet.sender.packetCount;
      }
      if (packet.type === 'sr' || packet.type === 'rr') {
        for (const block of packet.reports) {
          if (!ssrcs.has(block.ssrc)) continue;
          if (packet.type === 'rr') this.rtcpState.receiverReports++;
          this.rtcpState.fractionLost = block.fractionLost;
          this.rtcpState.cumulativeLost = block.cumulativeLost;
          this.rtcpState.jitterMs = (block.jitter * 1000) / this.clockRate;
        }
      }
    }
  }

  private countSrtpDrop(code: number): void {
    if (code === SRTP_AUTH_FAILED) this.srtpCounters.authFailures++;
    else if (code === SRTP_REPLAYED) this.srtpCounters.replayed++;
    else {
      this.srtpCounters.malformed++;
      this.invalidPackets++;
    }
  }

  /** Plays out packets that waited long enough (call on a timer with the current arrival clock). */
  tick(nowMs: number): void {
    if (!this.finished) this.buffer.tick(nowMs);
  }

  snapshot(): RecorderSnapshot {
    const stats = this.buffer.stats;
    const rtcp = this.rtcpState;
    const hasRtcp = rtcp.senderReports + rtcp.receiverReports > 0;
    return {
      ...stats,
      track: this.description.track,
      channel: this.description.channel,
      firstArrivalMs: this.firstArrivalMs ?? null,
      lastArrivalMs: this.lastArrivalMs ?? null,
      endMs: this.lastArrivalMs === undefined ? null : this.lastArrivalMs + this.lastPacketMs,
      rtcp: hasRtcp ? { ...rtcp } : null,
      dtmfCount: this.dtmfCount,
      srtp: this.srtpMaterial ? { suite: this.srtpMaterial.suite, ...this.srtpCounters } : null,
    };
  }

  /** Writes the current statistics to the spool (periodically, so a recovered call still has them). */
  spoolStats(): void {
    this.spool.event({ t: 'stats', ...this.snapshot() });
  }

  /** Plays out everything, closes open key presses and spools the final statistics. */
  finish(): RecorderSnapshot {
    if (!this.finished) {
      this.buffer.flush();
      for (const event of this.dtmf?.flush() ?? []) this.recordDtmf(event, this.lastArrivalMs ?? 0);
      this.finished = true;
      this.liveDeferred?.stop();
      this.liveDeferred = undefined;
      this.spoolStats();
    }
    return this.snapshot();
  }

  /** Jitter-buffer output: silence (loss, gaps). */
  silence(position: number, count: number): void {
    this.spool.silence(this.description.track, position, count);
    const live = this.live?.wantsAudio() === true;
    const decoding = this.liveDecoding(live);
    if (decoding) decoding.silence(position, count, this.lastArrivalMs ?? 0);
    else if (live) this.toLive(position, this.liveBuffer(count, true), false);
  }

  /**
   * The live decoder of a deferred codec's stream: started when its audio is wanted (at most one try a second
   * while none may start), stopped as soon as it is not; undefined for other codecs, and after it failed.
   */
  private liveDecoding(live: boolean): LiveDeferredStream | undefined {
    if (!live) {
      this.liveDeferred?.stop();
      this.liveDeferred = undefined;
      return undefined;
    }
    if (this.liveDeferred || !this.deferred || this.liveDeferredFailed) return this.liveDeferred;
    const decoders = this.live?.decoders;
    const now = this.lastArrivalMs ?? 0;
    if (!decoders || now < this.liveDeferredRetryMs) return undefined;
    this.liveDeferred = LiveDeferredStream.open({
      codec: this.deferred.codec,
      sampleRate: this.sampleRate,
      decoders,
      emit: (s) => this.toLive(s.position, s.samples, s.voiced, s.arrivalMs, s.leftOut),
      failed: () => {
        this.liveDeferredFailed = true;
        this.liveDeferred = undefined;
      },
    });
    if (!this.liveDeferred) this.liveDeferredRetryMs = now + 1000;
    return this.liveDeferred;
  }

  /**
   * The stretch handed to the live side: one buffer per recorder, reused from frame to frame (a tap copies what it
   * keeps, live.tap.ts), zeroed when it stands for silence.
   */
  private liveScratch = new Int16Array(320);
  private liveBuffer(count: number, silent: boolean): Int16Array {
    if (this.liveScratch.length < count) this.liveScratch = new Int16Array(count);
    const out = this.liveScratch.subarray(0, count);
    if (silent) out.fill(0);
    return out;
  }

  private toLive(
    position: number,
    samples: Int16Array,
    voiced: boolean,
    arrivalMs = this.lastArrivalMs ?? 0,
    leftOut = false,
  ): void {
    this.live!.audio({
      channel: this.description.channel,
      track: this.description.track,
      sampleRate: this.sampleRate,
      position,
      arrivalMs,
      atMs: (this.originMs ?? this.lastArrivalMs ?? 0) + (position * 1000) / this.sampleRate,
      samples,
      voiced,
      ...(leftOut ? { leftOut } : {}),
    });
  }

  /** Jitter-buffer output: audio, in timeline order. */
  audio(
    position: number,
    count: number,
    samples: Int16Array | undefined,
    data: Buffer,
    start: number,
    decoder: AudioDecoder,
    ssrc: number,
    _segment: number,
    timestamp: number,
    arrivalMs: number,
  ): void {
    const track = this.description.track;
    if (this.originMs === undefined) {
      this.originMs = arrivalMs - (position * 1000) / this.sampleRate;
      this.spool.event({ t: 'origin', track, atMs: this.originMs });
    }
    this.hasReference = true;
    this.referenceSsrc = ssrc;
    this.referenceTimestamp = timestamp;
    this.referencePosition = position;
    this.lastPacketMs = (count * 1000) / this.sampleRate;
    const live = this.live?.wantsAudio() === true;
    if (samples === undefined) {
      this.spool.g711(track, position, decoder.g711!, data, start, count);
      if (live) {
        const pcm = this.liveBuffer(count, false);
        decodeG711Into(data, start, start + count, decoder.g711!, pcm, 0);
        this.toLive(position, pcm, true);
      }
      return;
    }
    if (this.undecodable) {
      this.spool.silence(track, position, count);
      if (live) this.toLive(position, this.liveBuffer(count, true), false);
      return;
    }
    const deferred = this.deferred?.payloadOf(samples);
    if (deferred) {
      this.spool.payload(track, position, deferred.trim, deferred.payload);
      // Decoded by ffmpeg when the call is assembled; live, by a live decoder beside capture while one runs, else
      // it is silence.
      const decoding = this.liveDecoding(live);
      if (decoding) decoding.unit(position, count, deferred.trim, deferred.payload, arrivalMs);
      else if (live) this.toLive(position, this.liveBuffer(count, true), false, undefined, true);
    } else {
      this.spool.pcm(track, position, samples);
      if (live) this.toLive(position, samples, true);
    }
  }

  /** A key press's start on the call's clock: from its RTP timestamp once audio of its SSRC has played, else when it arrived. */
  private eventAtMs(ssrc: number, startTimestamp: number, arrivedMs: number): number {
    if (!this.hasReference || this.referenceSsrc !== ssrc || this.originMs === undefined) return arrivedMs;
    const ticks = (startTimestamp - this.referenceTimestamp) | 0;
    const position = this.referencePosition + (ticks * this.sampleRate) / this.clockRate;
    return this.originMs + (position * 1000) / this.sampleRate;
  }

  private recordDtmf(event: DtmfEvent, arrivalMs: number): void {
    const key = `${event.ssrc}:${event.startTimestamp}`;
    const atMs = this.eventAtMs(event.ssrc, event.startTimestamp, this.eventArrivals.get(key) ?? arrivalMs);
    this.eventArrivals.delete(key);
    this.dtmfCount++;
    this.spool.event({
      t: 'dtmf',
      track: this.description.track,
      channel: this.description.channel,
      digit: event.digit,
      atMs,
      durationMs: event.durationMs,
      ended: event.ended,
      method: 'rfc4733',
    });
  }
}

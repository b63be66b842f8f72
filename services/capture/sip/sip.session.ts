import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isDiskFull } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { agentSideOf, channelOf, siprecStreamSide, type MetadataRules } from '../call.metadata.ts';
import { recordDialogEvent } from '../dialog/dialog.recording.ts';
import {
  MAX_STREAMS_PER_DIALOG,
  streamLabel,
  type DialogBodies,
  type DialogStep,
  type SipDialog,
} from '../dialog/sip.dialog.ts';
import { RecordingCall } from '../spool/recording.call.ts';
import type { AllocationRefusal, RtpPortPool, RtpSocketPair } from '../rtp/rtp.ports.ts';
import { isRecordableProfile } from '../rtp/srtp.sdes.ts';
import { buildSdpAnswer, DEFAULT_RECORDING_CODECS, type AnswerStream } from './sdp.answer.ts';
import type { SdpSession } from './sdp.ts';
import type { SipMessage, SipRequest } from './sip.message.ts';
import type { StreamRecorder, StreamRecorderOptions } from '../rtp/stream.recorder.ts';
import { liveErrorReporter, type LiveFeedOptions } from '../live.tap.ts';

/**
 * One recording dialog of the SIP server: the SDP answer and the RTP sockets behind it, and the `RecordingCall` that
 * spools what arrives. What the dialog's messages mean (pause and resume, metadata, key presses signalled in SIP,
 * its end) is decided by `SipDialog`, as for passive capture: the session feeds it each request it accepts and each
 * response the server sends, and records its events; it keeps to itself only what a server does (ports, answers,
 * streams added or removed).
 */

export interface SessionDeps {
  ports: RtpPortPool;
  rules: MetadataRules;
  spoolRoot: string;
  fsync: boolean;
  now: () => number;
  logger: Logger;
  recorder?: StreamRecorderOptions;
  /** The live side, told of every call in progress. */
  live?: LiveFeedOptions;
  /** Codecs recorded, in preference order. */
  codecs?: readonly string[];
}

export interface SessionFailure {
  status: number;
  reason: string;
  warning?: string;
  retryAfter?: number;
  /** Set when the source already holds its share of the RTP ports (ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE). */
  overShare?: boolean;
}

/** Seconds an SBC is asked to wait before offering again when ports are short. */
const PORTS_RETRY_AFTER_S = 5;

/**
 * The answer when ports cannot be had. Both cases are 503 with Retry-After, the overload answer an SBC fails over to
 * another recording server on (or retries after the delay) for this request only; the dialog of a refused re-INVITE
 * keeps the session it had (RFC 3261 §14.1: after a non-2xx answer to a re-INVITE the session is unchanged). 486
 * would tell the SRC the recorded party is busy and 488 that the SDP is wrong, and neither is true.
 */
function portsRefused(refusal: AllocationRefusal, maxPerSource: number): SessionFailure {
  return refusal === 'source-share'
    ? {
        status: 503,
        reason: 'Service Unavailable',
        warning: `this source already holds its ${maxPerSource} RTP streams (ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE)`,
        retryAfter: PORTS_RETRY_AFTER_S,
        overShare: true,
      }
    : {
        status: 503,
        reason: 'Service Unavailable',
        warning: 'no free RTP ports',
        retryAfter: PORTS_RETRY_AFTER_S,
      };
}

interface MediaEntry {
  index: number;
  pair: RtpSocketPair;
  recorder: StreamRecorder | undefined;
  answer: AnswerStream;
}

/** An audio m-line the recorder can take: what `buildSdpAnswer` will ask a port for. */
function wantsPort(offer: SdpSession, index: number, codecs: readonly string[]): boolean {
  const m = offer.media[index];
  if (!m || m.port === 0 || m.type !== 'audio' || !isRecordableProfile(m)) return false;
  const wanted = codecs.map((c) => c.toLowerCase());
  return m.rtpmaps.some((r) => wanted.includes(r.encoding.toLowerCase()));
}

export class SipSession {
  readonly callId: string;
  readonly remoteTag: string;
  readonly localTag: string;
  readonly call: RecordingCall;
  /** What the dialog's messages mean, as passive capture reads them too. */
  readonly dialog: SipDialog;
  private readonly deps: SessionDeps;
  private readonly media = new Map<number, MediaEntry>();
  private version = 1;
  private readonly address: string;
  /** The address the dialog's requests come from; its ports count against this source's share. */
  readonly source: string;
  lastActivityMs: number;
  /** Whether any stream of the dialog has received an RTP packet. */
  mediaSeen = false;
  private ended = false;

  private constructor(
    deps: SessionDeps,
    call: RecordingCall,
    dialog: SipDialog,
    init: { remoteTag: string; address: string; source: string },
  ) {
    this.deps = deps;
    this.call = call;
    this.dialog = dialog;
    this.callId = dialog.callId;
    this.remoteTag = init.remoteTag;
    this.localTag = randomUUID().replace(/-/g, '').slice(0, 16);
    this.address = init.address;
    this.source = init.source;
    this.lastActivityMs = deps.now();
  }

  /**
   * Accepts an INVITE (`dialog`, opened from it): binds ports, opens the spool, starts the recorders. Returns the SDP
   * answer, or the failure to answer with (ports exhausted or the source's share taken, nothing recordable).
   * `remoteAddress` is where the INVITE came from: the ports count against that source.
   */
  static async create(
    deps: SessionDeps,
    dialog: SipDialog,
    offer: SdpSession,
    options: {
      address: string;
      remoteAddress: string;
      source: 'siprec' | 'sip';
      remoteTag: string;
    },
  ): Promise<{ session: SipSession; sdp: string } | SessionFailure> {
    const codecs = deps.codecs ?? DEFAULT_RECORDING_CODECS;
    const recordable = offer.media.filter((_, i) => wantsPort(offer, i, codecs)).length;
    // Streams past the cap are answered with port 0 (refused), so one offer cannot drain the port range.
    const needed = Math.min(recordable, MAX_STREAMS_PER_DIALOG);
    if (needed === 0)
      return {
        status: 488,
        reason: 'Not Acceptable Here',
        warning: `no audio stream over RTP/AVP or SDES-keyed RTP/SAVP with a recordable codec (${codecs.join(', ')})`,
      };
    const pairs = await deps.ports.allocateMany(needed, options.remoteAddress);
    if (typeof pairs === 'string') return portsRefused(pairs, deps.ports.maxPerSource);
    let call: RecordingCall;
    try {
      call = await RecordingCall.open(
        {
          captureId: randomUUID(),
          source: options.source,
          startedAtMs: dialog.startedAtMs,
          sip: dialog.sip,
          siprec: dialog.siprec,
        },
        {
          spoolRoot: deps.spoolRoot,
          fsync: deps.fsync,
          ...(deps.recorder ? { recorder: deps.recorder } : {}),
          ...(deps.live ? { live: deps.live, onLiveError: liveErrorReporter(deps.logger) } : {}),
        },
      );
    } catch (error) {
      for (const p of pairs) deps.ports.release(p);
      deps.logger.error({ err: error }, 'cannot open the call spool');
      // A full spool disk is an outage the peer can wait out or route around: 503 with a delay, as for ports.
      if (isDiskFull(error))
        return {
          status: 503,
          reason: 'Service Unavailable',
          warning: 'capture spool disk full',
          retryAfter: 30,
        };
      return { status: 500, reason: 'Server Internal Error', warning: 'spool not writable' };
    }
    const session = new SipSession(deps, call, dialog, {
      remoteTag: options.remoteTag,
      address: options.address,
      source: options.remoteAddress,
    });
    const sdp = session.applyOffer(offer, pairs);
    if (session.media.size === 0) {
      await session.discard();
      return { status: 488, reason: 'Not Acceptable Here', warning: 'no recordable stream in the offer' };
    }
    return { session, sdp };
  }

  /**
   * A re-INVITE or UPDATE offer: keeps ports of continuing streams, adds and removes streams. What else it changes
   * (pause or resume, metadata) takes effect with the 2xx the server sends (`sent`).
   */
  async update(
    request: SipRequest,
    offer: SdpSession,
    bodies: DialogBodies,
  ): Promise<{ sdp: string } | SessionFailure> {
    this.touch();
    const codecs = this.deps.codecs ?? DEFAULT_RECORDING_CODECS;
    const added = offer.media.filter((_, i) => wantsPort(offer, i, codecs) && !this.media.has(i)).length;
    const needed = Math.max(0, Math.min(added, MAX_STREAMS_PER_DIALOG - this.media.size));
    const pairs = needed === 0 ? [] : await this.deps.ports.allocateMany(needed, this.source);
    if (typeof pairs === 'string') return portsRefused(pairs, this.deps.ports.maxPerSource);
    this.record(this.dialog.feed(request, this.deps.now(), bodies));
    return { sdp: this.applyOffer(offer, pairs) };
  }

  private applyOffer(offer: SdpSession, fresh: RtpSocketPair[]): string {
    const codecs = this.deps.codecs ?? DEFAULT_RECORDING_CODECS;
    const pending = [...fresh];
    const assigned = new Map<number, RtpSocketPair>();
    const answer = buildSdpAnswer(offer, {
      address: this.address,
      codecs,
      sessionId: String(Date.now()),
      sessionVersion: String(this.version++),
      allocatePort: ({ index }) => {
        const existing = this.media.get(index);
        if (existing) return existing.pair.port;
        const pair = pending.shift();
        if (!pair) return undefined;
        assigned.set(index, pair);
        return pair.port;
      },
    });
    for (const p of pending) this.deps.ports.release(p);
    const { sip, siprec } = this.dialog.offered;
    const agent = agentSideOf(sip, siprec, this.deps.rules);
    for (const stream of answer.streams) {
      const existing = this.media.get(stream.index);
      if (stream.rejected || !stream.codec) {
        if (existing) this.removeMedia(existing);
        const pair = assigned.get(stream.index);
        if (pair) this.deps.ports.release(pair);
        continue;
      }
      const side = this.dialog.isSiprec
        ? siprecStreamSide(siprec, stream.label ?? null, stream.index)
        : stream.index % 2 === 0
          ? 'caller'
          : 'callee';
      const channel = channelOf(side, agent);
      if (existing) {
        const sameCodec =
          existing.answer.codec?.payloadType === stream.codec.payloadType &&
          existing.answer.codec.encoding === stream.codec.encoding;
        if (!sameCodec || existing.recorder?.description.channel !== channel) {
          if (existing.recorder) this.call.stopStream(existing.recorder);
          existing.recorder = this.startRecorder(stream, channel, offer);
        } else existing.recorder?.useSrtp(stream.srtp);
        existing.answer = stream;
        continue;
      }
      const pair = assigned.get(stream.index);
      if (!pair) continue;
      const entry: MediaEntry = { index: stream.index, pair, recorder: undefined, answer: stream };
      entry.recorder = this.startRecorder(stream, channel, offer);
      pair.rtp.onDatagram((data, arrivalMs) => {
        this.lastActivityMs = this.deps.now();
        this.mediaSeen = true;
        entry.recorder?.pushRtp(data, arrivalMs);
      });
      pair.rtcp.onDatagram((data) => entry.recorder?.pushRtcp(data));
      this.media.set(stream.index, entry);
    }
    return answer.sdp;
  }

  private startRecorder(
    stream: AnswerStream,
    channel: number,
    offer: SdpSession,
  ): StreamRecorder | undefined {
    if (!stream.codec) return undefined;
    const offered = offer.media[stream.index]?.rtpmaps ?? [];
    return this.call.addStream({
      channel,
      label: streamLabel(stream.label, stream.index),
      codec: stream.codec,
      fmtp: offer.media[stream.index]?.fmtp.get(stream.codec.payloadType),
      codecs: offered,
      telephoneEvent: stream.telephoneEvent,
      srtp: stream.srtp,
    });
  }

  private removeMedia(entry: MediaEntry): void {
    if (entry.recorder) this.call.stopStream(entry.recorder);
    entry.recorder = undefined;
    this.deps.ports.release(entry.pair);
    this.media.delete(entry.index);
  }

  /** A request of the dialog other than an offer (INFO, BYE, a refresh without SDP): what it means, recorded. */
  receive(request: SipRequest): DialogStep {
    this.touch();
    return this.record(this.dialog.feed(request, this.deps.now()));
  }

  /** A final response the server sent in this dialog: a 2xx puts the offer it answers into effect. */
  sent(response: SipMessage): void {
    this.record(this.dialog.feed(response, this.deps.now()));
  }

  private record(step: DialogStep): DialogStep {
    for (const event of step.events) recordDialogEvent(this.call, event);
    return step;
  }

  touch(): void {
    this.lastActivityMs = this.deps.now();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get streamCount(): number {
    return this.media.size;
  }

  /** Ends the recording: closes the sockets, finishes the streams, writes the end marker. */
  async end(reason: string): Promise<void> {
    if (this.ended) return;
    // A BYE has flushed already (SipServer does before every request); a media timeout or a shutdown has not.
    this.deps.ports.flush();
    this.ended = true;
    for (const entry of [...this.media.values()]) {
      this.deps.ports.release(entry.pair);
      this.media.delete(entry.index);
    }
    await this.call.end(this.deps.now(), reason);
  }

  /** Drops a session that was never answered (CANCEL, or nothing recordable): ports and spool removed. */
  async discard(): Promise<void> {
    this.ended = true;
    for (const entry of [...this.media.values()]) this.deps.ports.release(entry.pair);
    this.media.clear();
    await this.call.abandon();
    await rm(this.call.dir, { recursive: true, force: true });
  }
}

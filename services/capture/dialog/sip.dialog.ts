import { errorMessage } from '../../platform/errors.ts';
import {
  agentSideOf,
  channelOf,
  interestingHeaders,
  sipFactsOf,
  siprecFactsOf,
  type MetadataRules,
  type Side,
  type SipFacts,
  type SiprecFacts,
} from '../call.metadata.ts';
import { siprecBodies } from '../sip/multipart.ts';
import { holdStateOf, parseSdp, type SdpSession } from '../sip/sdp.ts';
import { interpretInfo } from '../sip/sip.info.ts';
import type { SipMessage, SipRequest } from '../sip/sip.message.ts';
import { parseRecordingMetadata, type RecordingMetadata } from '../sip/siprec.metadata.ts';

/**
 * One recorded SIP dialog as both capture paths see it: the recording server (which answers the caller) and passive
 * capture (pcap, live interfaces, HEP: which watches both parties). Fed every SIP message of the dialog with its time,
 * it decides what the dialog means for the recording and says so as events: a party's SDP (where it receives, what
 * it offers or answers), metadata (headers worth keeping, SIPREC metadata), pause and resume, key presses signalled
 * in SIP, and the end with its reason. It holds no sockets, files or timers; each path keeps only its transport: the
 * server answers and binds ports, passive capture matches packets to the SDP it saw.
 *
 * The rules both paths follow:
 * - An offer (INVITE, re-INVITE, UPDATE) changes the session when it is accepted: with its 2xx answer, or the ACK of
 *   it when the answer was not seen; an offer answered with an error changes nothing (RFC 3261 §14.1). Its SDP is
 *   reported at once (media may flow early), its hold state, headers and SIPREC metadata take effect on acceptance,
 *   dated when it was offered.
 * - Hold: every audio stream inactive, sendonly (not for SIPREC, whose SRC always sends only) or at a zero address.
 * - INFO: pause and resume, key presses (`application/dtmf-relay`, `application/dtmf`, capped at
 *   MAX_INFO_KEY_PRESS_MS): `interpretInfo`; the key is the sender's voice channel.
 * - Headers kept as metadata: those of the INVITE, of accepted offers, of INFO and of BYE (other requests are not
 *   part of the recording).
 * - A request seen again (same sender, CSeq number and method: a retransmission) is not acted on twice.
 * - The end: BYE (`bye`), CANCEL before the call was answered (`cancel`), the first INVITE refused (`rejected`).
 */

export type PauseReason = 'inactive' | 'info' | 'hold';
export type DialogEndReason = 'bye' | 'cancel' | 'rejected';

export type DialogEvent =
  /** A party's SDP: where it receives and what it offers or answers, stream by stream. */
  | { t: 'sdp'; by: Side; sdp: SdpSession }
  /** Facts learnt after the INVITE: headers (lower-case name → value), and SIPREC metadata when it changed. */
  | { t: 'metadata'; headers: Record<string, string>; siprec?: SiprecFacts }
  | { t: 'pause'; atMs: number; reason: PauseReason }
  | { t: 'resume'; atMs: number }
  /** A key press signalled in SIP, on the sender's voice channel (0 agent, 1 customer). */
  | { t: 'key'; channel: number; digit: string; durationMs: number; atMs: number }
  /** Something of the dialog that could not be read (kept with the call as a note). */
  | { t: 'note'; text: string }
  | { t: 'ended'; reason: DialogEndReason; atMs: number };

/** How a user agent server answers the request (the recording server sends it; passive capture only watches). */
export interface DialogReply {
  status: number;
  reason: string;
  /** For 415: the body types understood. */
  accept?: string;
}

export interface DialogStep {
  /** Who sent the message. */
  by: Side;
  events: DialogEvent[];
  reply?: DialogReply;
}

/** Body types an INFO of a recorded dialog may carry. */
export const INFO_ACCEPT = 'application/dtmf-relay, application/dtmf, text/plain';

/** A paused recording is kept this many times longer without media before it is taken for abandoned. */
const PAUSED_IDLE_FACTOR = 4;

/** How long a dialog may go without RTP or SIP before it is ended: longer while its recording is paused. */
export function idleLimitMs(baseMs: number, paused: boolean): number {
  return paused ? baseMs * PAUSED_IDLE_FACTOR : baseMs;
}

/**
 * Streams (m-lines) recorded per dialog at most: SIPREC sends one or two per party (four with a separate mixed or
 * video stream); more is either a broken SRC or an attempt to hold the RTP port range. The server answers those
 * past it with port 0; passive capture does not record them.
 */
export const MAX_STREAMS_PER_DIALOG = 8;

/** A recorded stream's name: its SDP `a=label` (SIPREC), else its m-line index. */
export function streamLabel(label: string | null | undefined, index: number): string {
  return label ?? String(index);
}

/** The SDP and SIPREC metadata of a message, read; what could not be read is named in `problem`. */
export interface DialogBodies {
  sdp: SdpSession | undefined;
  metadata: RecordingMetadata | undefined;
  problem: { part: 'body' | 'sdp' | 'metadata'; message: string } | undefined;
}

const NO_BODIES: DialogBodies = { sdp: undefined, metadata: undefined, problem: undefined };

/** Reads the offer or answer of a message (`application/sdp`, SIPREC metadata, or both in a multipart body). */
export function readDialogBodies(message: SipMessage): DialogBodies {
  let parts;
  try {
    parts = siprecBodies(message.headers.get('Content-Type'), message.body);
  } catch (error) {
    return { ...NO_BODIES, problem: { part: 'body', message: `malformed body: ${errorMessage(error)}` } };
  }
  let sdp: SdpSession | undefined;
  let metadata: RecordingMetadata | undefined;
  try {
    sdp = parts.sdp ? parseSdp(parts.sdp) : undefined;
  } catch (error) {
    return { ...NO_BODIES, problem: { part: 'sdp', message: errorMessage(error) } };
  }
  try {
    metadata = parts.metadata ? parseRecordingMetadata(parts.metadata) : undefined;
  } catch (error) {
    return { sdp, metadata: undefined, problem: { part: 'metadata', message: errorMessage(error) } };
  }
  return { sdp, metadata, problem: undefined };
}

const NOTE_OF_PART = {
  body: 'unreadable message body',
  sdp: 'unreadable SDP',
  metadata: 'unreadable SIPREC metadata',
} as const;

/** A recording session by SIPREC (RFC 7866): metadata, a `+sip.src` Contact, or the `siprec` option tag. */
export function isSiprecInvite(invite: SipRequest, metadata: RecordingMetadata | undefined): boolean {
  return (
    metadata !== undefined ||
    /\+sip\.src/i.test(invite.headers.get('Contact') ?? '') ||
    [...invite.headers.getAll('Require'), ...invite.headers.getAll('Supported')].some(
      (t) => t.trim().toLowerCase() === 'siprec',
    )
  );
}

const tagOf = (header: string | undefined): string | undefined =>
  /;\s*tag=([^;>\s]+)/i.exec(header ?? '')?.[1];

/** CSeq number and method, leniently (a capture may hold anything); NaN when absent. */
function cseqOfMessage(message: SipMessage): { seq: number; method: string } {
  const [seq = '', method = ''] = (message.headers.get('CSeq') ?? '').trim().split(/\s+/);
  return { seq: /^\d+$/.test(seq) ? Number(seq) : Number.NaN, method: method.toUpperCase() };
}

/** Methods whose messages carry an offer or an answer. */
const SDP_METHODS = new Set(['INVITE', 'UPDATE', 'ACK', 'PRACK']);
/** Requests whose headers are kept as metadata. */
const METADATA_METHODS = new Set(['INVITE', 'UPDATE', 'INFO', 'BYE']);
/** Retransmissions remembered per dialog. */
const SEEN_REQUESTS = 64;

interface PendingOffer {
  seq: number;
  method: string;
  atMs: number;
  sdp: SdpSession | undefined;
  headers: Record<string, string>;
  siprec: SiprecFacts | undefined;
}

export class SipDialog {
  readonly callId: string;
  /** The From tag of the INVITE: the caller's messages carry it. */
  readonly callerTag: string;
  readonly startedAtMs: number;
  private readonly rules: MetadataRules;
  /** What SIP said of the call: the INVITE, then accepted offers, INFO and BYE. */
  sip: SipFacts;
  siprec: SiprecFacts | null;
  isSiprec: boolean;
  private paused: PauseReason | undefined;
  private confirmed = false;
  /** Whether the first INVITE has been fed. */
  private opened = false;
  private endedBy: DialogEndReason | undefined;
  private pending: PendingOffer | undefined;
  private readonly seen = new Set<string>();

  private constructor(invite: SipRequest, rules: MetadataRules, atMs: number, bodies: DialogBodies) {
    this.rules = rules;
    this.callId = invite.headers.get('Call-ID') ?? '';
    this.callerTag = tagOf(invite.headers.get('From')) ?? '';
    this.startedAtMs = atMs;
    this.sip = sipFactsOf(invite, rules);
    this.siprec = bodies.metadata ? siprecFactsOf(bodies.metadata) : null;
    this.isSiprec = isSiprecInvite(invite, bodies.metadata);
  }

  /**
   * A dialog from its first INVITE, and what that INVITE means; undefined for an INVITE with a To tag (a re-INVITE
   * of a dialog that was not seen begin). `bodies` when the caller has read them already.
   */
  static open(
    invite: SipRequest,
    rules: MetadataRules,
    atMs: number,
    bodies: DialogBodies = readDialogBodies(invite),
  ): { dialog: SipDialog; step: DialogStep } | undefined {
    if (tagOf(invite.headers.get('To')) !== undefined) return undefined;
    const dialog = new SipDialog(invite, rules, atMs, bodies);
    return { dialog, step: dialog.feed(invite, atMs, bodies) };
  }

  get isPaused(): boolean {
    return this.paused !== undefined;
  }

  get ended(): DialogEndReason | undefined {
    return this.endedBy;
  }

  /** The SIP facts and SIPREC metadata in force once the offer being answered is accepted. */
  get offered(): { sip: SipFacts; siprec: SiprecFacts | null } {
    const pending = this.pending;
    if (!pending) return { sip: this.sip, siprec: this.siprec };
    return {
      sip: { ...this.sip, headers: { ...this.sip.headers, ...pending.headers } },
      siprec: pending.siprec ?? this.siprec,
    };
  }

  /** Which side sent a message: requests carry their sender's tag in From, responses their requester's. */
  sideOf(message: SipMessage): Side {
    const fromCaller = (tagOf(message.headers.get('From')) ?? '') === this.callerTag;
    return (message.kind === 'request') === fromCaller ? 'caller' : 'callee';
  }

  /** One SIP message of the dialog, in the order it was sent or seen. */
  feed(message: SipMessage, atMs: number, bodies?: DialogBodies): DialogStep {
    const by = this.sideOf(message);
    const events: DialogEvent[] = [];
    const step: DialogStep = { by, events };
    if (this.endedBy !== undefined) return step;
    const { seq, method } = cseqOfMessage(message);
    if (message.kind === 'request') {
      const key = `${by}|${seq}|${message.method.toUpperCase()}`;
      if (this.seen.has(key)) return step;
      this.seen.add(key);
      if (this.seen.size > SEEN_REQUESTS) this.seen.delete(this.seen.values().next().value!);
    }
    const read = bodies ?? (SDP_METHODS.has(method) ? readDialogBodies(message) : NO_BODIES);
    if (read.problem) events.push({ t: 'note', text: NOTE_OF_PART[read.problem.part] });
    if (read.sdp) events.push({ t: 'sdp', by, sdp: read.sdp });
    if (message.kind === 'request') this.request(message, seq, atMs, read, step);
    else if (message.status >= 200 && this.pending?.seq === seq && this.pending.method === method) {
      if (message.status < 300) this.accept(this.pending, read.sdp, events);
      else {
        this.pending = undefined;
        if (method === 'INVITE' && !this.confirmed) this.end('rejected', atMs, events);
      }
    }
    return step;
  }

  private request(
    request: SipRequest,
    seq: number,
    atMs: number,
    bodies: DialogBodies,
    step: DialogStep,
  ): void {
    const method = request.method.toUpperCase();
    const { events } = step;
    const headers = METADATA_METHODS.has(method) ? interestingHeaders(request, this.rules) : {};
    switch (method) {
      case 'INVITE':
      case 'UPDATE': {
        // The first INVITE's headers and metadata are the dialog's facts from the start.
        const first = !this.opened;
        this.opened = true;
        this.pending = {
          seq,
          method,
          atMs,
          sdp: bodies.sdp,
          headers: first ? {} : headers,
          siprec: bodies.metadata && !first ? siprecFactsOf(bodies.metadata) : undefined,
        };
        return;
      }
      case 'ACK':
        // The ACK of a 2xx whose answer was not seen: the offer was accepted.
        if (this.pending?.method === 'INVITE' && this.pending.seq === seq)
          this.accept(this.pending, undefined, events);
        return;
      case 'INFO': {
        this.absorb(headers, undefined, events);
        const meaning = interpretInfo(request);
        step.reply = { status: 200, reason: 'OK' };
        if (meaning.kind === 'pause') this.pause(atMs, 'info', events);
        else if (meaning.kind === 'resume') this.resume(atMs, events);
        else if (meaning.kind === 'key') {
          const agent = agentSideOf(this.sip, this.siprec, this.rules);
          events.push({
            t: 'key',
            channel: channelOf(step.by, agent),
            digit: meaning.digit,
            durationMs: meaning.durationMs,
            atMs,
          });
        } else if (meaning.kind === 'bad-key') step.reply = { status: 400, reason: 'Bad Request' };
        else if (meaning.kind === 'unsupported')
          step.reply = { status: 415, reason: 'Unsupported Media Type', accept: INFO_ACCEPT };
        return;
      }
      case 'BYE':
        this.absorb(headers, undefined, events);
        this.end('bye', atMs, events);
        return;
      case 'CANCEL':
        // A CANCEL after the answer does nothing to the dialog (RFC 3261 §9.2).
        if (!this.confirmed) this.end('cancel', atMs, events);
        return;
      default:
    }
  }

  /** The offer was accepted: its headers, metadata and hold state take effect. */
  private accept(offer: PendingOffer, answerSdp: SdpSession | undefined, events: DialogEvent[]): void {
    this.pending = undefined;
    if (offer.method === 'INVITE') this.confirmed = true;
    this.absorb(offer.headers, offer.siprec, events);
    // Without an offer in the request, the 2xx holds it (the ACK answers).
    const sdp = offer.sdp ?? answerSdp;
    if (!sdp) return;
    if (holdStateOf(sdp, { siprec: this.isSiprec }).onHold)
      this.pause(offer.atMs, this.isSiprec ? 'inactive' : 'hold', events);
    else this.resume(offer.atMs, events);
  }

  private absorb(
    headers: Record<string, string>,
    siprec: SiprecFacts | undefined,
    events: DialogEvent[],
  ): void {
    const some = Object.keys(headers).length > 0;
    if (!some && siprec === undefined) return;
    if (some) this.sip = { ...this.sip, headers: { ...this.sip.headers, ...headers } };
    if (siprec !== undefined) {
      this.siprec = siprec;
      this.isSiprec = true;
      events.push({ t: 'metadata', headers, siprec });
    } else events.push({ t: 'metadata', headers });
  }

  private pause(atMs: number, reason: PauseReason, events: DialogEvent[]): void {
    if (this.paused !== undefined) return;
    this.paused = reason;
    events.push({ t: 'pause', atMs, reason });
  }

  private resume(atMs: number, events: DialogEvent[]): void {
    if (this.paused === undefined) return;
    this.paused = undefined;
    events.push({ t: 'resume', atMs });
  }

  private end(reason: DialogEndReason, atMs: number, events: DialogEvent[]): void {
    this.endedBy = reason;
    this.pending = undefined;
    events.push({ t: 'ended', reason, atMs });
  }
}

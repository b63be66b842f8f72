import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/logger.ts';
import type { DecodedPacket } from './packet.decode.ts';
import {
  agentSideOf,
  channelOf,
  siprecStreamSide,
  type MetadataRules,
  type Side,
  type SipFacts,
  type SiprecFacts,
} from '../call.metadata.ts';
import { recordDialogEvent } from '../dialog/dialog.recording.ts';
import {
  idleLimitMs,
  MAX_STREAMS_PER_DIALOG,
  SipDialog,
  streamLabel,
  type DialogEvent,
} from '../dialog/sip.dialog.ts';
import { RecordingCall } from '../spool/recording.call.ts';
import { looksLikeRtcp } from '../rtp/rtcp.ts';
import { isRtpPayloadType, RtpHeader } from '../rtp/rtp.ts';
import { OrphanRtp, type RtpRejectReason } from './rtp.orphans.ts';
import { connectionOf, telephoneEventOf, type RtpMap, type SdpSession } from '../sip/sdp.ts';
import { parseSipMessage, startsWithSipLine, type SipMessage } from '../sip/sip.message.ts';
import type { SrtpKeyMaterial } from '../rtp/srtp.ts';
import { capturedSrtpOf, ENCRYPTED_NOTE } from '../rtp/srtp.sdes.ts';
import {
  isRecordableCodec,
  isUndecodableAudioCodec,
  unnamedPayloadType,
  type StreamRecorder,
  type StreamRecorderOptions,
} from '../rtp/stream.recorder.ts';
import { SipTcpReassembler } from './tcp.reassembly.ts';
import { liveErrorReporter, type LiveFeedOptions } from '../live.tap.ts';

/**
 * Passive correlation for capture files, live interfaces and HEP: SIP dialogs (UDP, and TCP reassembled) are
 * followed by Call-ID; the SDP each party sends says where it receives RTP, so every RTP packet is matched to a
 * dialog and to whose voice it carries (by destination, else by symmetric source). One recorded call per dialog,
 * spooled as it goes and handed on at BYE, after `idleMs` without packets, or when the capture ends (then marked
 * truncated). RTP with no signalling at all can be recorded too (`orphanRtp`, for captures of media only).
 */

export type PassiveSource = 'pcap' | 'hep';

export interface NetPacket {
  timeMs: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  transport: 'udp' | 'tcp';
  payload: Buffer;
  tcp?: { sequence: number; flags: number } | undefined;
  /** Known from HEP: what the payload is. */
  kind?: 'sip' | 'rtp' | 'rtcp';
}

/** A decoded UDP or TCP packet with both ports: what the correlator takes (a pcap or live capture frame). */
export function correlatable(packet: DecodedPacket | undefined): packet is DecodedPacket & NetPacket {
  return (
    packet !== undefined &&
    packet.transport !== 'other' &&
    packet.srcPort !== undefined &&
    packet.dstPort !== undefined
  );
}

export interface CorrelatorOptions {
  spoolRoot: string;
  fsync: boolean;
  rules: MetadataRules;
  logger: Logger;
  idleMs: number;
  source?: PassiveSource;
  onCallStarted?: (dir: string) => void;
  /** `incomplete` says why the spool is not the whole call, when it is not. */
  onCallEnded: (dir: string, incomplete?: string) => void;
  recorder?: StreamRecorderOptions;
  /** The live side, told of every call in progress (live sources; not a capture file read at full speed). */
  live?: LiveFeedOptions;
  /** Record RTP flows that no SIP dialog describes (default false). */
  orphanRtp?: boolean;
  /**
   * How calls are identified: `by-dialog` derives the capture id from the source, the dialog (Call-ID, or the RTP
   * flows of a call without SIP) and the time it started, so importing the same capture again names the same calls
   * and the archive keeps each once; `random` (default) gives every call a new id. Only for a spool root of its own
   * per run: two calls with one id would share a spool.
   */
  captureIds?: 'random' | 'by-dialog';
}

/** The capture id of a call identified by its dialog and start (a UUID-shaped digest, RFC 9562 version 8). */
export function dialogCaptureId(source: string, dialogId: string, startedAtMs: number): string {
  const digest = createHash('sha256').update(`${source}\n${dialogId}\n${startedAtMs}`).digest();
  digest[6] = (digest[6]! & 0x0f) | 0x80;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface CorrelatorStats {
  packets: number;
  sipMessages: number;
  sipMalformed: number;
  dialogs: number;
  dialogsWithoutMedia: number;
  callsRecorded: number;
  rtpMatched: number;
  rtpUnmatched: number;
  orphanCalls: number;
}

interface MediaSpec {
  index: number;
  codec: RtpMap | undefined;
  /** The codec's `a=fmtp` value (iLBC mode, AMR payload format). */
  fmtp: string | undefined;
  codecs: RtpMap[];
  telephoneEvent: RtpMap | undefined;
  label: string | null;
  /** SRTP: the key this party's SDP offers for what it sends, or `no-key`; undefined for plain RTP. */
  srtp: SrtpKeyMaterial | 'no-key' | undefined;
}

interface Dialog {
  /** What its SIP messages mean (the same state machine as the recording server's). */
  state: SipDialog;
  /** Latest SDP media of each party, by m-line index. */
  media: { caller: MediaSpec[]; callee: MediaSpec[] };
  /** Addresses registered for this dialog (`address:port` → address and port), removed when it ends. */
  endpoints: Map<string, [string, number]>;
  streams: Map<string, StreamRecorder>;
  call: RecordingCall | undefined;
  opening: Promise<RecordingCall> | undefined;
  failed: boolean;
  lastActivityMs: number;
  notes: string[];
  /** Pauses, resumes and key presses signalled before the call was opened (at its first RTP packet). */
  early: DialogEvent[];
  /** Whether some of its media was SRTP without keys (noted once). */
  encrypted: boolean;
  /** Whether it offered more streams than are recorded (noted once). */
  overStreams: boolean;
  /** Changes whenever what decides a packet's stream changes (SDP, SIPREC metadata): endpoint caches check it. */
  version: number;
}

interface Endpoint {
  dialog: Dialog;
  /** The party that receives on this address (its own SDP). */
  owner: Side;
  index: number;
  rtcp: boolean;
  /** The recorders of packets sent to (`toOwner`) and from (`fromOwner`) this address, for `dialog.version`. */
  cachedVersion: number;
  toOwner: StreamRecorder | undefined;
  fromOwner: StreamRecorder | undefined;
}

/** Reads the RTP header of each media packet (one packet at a time). */
const rtpHeader = new RtpHeader();
const other = (side: Side): Side => (side === 'caller' ? 'callee' : 'caller');

/** Endpoints by address, then port: the lookup of each packet builds no "address:port" string. */
class EndpointTable {
  private readonly byAddress = new Map<string, Map<number, Endpoint>>();

  get(address: string, port: number): Endpoint | undefined {
    return this.byAddress.get(address)?.get(port);
  }

  set(address: string, port: number, endpoint: Endpoint): void {
    let ports = this.byAddress.get(address);
    if (!ports) this.byAddress.set(address, (ports = new Map()));
    ports.set(port, endpoint);
  }

  delete(address: string, port: number): void {
    const ports = this.byAddress.get(address);
    if (!ports) return;
    ports.delete(port);
    if (ports.size === 0) this.byAddress.delete(address);
  }
}

function endpointOf(dialog: Dialog, owner: Side, index: number, rtcp: boolean): Endpoint {
  return { dialog, owner, index, rtcp, cachedVersion: -1, toOwner: undefined, fromOwner: undefined };
}

export class PacketCorrelator {
  private readonly options: CorrelatorOptions;
  private readonly dialogs = new Map<string, Dialog>();
  private readonly endpoints = new EndpointTable();
  private readonly tcp = new SipTcpReassembler();
  private readonly orphans: OrphanRtp | undefined;
  private readonly log: Logger;
  private lastTickMs = 0;
  readonly stats: CorrelatorStats = {
    packets: 0,
    sipMessages: 0,
    sipMalformed: 0,
    dialogs: 0,
    dialogsWithoutMedia: 0,
    callsRecorded: 0,
    rtpMatched: 0,
    rtpUnmatched: 0,
    orphanCalls: 0,
  };

  constructor(options: CorrelatorOptions) {
    this.options = options;
    this.log = options.logger.child({ component: 'correlator' });
    if (options.orphanRtp) {
      this.orphans = new OrphanRtp({
        open: (init) => this.openCall(init),
        recorder: options.recorder,
        onStarted: () => this.stats.orphanCalls++,
      });
    }
  }

  /**
   * One captured packet. Await what it returns (opening a call's spool is asynchronous); a packet of a stream
   * already recorded is handled at once and returns undefined, which spares the per-packet promise.
   */
  feed(packet: NetPacket): Promise<void> | undefined {
    this.stats.packets++;
    if (packet.timeMs - this.lastTickMs >= 200) return this.feedAfterTick(packet);
    return this.route(packet);
  }

  private async feedAfterTick(packet: NetPacket): Promise<void> {
    await this.tick(packet.timeMs, false);
    await this.route(packet);
  }

  private route(packet: NetPacket): Promise<void> | undefined {
    if (packet.transport === 'tcp') return this.tcpSegment(packet);
    const p = packet.payload;
    if (
      packet.kind === 'sip' ||
      // SIP starts with an upper-case method or "SIP/2.0"; RTP, RTCP and STUN never start with a letter.
      (packet.kind === undefined && startsWithSipLine(p))
    ) {
      return this.sip(p, packet);
    }
    return this.media(packet);
  }

  private async tcpSegment(packet: NetPacket): Promise<void> {
    if (!packet.tcp) return;
    const messages = this.tcp.push({ ...packet, sequence: packet.tcp.sequence, flags: packet.tcp.flags });
    for (const m of messages) await this.sip(m, packet);
  }

  private async sip(data: Buffer, packet: NetPacket): Promise<void> {
    let message: SipMessage;
    try {
      message = parseSipMessage(data);
    } catch {
      this.stats.sipMalformed++;
      return;
    }
    this.stats.sipMessages++;
    const callId = message.headers.get('Call-ID');
    if (!callId) return;
    let dialog = this.dialogs.get(callId);
    let step;
    if (dialog) step = dialog.state.feed(message, packet.timeMs);
    else {
      if (message.kind !== 'request' || message.method.toUpperCase() !== 'INVITE') return;
      // An INVITE with a To tag re-INVITEs a dialog whose start was not captured: not followed.
      const opened = SipDialog.open(message, this.options.rules, packet.timeMs);
      if (!opened) return;
      dialog = this.newDialog(callId, opened.dialog);
      step = opened.step;
    }
    dialog.lastActivityMs = packet.timeMs;
    for (const event of step.events) await this.dialogEvent(dialog, event);
  }

  /** What one dialog event does here: SDP says where media goes; the rest is recorded as the server records it. */
  private async dialogEvent(dialog: Dialog, event: DialogEvent): Promise<void> {
    switch (event.t) {
      case 'sdp':
        this.learnSdp(dialog, event.by, event.sdp);
        return;
      case 'metadata':
        // New SIPREC metadata may say another party sends a stream.
        if (event.siprec) dialog.version++;
        // Before the call is opened its facts are the dialog's; while it opens, they follow it.
        if (dialog.call) recordDialogEvent(dialog.call, event);
        else if (dialog.opening) dialog.early.push(event);
        return;
      case 'ended':
        if (event.reason === 'rejected') dialog.failed = true;
        await this.endDialog(dialog, event.reason, event.atMs);
        return;
      case 'note':
        if (dialog.call) dialog.call.note(event.text);
        else dialog.notes.push(event.text);
        return;
      default:
        if (dialog.call) recordDialogEvent(dialog.call, event);
        else dialog.early.push(event);
    }
  }

  private newDialog(callId: string, state: SipDialog): Dialog {
    const dialog: Dialog = {
      state,
      media: { caller: [], callee: [] },
      endpoints: new Map(),
      streams: new Map(),
      call: undefined,
      opening: undefined,
      failed: false,
      lastActivityMs: state.startedAtMs,
      notes: [],
      early: [],
      encrypted: false,
      overStreams: false,
      version: 0,
    };
    this.dialogs.set(callId, dialog);
    this.stats.dialogs++;
    return dialog;
  }

  /** Registers where `owner` receives RTP (and RTCP), m-line by m-line. */
  private learnSdp(dialog: Dialog, owner: Side, sdp: SdpSession): void {
    const specs: MediaSpec[] = [];
    sdp.media.forEach((m, index) => {
      const recordable = m.rtpmaps.filter((r) => isRecordableCodec(r.encoding));
      // A stream in a codec Escucha cannot decode is still followed: the call keeps its metadata and length.
      const codec =
        recordable[0] ??
        m.rtpmaps.find((r) => isUndecodableAudioCodec(r.encoding)) ??
        (m.type === 'audio' ? unnamedPayloadType(m.formats, m.rtpmaps) : undefined);
      specs.push({
        index,
        codec,
        fmtp: codec ? m.fmtp.get(codec.payloadType) : undefined,
        codecs: recordable.length > 0 ? recordable : codec ? [codec] : [],
        telephoneEvent: telephoneEventOf(m, codec?.clockRate),
        label: m.label ?? null,
        srtp: capturedSrtpOf(m),
      });
      const address = connectionOf(sdp, m)?.address;
      if (m.type !== 'audio' || m.port === 0 || !address || address === '0.0.0.0') return;
      const rtcpAddress = m.rtcp?.address ?? address;
      const rtcpPort = m.rtcp?.port ?? m.port + 1;
      const rtpKey = `${address}:${m.port}`;
      this.endpoints.set(address, m.port, endpointOf(dialog, owner, index, false));
      this.endpoints.set(rtcpAddress, rtcpPort, endpointOf(dialog, owner, index, true));
      dialog.endpoints
        .set(rtpKey, [address, m.port])
        .set(`${rtcpAddress}:${rtcpPort}`, [rtcpAddress, rtcpPort]);
      this.orphans?.claim(rtpKey);
    });
    dialog.media[owner] = specs;
    dialog.version++;
  }

  private media(packet: NetPacket): Promise<void> | undefined {
    const p = packet.payload;
    const isRtcp = packet.kind === 'rtcp' || (packet.kind === undefined && looksLikeRtcp(p));
    const byDst = this.endpoints.get(packet.dst, packet.dstPort);
    const bySrc = byDst ? undefined : this.endpoints.get(packet.src, packet.srcPort);
    const endpoint = byDst ?? bySrc;
    if (!endpoint || endpoint.dialog.failed) {
      // Every other UDP flow is judged there: only what really is RTP becomes a call, the rest is counted.
      if (!isRtcp && this.orphans) return this.orphans.push(packet);
      this.stats.rtpUnmatched++;
      return undefined;
    }
    const dialog = endpoint.dialog;
    dialog.lastActivityMs = packet.timeMs;
    if (isRtcp || endpoint.rtcp) {
      for (const recorder of dialog.streams.values()) recorder.pushRtcp(p);
      return undefined;
    }
    if (!rtpHeader.read(p) || !isRtpPayloadType(rtpHeader.payloadType)) return undefined;
    const toOwner = byDst !== undefined;
    const cached =
      endpoint.cachedVersion === dialog.version
        ? toOwner
          ? endpoint.toOwner
          : endpoint.fromOwner
        : undefined;
    if (cached === undefined) return this.mediaOfNewStream(packet, endpoint, toOwner);
    this.record(cached, packet);
    return dialog.call !== undefined && dialog.call.spool.pendingBytes > 1 << 20
      ? dialog.call.flush()
      : undefined;
  }

  /** The first packet of a stream (or the first since its dialog's SDP changed): finds or opens its recorder. */
  private async mediaOfNewStream(packet: NetPacket, endpoint: Endpoint, toOwner: boolean): Promise<void> {
    const dialog = endpoint.dialog;
    const version = dialog.version;
    // Sent to the owner's address: the other party's voice. Sent from it (symmetric RTP): the owner's.
    const voice: Side = toOwner ? other(endpoint.owner) : endpoint.owner;
    const recorder = await this.streamFor(dialog, voice, endpoint.index, packet.timeMs);
    if (!recorder) return;
    if (dialog.version === version) {
      if (endpoint.cachedVersion !== version) {
        endpoint.cachedVersion = version;
        endpoint.toOwner = undefined;
        endpoint.fromOwner = undefined;
      }
      if (toOwner) endpoint.toOwner = recorder;
      else endpoint.fromOwner = recorder;
    }
    this.record(recorder, packet);
    const call = dialog.call;
    if (call && call.spool.pendingBytes > 1 << 20) await call.flush();
  }

  private record(recorder: StreamRecorder, packet: NetPacket): void {
    if (recorder.pushRtp(packet.payload, packet.timeMs)) this.stats.rtpMatched++;
  }

  private async streamFor(
    dialog: Dialog,
    voice: Side,
    index: number,
    timeMs: number,
  ): Promise<StreamRecorder | undefined> {
    // SIPREC: every stream goes to the recording server; whose voice it is comes from the metadata.
    const { state } = dialog;
    const side = state.isSiprec
      ? siprecStreamSide(state.siprec, dialog.media.caller[index]?.label ?? null, index)
      : voice;
    const key = `${side}:${index}`;
    // SRTP: the sender's SDP holds the key of what it sends (a re-INVITE may change it). Without it the stream is not
    // recorded (it would be noise); the call is kept, with its metadata, duration and a note.
    const srtp = this.srtpOf(dialog, voice, index);
    const existing = dialog.streams.get(key);
    if (existing) {
      if (srtp !== 'no-key') existing.useSrtp(srtp);
      return existing;
    }
    const spec = this.mediaSpec(dialog, index);
    if (!spec?.codec) return undefined;
    if (!this.roomFor(dialog, index)) return undefined;
    if (srtp === 'no-key') {
      await this.encryptedStream(dialog, timeMs);
      return undefined;
    }
    const call = await this.callOf(dialog, timeMs);
    const again = dialog.streams.get(key);
    if (again) return again;
    const agent = agentSideOf(state.sip, state.siprec, this.options.rules);
    const recorder = call.addStream({
      channel: channelOf(side, agent),
      label: streamLabel(spec.label, index),
      codec: spec.codec,
      fmtp: spec.fmtp,
      codecs: spec.codecs,
      telephoneEvent: spec.telephoneEvent,
      srtp,
    });
    dialog.streams.set(key, recorder);
    return recorder;
  }

  /** Whether m-line `index` may be recorded: the first MAX_STREAMS_PER_DIALOG m-lines are, as on the server. */
  private roomFor(dialog: Dialog, index: number): boolean {
    const recorded = new Set([...dialog.streams.keys()].map((key) => key.slice(key.indexOf(':') + 1)));
    if (recorded.has(String(index)) || recorded.size < MAX_STREAMS_PER_DIALOG) return true;
    if (!dialog.overStreams) {
      dialog.overStreams = true;
      const note = `streams past the first ${MAX_STREAMS_PER_DIALOG} of the dialog were not recorded`;
      if (dialog.call) dialog.call.note(note);
      else dialog.notes.push(note);
    }
    return false;
  }

  /** The SRTP key of what `sender` sends on m-line `index`, `no-key` when the capture does not show it. */
  private srtpOf(dialog: Dialog, sender: Side, index: number): SrtpKeyMaterial | 'no-key' | undefined {
    const own = dialog.media[sender][index]?.srtp;
    if (own !== undefined) return own;
    // SRTP on the other party's m-line but no SDP of the sender's (not captured): no key either.
    return dialog.media[other(sender)][index]?.srtp === undefined ? undefined : 'no-key';
  }

  /** An SRTP stream without its keys: the call is opened (metadata, duration) and noted once, nothing decoded. */
  private async encryptedStream(dialog: Dialog, timeMs: number): Promise<void> {
    if (dialog.encrypted) return;
    dialog.encrypted = true;
    if (dialog.call) dialog.call.note(ENCRYPTED_NOTE);
    else dialog.notes.push(ENCRYPTED_NOTE);
    await this.callOf(dialog, timeMs);
  }

  /** Codec of m-line `index`: the answer's choice (callee side) first, then the offer's. */
  private mediaSpec(dialog: Dialog, index: number): MediaSpec | undefined {
    const answer = dialog.media.callee[index];
    const offer = dialog.media.caller[index];
    if (answer?.codec) {
      return {
        ...answer,
        codecs: [...answer.codecs, ...(offer?.codecs ?? [])],
        telephoneEvent: answer.telephoneEvent ?? offer?.telephoneEvent,
        label: offer?.label ?? answer.label,
      };
    }
    return offer?.codec ? offer : undefined;
  }

  private async callOf(dialog: Dialog, timeMs: number): Promise<RecordingCall> {
    if (dialog.call) return dialog.call;
    if (!dialog.opening) {
      dialog.opening = this.openCall({
        startedAtMs: dialog.state.startedAtMs,
        sip: dialog.state.sip,
        siprec: dialog.state.siprec,
        notes: dialog.notes,
      });
      const call = await dialog.opening;
      dialog.call = call;
      this.stats.callsRecorded++;
      // What the dialog signalled before its first packet, in order.
      for (const event of dialog.early.splice(0)) recordDialogEvent(call, event);
    }
    const call = dialog.call ?? (await dialog.opening);
    call.tick(timeMs);
    return call;
  }

  private async openCall(init: {
    startedAtMs: number;
    sip: SipFacts;
    siprec: SiprecFacts | null;
    notes: string[];
  }): Promise<RecordingCall> {
    const source = this.options.source ?? 'pcap';
    const captureId =
      this.options.captureIds === 'by-dialog'
        ? dialogCaptureId(source, init.sip.callId, init.startedAtMs)
        : randomUUID();
    const call = await RecordingCall.open(
      { captureId, source, ...init },
      {
        spoolRoot: this.options.spoolRoot,
        fsync: this.options.fsync,
        ...(this.options.recorder ? { recorder: this.options.recorder } : {}),
        ...(this.options.live ? { live: this.options.live, onLiveError: liveErrorReporter(this.log) } : {}),
      },
    );
    this.options.onCallStarted?.(call.dir);
    return call;
  }

  private async endDialog(dialog: Dialog, reason: string, timeMs: number): Promise<void> {
    const { callId } = dialog.state;
    if (this.dialogs.get(callId) !== dialog) return;
    this.dialogs.delete(callId);
    for (const [address, port] of dialog.endpoints.values())
      if (this.endpoints.get(address, port)?.dialog === dialog) this.endpoints.delete(address, port);
    if (dialog.opening && !dialog.call) dialog.call = await dialog.opening;
    if (!dialog.call) {
      if (!dialog.failed) this.stats.dialogsWithoutMedia++;
      return;
    }
    await dialog.call.end(timeMs, reason);
    this.options.onCallEnded(dialog.call.dir, dialog.call.incomplete);
  }

  /**
   * Timers on the capture clock (files) or the wall clock (live): play out held packets, close idle dialogs;
   * `flush` also writes every spool (live sources, at least once a second).
   */
  async tick(nowMs: number, flush: boolean): Promise<void> {
    this.lastTickMs = nowMs;
    for (const dialog of [...this.dialogs.values()]) {
      dialog.call?.tick(nowMs);
      if (nowMs - dialog.lastActivityMs > idleLimitMs(this.options.idleMs, dialog.state.isPaused))
        await this.endDialog(dialog, 'idle', nowMs);
    }
    await this.orphans?.tick(nowMs, this.options.idleMs, (call, reason) =>
      this.finishOrphan(call, reason, nowMs),
    );
    if (flush) {
      const calls = [...this.dialogs.values()].flatMap((d) => (d.call ? [d.call] : []));
      await Promise.all(
        [...calls, ...(this.orphans?.calls() ?? [])].map((c) =>
          c.flush().catch((e: unknown) => this.log.error({ err: e }, 'spool flush failed')),
        ),
      );
    }
  }

  private async finishOrphan(call: RecordingCall, reason: string, timeMs: number): Promise<void> {
    await call.end(timeMs, reason);
    this.options.onCallEnded(call.dir, call.incomplete);
  }

  /** Ends every dialog still open (end of a capture file: `capture-ended`, marked truncated). */
  async closeAll(
    reason: string,
    atMs?: number,
  ): Promise<{ dialogs: number; calls: number; orphans: number }> {
    let dialogs = 0;
    let calls = 0;
    let orphans = 0;
    for (const dialog of [...this.dialogs.values()]) {
      dialogs++;
      if (dialog.call || dialog.opening) calls++;
      await this.endDialog(dialog, reason, atMs ?? dialog.lastActivityMs);
    }
    // RTP-only calls end with their media; the capture ending is not a cut call for them.
    await this.orphans?.closeAll(async (call) => {
      orphans++;
      await this.finishOrphan(
        call,
        reason === 'capture-ended' ? 'media-ended' : reason,
        atMs ?? this.lastTickMs,
      );
    });
    return { dialogs, calls, orphans };
  }

  /**
   * Calls recorded from RTP without SIP; flows that were not recorded, by reason (`codec`: a codec that cannot be
   * told without SDP); relay legs of recorded media (recorded once).
   */
  get orphanStats(): {
    calls: number;
    rejected: Record<RtpRejectReason, number> | undefined;
    relayLegs: number;
  } {
    const rejected = this.orphans?.rejected;
    return {
      calls: this.stats.orphanCalls,
      rejected,
      relayLegs: this.orphans?.relayLegs ?? 0,
    };
  }

  get tcpStats() {
    return this.tcp.stats;
  }
}

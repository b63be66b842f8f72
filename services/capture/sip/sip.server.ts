import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Logger } from '../../platform/logger.ts';
import { errorMessage } from '../../platform/errors.ts';
import type { IpAllowList } from '../ip-allow.ts';
import { unmapIpv4 } from '../ip-allow.ts';
import { idleLimitMs, isSiprecInvite, readDialogBodies, SipDialog } from '../dialog/sip.dialog.ts';
import { ACCEPT, ALLOW, badRequestFor } from './sip.replies.ts';
import { parseSipUri } from './sip.headers.ts';
import {
  buildResponse,
  cseqOf,
  fromOf,
  parseSipMessage,
  serializeSipMessage,
  toOf,
  topViaOf,
  type SipRequest,
  type SipResponse,
} from './sip.message.ts';
import { SipSession, type SessionDeps, type SessionFailure } from './sip.session.ts';
import {
  SipTransport,
  type BoundTransports,
  type RefusalReason,
  type Remote,
  type Reply,
  type SipTransportName,
  type TcpLimits,
} from './sip.transport.ts';
import type { SipTlsFiles } from './sip.tls.ts';

/**
 * The SIPREC recording server (RFC 7866) and plain SIP recorder: a UAS on UDP, TCP and TLS that answers recording
 * INVITEs with a receive-only SDP answer and records each dialog until BYE. Every request gets a final response;
 * UDP retransmissions are answered from the transaction cache, and 2xx/failure responses to INVITE are
 * retransmitted until ACKed (RFC 3261 §13.3.1.4, §17.2.1). Malformed input is counted and logged, never thrown.
 */

/** A dialog whose streams have not received one RTP packet this long after it began is ended. */
const NO_MEDIA_TIMEOUT_MS = 60_000;

const SUPPORTED_OPTION_TAGS = new Set(['siprec', 'timer', '100rel', 'replaces']);

export { ALLOW, badRequestFor } from './sip.replies.ts';

export interface SipServerOptions extends Omit<SessionDeps, 'now'> {
  host: string;
  port: number;
  transports: readonly SipTransportName[];
  allow: IpAllowList;
  /** Address written in SDP answers and Contact; default: the address the request was sent to. */
  mediaAddress?: string;
  acceptPlainInvite: boolean;
  /** A finished call's spool directory, ready for assembly and delivery. */
  /** `incomplete` says why the spool is not the whole call, when it is not. */
  onCallEnded: (dir: string, incomplete?: string) => void;
  now?: () => number;
  /** Wait before the final answer to an INVITE (default 0). */
  answerDelayMs?: number;
  /** A dialog with no RTP and no SIP for this long is ended (default 300 s; four times longer while paused). */
  mediaTimeoutMs?: number;
  /** TCP and TLS connection caps and timeouts (sip.transport.ts DEFAULT_TCP_LIMITS). */
  tcpLimits?: Partial<TcpLimits>;
  /** SIP over TLS (when `transports` names tls): port, certificate, key, client-certificate check. */
  tls?: SipTlsFiles;
  /** RFC 3261 T1/T2 (default 500 ms / 4 s). */
  t1Ms?: number;
  t2Ms?: number;
}

export interface SipServerStats {
  requests: number;
  responses: Record<string, number>;
  malformed: number;
  forbidden: number;
  /** TCP and TLS connections closed at accept because a per-source or total cap was reached. */
  refusedConnections: number;
  /** TLS connections whose handshake failed or timed out. */
  tlsHandshakeFailures: number;
  /** TLS connections closed because the client certificate was missing, untrusted or not of an allowed name. */
  refusedCertificates: number;
  /** INVITEs and re-INVITEs refused because their source held its share of the RTP ports. */
  refusedOverShare: number;
  retransmissions: number;
  activeCalls: number;
  callsStarted: number;
  callsEnded: number;
}

interface Transaction {
  request: SipRequest;
  reply: Reply;
  transport: SipTransportName;
  toTag: string;
  lastResponse: Buffer | undefined;
  finalStatus: number | undefined;
  expiresAt: number;
  retransmit: NodeJS.Timeout | undefined;
  cancelled: boolean;
  /** The recording of the dialog the request belongs to: told of the final response. */
  session: SipSession | undefined;
}

interface Dialog {
  session: SipSession;
  okRetransmit: NodeJS.Timeout | undefined;
}

const wallClock = (): number => performance.timeOrigin + performance.now();

export class SipServer {
  private readonly options: SipServerOptions;
  private readonly transport: SipTransport;
  private readonly transactions = new Map<string, Transaction>();
  private readonly dialogs = new Map<string, Dialog>();
  private readonly addressOfSession = new WeakMap<SipSession, string>();
  private readonly now: () => number;
  private stopping = false;
  /** Sources refused for holding their port share, logged once until they hold no ports again. */
  private readonly overShareLogged = new Set<string>();
  private readonly log: Logger;
  private bound: BoundTransports = { udpPort: undefined, tcpPort: undefined, tlsPort: undefined };
  /** Sources whose client certificate was refused, logged once each. */
  private readonly certificateRefusalsLogged = new Set<string>();
  readonly stats: SipServerStats = {
    requests: 0,
    responses: {},
    malformed: 0,
    forbidden: 0,
    refusedConnections: 0,
    tlsHandshakeFailures: 0,
    refusedCertificates: 0,
    refusedOverShare: 0,
    retransmissions: 0,
    activeCalls: 0,
    callsStarted: 0,
    callsEnded: 0,
  };

  constructor(options: SipServerOptions) {
    this.options = options;
    this.now = options.now ?? wallClock;
    this.log = options.logger.child({ component: 'sip' });
    this.transport = new SipTransport({
      host: options.host,
      port: options.port,
      transports: options.transports,
      onMessage: (data, remote, reply) => this.onMessage(data, remote, reply),
      onStreamError: (remote, error, head, reply) => {
        this.malformed(remote, error);
        // A request whose length cannot be read still gets its 400 before the connection closes.
        const answer = head ? badRequestFor(head) : undefined;
        if (answer) reply(answer);
      },
      accepts: (address) => options.allow.allows(address),
      onRefused: (remote, reason, detail) => this.refused(remote, reason, detail),
      ...(options.tcpLimits ? { tcpLimits: options.tcpLimits } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    });
  }

  async start(): Promise<BoundTransports> {
    this.bound = await this.transport.start();
    const certificate = this.transport.tlsCertificate;
    this.log.info(
      {
        ...this.bound,
        host: this.options.host,
        ...(certificate
          ? {
              tlsCertificate: certificate.subject,
              tlsValidTo: certificate.validTo,
              tlsClientCertificates: this.options.tls?.ca !== undefined,
            }
          : {}),
      },
      'SIP recording server listening',
    );
    return this.bound;
  }

  private refused(remote: Remote, reason: RefusalReason, detail: string | undefined): void {
    const source = unmapIpv4(remote.address);
    switch (reason) {
      case 'not-allowed':
        this.stats.forbidden++;
        break;
      case 'tls-handshake':
        this.stats.tlsHandshakeFailures++;
        break;
      case 'client-certificate':
        this.stats.refusedCertificates++;
        // Once per source (an SBC with the wrong certificate retries all day); the set is bounded.
        if (!this.certificateRefusalsLogged.has(source) && this.certificateRefusalsLogged.size < 10_000) {
          this.certificateRefusalsLogged.add(source);
          this.log.warn(
            { remote: source, reason: detail },
            'SIP TLS connection refused: client certificate not accepted (ESCUCHA_SIP_TLS_CA, ESCUCHA_SIP_TLS_CLIENT_NAMES)',
          );
        }
        return;
      default:
        this.stats.refusedConnections++;
    }
    this.log.debug(
      { remote: source, transport: remote.transport, reason, ...(detail ? { detail } : {}) },
      'SIP connection refused',
    );
  }

  get ports(): BoundTransports {
    return this.bound;
  }

  sessions(): SipSession[] {
    return [...this.dialogs.values()].map((d) => d.session);
  }

  /** Timers: plays out and spools each call, ends dialogs without activity, forgets old transactions. */
  async tick(): Promise<void> {
    const now = this.now();
    const timeout = this.options.mediaTimeoutMs ?? 300_000;
    for (const [key, dialog] of this.dialogs) {
      const { session } = dialog;
      session.call.tick(now);
      // A dialog that never received a packet ends sooner: its ports are held for nothing.
      const limit = !session.mediaSeen
        ? Math.min(timeout, NO_MEDIA_TIMEOUT_MS)
        : idleLimitMs(timeout, session.dialog.isPaused);
      if (now - session.lastActivityMs > limit) {
        this.log.warn({ callId: session.callId }, 'no RTP or SIP for too long: ending the recording');
        await this.endDialog(key, 'media-timeout');
      }
    }
    for (const source of this.overShareLogged)
      if (this.options.ports.heldBy(source) === 0) this.overShareLogged.delete(source);
    for (const [key, tx] of this.transactions) {
      if (tx.expiresAt <= now) {
        clearTimeout(tx.retransmit);
        this.transactions.delete(key);
      }
    }
    await Promise.all(
      this.sessions().map((s) =>
        s.call.flush().catch((e: unknown) => this.log.error({ err: e }, 'spool flush failed')),
      ),
    );
  }

  /** Stops listening; calls in progress end (reason `shutdown`) and go to delivery. */
  async stop(): Promise<void> {
    this.stopping = true;
    // No retransmission may fire while, or after, the sockets close.
    for (const dialog of this.dialogs.values()) clearTimeout(dialog.okRetransmit);
    for (const tx of this.transactions.values()) clearTimeout(tx.retransmit);
    await this.transport.stop();
    this.transactions.clear();
    for (const key of [...this.dialogs.keys()]) await this.endDialog(key, 'shutdown');
  }

  private malformed(remote: Remote, error: unknown): void {
    this.stats.malformed++;
    if (this.stats.malformed <= 20 || this.stats.malformed % 100 === 0) {
      this.log.warn(
        {
          remote: `${remote.address}:${remote.port}`,
          transport: remote.transport,
          reason: errorMessage(error),
          count: this.stats.malformed,
        },
        'malformed SIP message',
      );
    }
  }

  private onMessage(data: Buffer, remote: Remote, reply: Reply): void {
    let request: SipRequest;
    try {
      const message = parseSipMessage(data, { requireContentLength: remote.transport !== 'udp' });
      if (message.kind === 'response') return; // the recorder sends no requests that expect answers
      request = message;
    } catch (error) {
      this.malformed(remote, error);
      const fallback = badRequestFor(data);
      if (fallback) reply(fallback);
      return;
    }
    this.stats.requests++;
    // RTP that arrived before this request is recorded before the request acts (a BYE ends the streams).
    this.options.ports.flush();
    try {
      this.onRequest(request, remote, reply);
    } catch (error) {
      this.malformed(remote, error);
      this.respondOnce(request, reply, 400, 'Bad Request', { warning: errorMessage(error) });
    }
  }

  private onRequest(request: SipRequest, remote: Remote, reply: Reply): void {
    const method = request.method.toUpperCase();
    // Validates the headers every response needs; throws BAD_REQUEST (answered 400) otherwise.
    const via = topViaOf(request);
    const cseq = cseqOf(request);
    const from = fromOf(request);
    const to = toOf(request);
    const callId = request.headers.get('Call-ID');
    if (!callId) throw new Error('missing Call-ID');
    if (cseq.method.toUpperCase() !== method) throw new Error('CSeq method differs from the request method');

    if (!this.options.allow.allows(remote.address)) {
      this.stats.forbidden++;
      if (this.stats.forbidden <= 20 || this.stats.forbidden % 100 === 0) {
        this.log.warn(
          { remote: remote.address, method },
          'SIP request from an address not allowed (ESCUCHA_SIP_ALLOW)',
        );
      }
      if (method !== 'ACK')
        this.respondOnce(request, reply, 403, 'Forbidden', { warning: 'source address not allowed' });
      return;
    }

    const txKey = (m: string): string =>
      via.branch?.startsWith('z9hG4bK')
        ? `b|${via.branch}|${via.host}:${via.port ?? ''}|${m}`
        : `c|${callId}|${cseq.seq}|${from.tag ?? ''}|${m}`;
    const dialogKey = `${callId}|${from.tag ?? ''}`;

    if (method === 'ACK') {
      const invite = this.transactions.get(txKey('INVITE'));
      if (invite && (invite.finalStatus ?? 0) >= 300) {
        clearTimeout(invite.retransmit);
        invite.retransmit = undefined;
        return;
      }
      const dialog = this.dialogs.get(dialogKey);
      if (dialog && to.tag === dialog.session.localTag) {
        clearTimeout(dialog.okRetransmit);
        dialog.okRetransmit = undefined;
        dialog.session.touch();
      }
      return;
    }

    if (method === 'CANCEL') {
      const invite = this.transactions.get(txKey('INVITE'));
      if (!invite) {
        this.respondOnce(request, reply, 481, 'Call/Transaction Does Not Exist');
        return;
      }
      this.respondOnce(request, reply, 200, 'OK', { toTag: invite.toTag });
      if (invite.finalStatus === undefined) {
        invite.cancelled = true;
        this.respond(invite, 487, 'Request Terminated');
      }
      return;
    }

    const existing = this.transactions.get(txKey(method));
    if (existing) {
      this.stats.retransmissions++;
      if (existing.lastResponse) existing.reply(existing.lastResponse);
      return;
    }
    const tx: Transaction = {
      request,
      reply,
      transport: remote.transport,
      toTag: randomUUID().replace(/-/g, '').slice(0, 16),
      lastResponse: undefined,
      finalStatus: undefined,
      expiresAt: this.now() + 64 * this.t1,
      retransmit: undefined,
      cancelled: false,
      session: undefined,
    };
    this.transactions.set(txKey(method), tx);

    const dialog = to.tag === undefined ? undefined : this.dialogs.get(dialogKey);
    if (to.tag !== undefined && (!dialog || dialog.session.localTag !== to.tag)) {
      if (method === 'OPTIONS') this.options200(tx);
      else this.respond(tx, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    tx.session = dialog?.session;
    switch (method) {
      case 'OPTIONS':
        this.options200(tx);
        return;
      case 'INVITE':
      case 'UPDATE':
        this.respond(tx, 100, 'Trying');
        void this.offer(tx, remote, dialogKey, dialog).catch((error: unknown) => {
          this.log.error({ err: error, callId }, 'INVITE handling failed');
          this.respond(tx, 500, 'Server Internal Error');
        });
        return;
      case 'BYE':
        if (!dialog) {
          this.respond(tx, 481, 'Call/Transaction Does Not Exist');
          return;
        }
        {
          const step = dialog.session.receive(request);
          this.respond(tx, 200, 'OK', { toTag: dialog.session.localTag });
          const ended = step.events.find((e) => e.t === 'ended');
          void this.endDialog(dialogKey, ended?.t === 'ended' ? ended.reason : 'bye');
        }
        return;
      case 'INFO': {
        if (!dialog) {
          this.respond(tx, 481, 'Call/Transaction Does Not Exist');
          return;
        }
        const reply = dialog.session.receive(request).reply ?? { status: 200, reason: 'OK' };
        this.respond(
          tx,
          reply.status,
          reply.reason,
          reply.accept ? { headers: [['Accept', reply.accept]] } : {},
        );
        return;
      }
      case 'PRACK':
        this.respond(tx, 481, 'Call/Transaction Does Not Exist');
        return;
      case 'REGISTER':
      case 'SUBSCRIBE':
      case 'NOTIFY':
      case 'MESSAGE':
      case 'REFER':
      case 'PUBLISH':
        this.respond(tx, 405, 'Method Not Allowed', { headers: [['Allow', ALLOW]] });
        return;
      default:
        this.respond(tx, 501, 'Not Implemented', { headers: [['Allow', ALLOW]] });
    }
  }

  private get t1(): number {
    return this.options.t1Ms ?? 500;
  }

  private options200(tx: Transaction): void {
    this.respond(tx, 200, 'OK', {
      headers: [
        ['Allow', ALLOW],
        ['Accept', ACCEPT],
        ['Supported', 'siprec'],
      ],
    });
  }

  /** INVITE (new or re-INVITE) and UPDATE: validate, build the answer, answer. */
  private async offer(
    tx: Transaction,
    remote: Remote,
    dialogKey: string,
    dialog: Dialog | undefined,
  ): Promise<void> {
    const { request } = tx;
    const method = request.method.toUpperCase();
    const source = unmapIpv4(remote.address);
    const fail = (f: SessionFailure): void => {
      if (f.overShare) this.overShare(source);
      this.respond(tx, f.status, f.reason, {
        ...(f.warning ? { warning: f.warning } : {}),
        ...(f.retryAfter ? { headers: [['Retry-After', String(f.retryAfter)]] } : {}),
      });
    };
    if (method === 'UPDATE' && !dialog)
      return fail({ status: 481, reason: 'Call/Transaction Does Not Exist' });
    const unsupported = request.headers
      .getAll('Require')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '' && !SUPPORTED_OPTION_TAGS.has(t));
    if (unsupported.length > 0) {
      this.respond(tx, 420, 'Bad Extension', { headers: [['Unsupported', unsupported.join(', ')]] });
      return;
    }
    const bodies = readDialogBodies(request);
    if (bodies.problem) return fail({ status: 400, reason: 'Bad Request', warning: bodies.problem.message });
    const offer = bodies.sdp;
    if (!offer) {
      if (dialog && request.body.length === 0) {
        // A session refresh without an offer: the streams stay; its headers count once it is answered.
        dialog.session.receive(request);
        this.respond(tx, 200, 'OK', { toTag: dialog.session.localTag });
        return;
      }
      return fail({ status: 488, reason: 'Not Acceptable Here', warning: 'an SDP offer is required' });
    }
    if (dialog) {
      const result = await dialog.session.update(request, offer, bodies);
      if ('status' in result) return fail(result);
      this.answer(tx, dialog.session, result.sdp, dialog);
      return;
    }
    const siprec = isSiprecInvite(request, bodies.metadata);
    if (!siprec && !this.options.acceptPlainInvite) {
      return fail({
        status: 488,
        reason: 'Not Acceptable Here',
        warning:
          'not a SIPREC recording session; plain INVITEs are refused (ESCUCHA_SIP_ACCEPT_PLAIN_INVITE=true accepts them)',
      });
    }
    if (this.dialogs.has(dialogKey)) return fail({ status: 482, reason: 'Loop Detected' });
    const address = this.mediaAddress(remote, request);
    const opened = SipDialog.open(request, this.options.rules, this.now(), bodies);
    if (!opened) return fail({ status: 481, reason: 'Call/Transaction Does Not Exist' });
    const result = await SipSession.create({ ...this.options, now: this.now }, opened.dialog, offer, {
      address,
      remoteAddress: source,
      source: siprec ? 'siprec' : 'sip',
      remoteTag: fromOf(request).tag ?? '',
    });
    if ('status' in result) return fail(result);
    const { session } = result;
    this.addressOfSession.set(session, address);
    const delay = this.options.answerDelayMs ?? 0;
    if (delay > 0 && !tx.cancelled) await new Promise((r) => setTimeout(r, delay));
    // An INVITE still being set up when the server stops is never answered: its ports and spool go.
    if (tx.cancelled || tx.finalStatus !== undefined || this.stopping) {
      await session.discard();
      return;
    }
    tx.session = session;
    const newDialog: Dialog = { session, okRetransmit: undefined };
    this.dialogs.set(dialogKey, newDialog);
    this.stats.callsStarted++;
    this.stats.activeCalls = this.dialogs.size;
    session.call.note(`answered over ${remote.transport} from ${remote.address}:${remote.port}`);
    this.log.info(
      { callId: session.callId, captureId: session.call.captureId, siprec, streams: session.streamCount },
      'recording started',
    );
    this.answer(tx, session, result.sdp, newDialog);
  }

  private overShare(source: string): void {
    this.stats.refusedOverShare++;
    if (this.overShareLogged.has(source)) return;
    this.overShareLogged.add(source);
    this.log.warn(
      {
        remote: source,
        held: this.options.ports.heldBy(source),
        maxPerSource: this.options.ports.maxPerSource,
      },
      'SIP source holds its share of the RTP ports: its INVITEs are answered 503 until its calls end (ESCUCHA_SIP_MAX_STREAMS_PER_SOURCE)',
    );
  }

  private answer(tx: Transaction, session: SipSession, sdp: string, dialog: Dialog): void {
    const headers: Array<[string, string]> = [
      ['Contact', this.contact(tx, session)],
      ['Allow', ALLOW],
      ['Supported', 'siprec'],
      ['Content-Type', 'application/sdp'],
    ];
    if (tx.request.headers.getAll('Require').some((t) => t.trim().toLowerCase() === 'siprec'))
      headers.push(['Require', 'siprec']);
    const buffer = this.respond(tx, 200, 'OK', { toTag: session.localTag, headers, body: sdp });
    if (!buffer || tx.transport !== 'udp' || tx.request.method.toUpperCase() !== 'INVITE') return;
    // 2xx retransmission until the ACK arrives (RFC 3261 §13.3.1.4).
    clearTimeout(dialog.okRetransmit);
    let interval = this.t1;
    const deadline = this.now() + 64 * this.t1;
    const again = (): void => {
      if (this.now() >= deadline) {
        dialog.okRetransmit = undefined;
        return;
      }
      tx.reply(buffer);
      interval = Math.min(interval * 2, this.options.t2Ms ?? 4000);
      dialog.okRetransmit = setTimeout(again, interval);
    };
    dialog.okRetransmit = setTimeout(again, interval);
  }

  /**
   * The server's own URI for a dialog, on the transport its INVITE came over. Over TLS: a SIPS URI when the
   * request was addressed to one (RFC 3261 §12.1.1), else `sip:` with `transport=tls`.
   */
  private contact(tx: Transaction, session: SipSession): string {
    const host = this.mediaAddressFor(session);
    const port =
      tx.transport === 'tls'
        ? this.bound.tlsPort
        : tx.transport === 'tcp'
          ? this.bound.tcpPort
          : this.bound.udpPort;
    const hostPort = `${host.includes(':') ? `[${host}]` : host}:${port ?? this.options.port}`;
    if (tx.transport === 'tls' && /^sips:/i.test(tx.request.uri)) return `<sips:escucha@${hostPort}>`;
    return `<sip:escucha@${hostPort};transport=${tx.transport}>`;
  }

  private mediaAddressFor(session: SipSession): string {
    return this.addressOfSession.get(session) ?? this.options.mediaAddress ?? '127.0.0.1';
  }

  private mediaAddress(remote: Remote, request: SipRequest): string {
    if (this.options.mediaAddress) return this.options.mediaAddress;
    const host = this.options.host;
    if (host !== '0.0.0.0' && host !== '::' && isIP(host)) return host;
    if (remote.localAddress) return unmapIpv4(remote.localAddress);
    try {
      const target = parseSipUri(request.uri).host;
      if (isIP(target)) return target;
    } catch {
      // not a SIP URI we can read
    }
    return '127.0.0.1';
  }

  private async endDialog(key: string, reason: string): Promise<void> {
    const dialog = this.dialogs.get(key);
    if (!dialog) return;
    this.dialogs.delete(key);
    clearTimeout(dialog.okRetransmit);
    this.stats.activeCalls = this.dialogs.size;
    try {
      await dialog.session.end(reason);
    } catch (error) {
      this.log.error({ err: error, callId: dialog.session.callId }, 'could not close the call spool');
    }
    this.stats.callsEnded++;
    const { incomplete } = dialog.session.call;
    if (incomplete) {
      this.log.error(
        { callId: dialog.session.callId, captureId: dialog.session.call.captureId, reason, incomplete },
        'recording ended incomplete',
      );
    } else {
      this.log.info(
        { callId: dialog.session.callId, captureId: dialog.session.call.captureId, reason },
        'recording ended',
      );
    }
    this.options.onCallEnded(dialog.session.call.dir, incomplete);
  }

  /** Sends a response for a transaction; caches it for retransmissions. Final responses are sent once. */
  private respond(
    tx: Transaction,
    status: number,
    reason: string,
    extra: { toTag?: string; headers?: Array<[string, string]>; body?: string; warning?: string } = {},
  ): Buffer | undefined {
    if (tx.finalStatus !== undefined) return undefined;
    const response = this.response(tx.request, status, reason, { ...extra, toTag: extra.toTag ?? tx.toTag });
    const buffer = serializeSipMessage(response);
    tx.reply(buffer);
    tx.lastResponse = buffer;
    if (status >= 200) {
      tx.session?.sent(response);
      tx.finalStatus = status;
      tx.expiresAt = this.now() + 64 * this.t1;
      if (status >= 300 && tx.transport === 'udp' && tx.request.method.toUpperCase() === 'INVITE') {
        let interval = this.t1;
        const again = (): void => {
          tx.reply(buffer);
          interval = Math.min(interval * 2, this.options.t2Ms ?? 4000);
          tx.retransmit = setTimeout(again, interval);
        };
        tx.retransmit = setTimeout(again, interval);
      }
    }
    return buffer;
  }

  /** A response outside the transaction table (403, CANCEL answers, 400 for unreadable requests). */
  private respondOnce(
    request: SipRequest,
    reply: Reply,
    status: number,
    reason: string,
    extra: { toTag?: string; warning?: string } = {},
  ): void {
    if (request.method.toUpperCase() === 'ACK') return;
    try {
      reply(
        this.encode(request, status, reason, { ...extra, toTag: extra.toTag ?? randomUUID().slice(0, 8) }),
      );
    } catch {
      const fallback = badRequestFor(serializeSipMessage(request));
      if (fallback) reply(fallback);
    }
  }

  private encode(
    request: SipRequest,
    status: number,
    reason: string,
    extra: { toTag?: string; headers?: Array<[string, string]>; body?: string; warning?: string },
  ): Buffer {
    return serializeSipMessage(this.response(request, status, reason, extra));
  }

  private response(
    request: SipRequest,
    status: number,
    reason: string,
    extra: { toTag?: string; headers?: Array<[string, string]>; body?: string; warning?: string },
  ): SipResponse {
    const headers: Array<[string, string]> = [...(extra.headers ?? [])];
    if (extra.warning)
      headers.push(['Warning', `399 escucha "${extra.warning.replace(/["\\\r\n]/g, "'").slice(0, 200)}"`]);
    headers.push(['Server', 'Escucha']);
    const response = buildResponse(request, status, reason, {
      headers,
      ...(extra.body !== undefined ? { body: extra.body } : {}),
      ...(extra.toTag !== undefined ? { toTag: extra.toTag } : {}),
    });
    const key = String(Math.floor(status / 100)) + 'xx';
    this.stats.responses[key] = (this.stats.responses[key] ?? 0) + 1;
    return response;
  }
}

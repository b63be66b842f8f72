import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { CallDelivery, type DeliveryOutcome } from './spool/call.delivery.ts';
import { assemblerOptionsOf } from './spool/call.assembler.ts';
import type { MetadataRules } from './call.metadata.ts';
import type { CallSink } from './captured-call.ts';
import { HepServer, type HepServerOptions } from './passive/hep.server.ts';
import { IpAllowList } from './ip-allow.ts';
import { LiveCapture, type LiveCaptureOptions } from './passive/live.capture.ts';
import { PacketCorrelator } from './passive/packet.correlator.ts';
import { RtpPortPool, type PortRange } from './rtp/rtp.ports.ts';
import { SipServer } from './sip/sip.server.ts';
import { noteSpoolWrite, spoolRootFailure } from './spool/spool.log.ts';
import type { SipTlsFiles } from './sip/sip.tls.ts';
import type { BoundTransports, SipTransportName, TcpLimits } from './sip/sip.transport.ts';
import type { StreamRecorderOptions } from './rtp/stream.recorder.ts';
import type { LiveFeedOptions, LiveTap } from './live.tap.ts';
import { FfmpegLiveDecoders } from './rtp/live.decoder.ts';
import { createUdpReceiver, type UdpReceiverChoice } from './rtp/udp.receiver.ts';

/**
 * Capture as one service: the SIPREC/SIP server, the HEP receiver and live interface capture feed calls into
 * the spool; finished calls are assembled and handed to the sink, with retries. On start, calls left in the
 * spool by a previous run (crash or shutdown) are recovered first. A timer plays out and fsyncs every call in
 * progress at least every `flushMs` (≤ 1 s), which bounds what a crash can lose.
 */

export interface CaptureServiceOptions {
  sink: CallSink;
  logger: Logger;
  ffmpegPath: string;
  spoolDir: string;
  /** Spool write + fsync interval (≤ 1000 ms). */
  flushMs: number;
  fsync?: boolean;
  silenceDtmf: boolean;
  /** Keep the digits of key presses (default false: reported as X). */
  keepDtmfDigits?: boolean;
  rules: MetadataRules;
  /**
   * RTP ports; `receiver` (default auto) chooses how they receive (udp.receiver.ts); `maxPerSource` caps the pairs
   * one SIP source holds at once (default: a quarter of the range, at least 16).
   */
  rtp: { range: PortRange; host: string; receiver?: UdpReceiverChoice; maxPerSource?: number };
  sip?: {
    host: string;
    port: number;
    transports: readonly SipTransportName[];
    allow: readonly string[];
    mediaAddress?: string;
    acceptPlainInvite: boolean;
    mediaTimeoutMs: number;
    answerDelayMs?: number;
    tcpLimits?: Partial<TcpLimits>;
    /** SIP over TLS, when `transports` names tls. */
    tls?: SipTlsFiles;
  };
  hep?: Omit<HepServerOptions, 'correlator' | 'logger'>;
  live?: Omit<LiveCaptureOptions, 'correlator' | 'logger'>;
  /** Passively captured dialogs idle this long are closed (default 120 s). */
  idleMs?: number;
  recorder?: StreamRecorderOptions;
  /**
   * The live side (services/live): told of every call in progress, with its audio while it is wanted (codecs
   * decoded at assembly by one ffmpeg per wanted stream, rtp/live.decoder.ts).
   */
  liveTap?: LiveTap;
  delivery?: { retryMs?: number; maxRetryMs?: number };
}

export interface CaptureStatus {
  sip: BoundTransports | null;
  hep: { udpPort: number | undefined; tcpPort: number | undefined } | null;
  live: string | null;
  recovered: number;
  /** How RTP ports receive. */
  rtpReceiver: 'batch' | 'dgram';
  /** RTP streams one SIP source may hold at once. */
  rtpStreamsPerSource: number;
}

export class CaptureService {
  readonly delivery: CallDelivery;
  readonly ports: RtpPortPool;
  sip: SipServer | undefined;
  hep: HepServer | undefined;
  live: LiveCapture | undefined;
  /** One correlator per passive input, so each call keeps its source (hep, pcap). */
  readonly correlators: PacketCorrelator[] = [];
  private readonly options: CaptureServiceOptions;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly activeDirs = new Set<string>();
  /** When the spool last failed a write (reported once per run of failures), and when it was last probed. */
  private spoolFailingSince: number | undefined;
  private lastSpoolProbe = 0;
  /** What every call is given of the live side (the tap, and the live decoders of deferred codecs). */
  private readonly liveFeed: LiveFeedOptions | undefined;
  readonly liveDecoders: FfmpegLiveDecoders | undefined;

  constructor(options: CaptureServiceOptions) {
    this.options = options;
    if (options.liveTap) {
      this.liveDecoders = new FfmpegLiveDecoders({ ffmpegPath: options.ffmpegPath, logger: options.logger });
      this.liveFeed = { tap: options.liveTap, rules: options.rules, decoders: this.liveDecoders };
    }
    const logger = options.logger.child({ component: 'capture-rtp' });
    const { receiver, fallbackReason } = createUdpReceiver(options.rtp.receiver ?? 'auto', {
      onError: (error) => logger.error({ err: error }, 'recording an RTP datagram failed'),
    });
    if (fallbackReason) {
      logger.warn(
        { reason: fallbackReason },
        'RTP ports use one Node socket each (about twice the CPU per packet of the batched receiver)',
      );
    }
    this.ports = new RtpPortPool({
      range: options.rtp.range,
      host: options.rtp.host,
      receiver,
      ...(options.rtp.maxPerSource !== undefined ? { maxPerSource: options.rtp.maxPerSource } : {}),
    });
    this.delivery = new CallDelivery({
      sink: options.sink,
      logger: options.logger.child({ component: 'capture-delivery' }),
      assembler: assemblerOptionsOf(options),
      ...(options.delivery ?? {}),
    });
  }

  onDelivered(listener: (outcome: DeliveryOutcome) => void): () => void {
    return this.delivery.onDelivered(listener);
  }

  async start(): Promise<CaptureStatus> {
    const o = this.options;
    await mkdir(o.spoolDir, { recursive: true });
    const recovered = await this.delivery.recover(o.spoolDir, (dir) => this.activeDirs.has(dir));
    if (recovered > 0)
      o.logger.warn({ calls: recovered }, 'calls found in the capture spool: archiving them');
    const status: CaptureStatus = {
      sip: null,
      hep: null,
      live: null,
      recovered,
      rtpReceiver: this.ports.receiver.kind,
      rtpStreamsPerSource: this.ports.maxPerSource,
    };
    const ended = (dir: string, incomplete?: string): void => {
      this.activeDirs.delete(dir);
      this.delivery.enqueue(dir, incomplete);
    };
    try {
      if (o.sip && o.sip.port >= 0) {
        this.sip = new SipServer({
          host: o.sip.host,
          port: o.sip.port,
          transports: o.sip.transports,
          allow: new IpAllowList(o.sip.allow),
          ...(o.sip.mediaAddress ? { mediaAddress: o.sip.mediaAddress } : {}),
          acceptPlainInvite: o.sip.acceptPlainInvite,
          mediaTimeoutMs: o.sip.mediaTimeoutMs,
          ...(o.sip.answerDelayMs !== undefined ? { answerDelayMs: o.sip.answerDelayMs } : {}),
          ...(o.sip.tcpLimits ? { tcpLimits: o.sip.tcpLimits } : {}),
          ...(o.sip.tls ? { tls: o.sip.tls } : {}),
          ports: this.ports,
          rules: o.rules,
          spoolRoot: o.spoolDir,
          fsync: o.fsync ?? true,
          logger: o.logger,
          ...(o.recorder ? { recorder: o.recorder } : {}),
          ...(this.liveFeed ? { live: this.liveFeed } : {}),
          onCallEnded: ended,
        });
        status.sip = await this.sip.start();
      }
      const correlator = (source: 'hep' | 'pcap'): PacketCorrelator => {
        const created = new PacketCorrelator({
          spoolRoot: o.spoolDir,
          fsync: o.fsync ?? true,
          rules: o.rules,
          logger: o.logger,
          idleMs: o.idleMs ?? 120_000,
          source,
          onCallStarted: (dir) => this.activeDirs.add(dir),
          onCallEnded: ended,
          ...(o.recorder ? { recorder: o.recorder } : {}),
          ...(this.liveFeed ? { live: this.liveFeed } : {}),
        });
        this.correlators.push(created);
        return created;
      };
      if (o.hep) {
        this.hep = new HepServer({ ...o.hep, correlator: correlator('hep'), logger: o.logger });
        status.hep = await this.hep.start();
      }
      if (o.live) {
        this.live = new LiveCapture({ ...o.live, correlator: correlator('pcap'), logger: o.logger });
        await this.live.start();
        status.live = o.live.interface;
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.timer = setInterval(() => void this.tick(), Math.min(1000, Math.max(20, o.flushMs)));
    return status;
  }

  /** One timer round: every call in progress plays out what waited long enough and is fsync'd. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const session of this.sip?.sessions() ?? []) this.activeDirs.add(session.call.dir);
      await this.sip?.tick();
      const now = performance.timeOrigin + performance.now();
      for (const correlator of this.correlators) await correlator.tick(now, true);
      await this.watchSpool();
    } catch (error) {
      this.options.logger.error({ err: error }, 'capture timer failed');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Whether capture can record: `spool` is 'ok', or says why calls cannot be spooled (the disk full), until a write
   * to the spool succeeds again.
   */
  health(): { spool: string } {
    const failure = spoolRootFailure(this.options.spoolDir);
    return { spool: failure ? errorMessage(failure.error) : 'ok' };
  }

  /**
   * Reports a failing spool once when it starts failing and once when it works again. While it fails and no call's
   * write has failed for a second, a small write is tried (at most once a second), so health clears when there is
   * room again even with no call in progress.
   */
  private async watchSpool(): Promise<void> {
    const root = this.options.spoolDir;
    let failure = spoolRootFailure(root);
    const now = Date.now();
    if (failure && now - failure.last >= 1000 && now - this.lastSpoolProbe >= 1000) {
      this.lastSpoolProbe = now;
      const probe = path.join(root, '.write-probe');
      try {
        await writeFile(probe, Buffer.alloc(4096));
        noteSpoolWrite(root);
      } catch {
        // still failing
      } finally {
        await rm(probe, { force: true }).catch(() => undefined);
      }
      failure = spoolRootFailure(root);
    }
    if (failure && this.spoolFailingSince === undefined) {
      this.spoolFailingSince = failure.since;
      this.options.logger.error(
        { err: failure.error, spool: root },
        'capture spool cannot be written: calls in progress are losing audio and new calls are refused',
      );
    } else if (!failure && this.spoolFailingSince !== undefined) {
      this.options.logger.warn(
        { spool: root, failedForMs: Date.now() - this.spoolFailingSince },
        'capture spool writable again',
      );
      this.spoolFailingSince = undefined;
    }
  }

  /** Stops listening; calls in progress end and are queued (they stay in the spool if delivery cannot finish). */
  async stop(options: { waitForDelivery?: boolean } = {}): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.live?.stop();
    await this.hep?.stop();
    await this.sip?.stop();
    for (const correlator of this.correlators) await correlator.closeAll('shutdown');
    this.liveDecoders?.stopAll();
    if (options.waitForDelivery) await this.delivery.idle();
    await this.delivery.stop();
  }
}

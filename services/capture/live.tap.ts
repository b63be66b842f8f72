import type { CallMetadata } from '../../models/call.ts';
import { buildCallMetadata, type MetadataRules, type SipFacts, type SiprecFacts } from './call.metadata.ts';
import type { CaptureSource } from './captured-call.ts';
import type { Logger } from '../platform/logger.ts';
import type { LiveDecoders } from './rtp/live.decoder.ts';

/**
 * What capture tells the live side about a call in progress: when it starts, what it is known to be (the metadata
 * it would be archived with if it ended now, paused or recording), each party's audio as it is played out of the
 * jitter buffer, and its end. Capture calls a `LiveTap` and knows nothing of who listens; services/live implements
 * it. Every method is called on capture's own path and must return at once: a tap copies what it keeps and never
 * blocks or throws into capture (whatever it does with the audio happens elsewhere).
 */

export interface LiveCallInfo {
  captureId: string;
  source: CaptureSource;
  /** When signalling started (epoch ms on the arrival clock: the wall clock for live sources). */
  startedAtMs: number;
  /** The call's metadata as known now (agent, team, campaign, numbers, direction, country, ...). */
  metadata: CallMetadata;
  /** Recording paused (a pause key, an INFO, the call on hold) since this time, or null while recording. */
  pausedSinceMs: number | null;
}

/**
 * A stretch of one party's audio, decoded to 16-bit PCM (silence for gaps and for audio that cannot be decoded).
 * Codecs decoded at assembly come from a live decoder (rtp/live.deferred.ts), later than the others by its delay.
 */
export interface LiveAudio {
  /** 0 agent, 1 customer. */
  channel: number;
  /** Which RTP stream of the call (a re-INVITE may start another one for the same party). */
  track: number;
  sampleRate: number;
  /** The first sample's position on the stream's timeline, in samples at `sampleRate`. */
  position: number;
  /** When the stretch was received (epoch ms, arrival clock). */
  arrivalMs: number;
  /**
   * Where its first sample lies on the call's clock (epoch ms: the stream's origin plus `position`), the clock the
   * archive lines the parties and key presses up on; absent from taps that do not know it.
   */
  atMs?: number;
  /** Only valid during the call: a tap that keeps audio copies it. */
  samples: Int16Array;
  /** Whether `samples` is real audio (false: silence standing for loss, a gap or a codec not decoded live). */
  voiced: boolean;
  /**
   * Silence standing for audio the recording has but capture did not give live (a codec decoded at assembly whose
   * live decoder dropped it, failed, ended with it waiting, or could not run): what is made of the live audio alone,
   * such as the live transcript, lacks it.
   */
  leftOut?: boolean;
}

/**
 * An RFC 4733 key press on one party's stream, told at each of its packets (so it is known before the audio
 * around it is played out): when it started on the call's clock and how long it has lasted so far.
 */
export interface LiveKeyPress {
  channel: number;
  track: number;
  /** Epoch ms on the call's clock (the same as `LiveAudio.atMs` and the archive's key presses). */
  atMs: number;
  durationMs: number;
  /** The key press's end packet: its duration is final. */
  ended: boolean;
}

export interface LiveTap {
  started(call: LiveCallInfo): void;
  /** Metadata learnt later (re-INVITE, INFO, SIPREC update) or a pause or resume. */
  updated(call: LiveCallInfo): void;
  /** Whether anything wants this call's audio now; when false capture does not decode audio for the tap. */
  wantsAudio(captureId: string): boolean;
  audio(captureId: string, audio: LiveAudio): void;
  /** A key press (told only while the call's audio is wanted), so that live audio keeps it silenced. */
  keyPress?(captureId: string, press: LiveKeyPress): void;
  /** The call ended (its recording goes on to the archive), or capture stopped with it in progress. */
  ended(captureId: string, atMs: number, reason: string): void;
}

/** A tap and the rules that turn SIP facts into metadata, given to every place that opens a call. */
export interface LiveFeedOptions {
  tap: LiveTap;
  rules: MetadataRules;
  /**
   * Starts the live decoders of the codecs ffmpeg decodes at assembly (G.729, Opus, AMR, ...); without it their
   * audio is silence live.
   */
  decoders?: LiveDecoders | undefined;
}

/**
 * The live side of one recording call: keeps the call's SIP facts as they change and tells the tap. A tap that
 * throws is caught here and reported once, so a live consumer's bug never stops a recording.
 */
export class LiveCallFeed {
  private sip: SipFacts;
  private siprec: SiprecFacts | null;
  private pausedSinceMs: number | null = null;
  private failed = false;

  constructor(
    private readonly options: LiveFeedOptions,
    private readonly call: { captureId: string; source: CaptureSource; startedAtMs: number },
    sip: SipFacts,
    siprec: SiprecFacts | null,
    private readonly onError: (error: unknown) => void,
  ) {
    this.sip = { ...sip, headers: { ...sip.headers } };
    this.siprec = siprec;
  }

  started(): void {
    this.safely(() => this.options.tap.started(this.info()));
  }

  updateSip(headers: Record<string, string>, siprec?: SiprecFacts | null): void {
    this.sip = { ...this.sip, headers: { ...this.sip.headers, ...headers } };
    if (siprec !== undefined) this.siprec = siprec;
    this.safely(() => this.options.tap.updated(this.info()));
  }

  paused(atMs: number | null): void {
    this.pausedSinceMs = atMs;
    this.safely(() => this.options.tap.updated(this.info()));
  }

  wantsAudio(): boolean {
    if (this.failed) return false;
    try {
      return this.options.tap.wantsAudio(this.call.captureId);
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  /** Live decoders for codecs decoded at assembly, while the live view of the call has not failed. */
  get decoders(): LiveDecoders | undefined {
    return this.failed ? undefined : this.options.decoders;
  }

  audio(audio: LiveAudio): void {
    this.safely(() => this.options.tap.audio(this.call.captureId, audio));
  }

  keyPress(press: LiveKeyPress): void {
    this.safely(() => this.options.tap.keyPress?.(this.call.captureId, press));
  }

  ended(atMs: number, reason: string): void {
    // Said even after a failure, so that the live side never keeps a call that has ended.
    try {
      this.options.tap.ended(this.call.captureId, atMs, reason);
    } catch (error) {
      this.fail(error);
    }
  }

  private info(): LiveCallInfo {
    const now = Date.now();
    return {
      captureId: this.call.captureId,
      source: this.call.source,
      startedAtMs: this.call.startedAtMs,
      metadata: buildCallMetadata(
        {
          sip: this.sip,
          siprec: this.siprec,
          startedAt: new Date(this.call.startedAtMs),
          endedAt: new Date(Math.max(now, this.call.startedAtMs)),
          custom: {},
        },
        this.options.rules,
      ),
      pausedSinceMs: this.pausedSinceMs,
    };
  }

  private safely(action: () => void): void {
    if (this.failed) return;
    try {
      action();
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(error);
  }
}

/** Reports a live consumer's failure for one call (once per call) without stopping its recording. */
export function liveErrorReporter(logger: Logger): (error: unknown) => void {
  return (error) =>
    logger.error(
      { err: error },
      'the live view of a call failed; its recording goes on (live view stopped for it)',
    );
}

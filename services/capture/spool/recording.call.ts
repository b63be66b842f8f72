import path from 'node:path';
import type { CaptureSource } from '../captured-call.ts';
import type { SipFacts, SiprecFacts } from '../call.metadata.ts';
import { errorMessage } from '../../platform/errors.ts';
import { LiveCallFeed, type LiveFeedOptions } from '../live.tap.ts';
import { SpoolWriter } from './spool.log.ts';
import {
  StreamRecorder,
  type RecorderSnapshot,
  type StreamDescription,
  type StreamRecorderOptions,
} from '../rtp/stream.recorder.ts';

/**
 * One call being recorded, whatever brought it (SIPREC server, plain SIP, a capture file, HEP): its spool log,
 * its stream recorders, its pauses and SIP facts. Live sources call `tick` and `flush` on a timer (the capture
 * service does); `end` finishes every stream and writes the end marker that tells a normal end from a crash.
 */

export interface RecordingCallInit {
  captureId: string;
  source: CaptureSource;
  /** When signalling started (INVITE), on the arrival clock. */
  startedAtMs: number;
  sip: SipFacts;
  siprec: SiprecFacts | null;
  notes?: string[];
}

export interface RecordingCallOptions {
  /** Spool root; the call lives in `<root>/<captureId>`. */
  spoolRoot: string;
  fsync?: boolean;
  recorder?: StreamRecorderOptions;
  /** Statistics are written to the spool at most this often (default 2 s). */
  statsIntervalMs?: number;
  /** The live side (calls in progress, their audio); absent where nothing is live (a capture file imported). */
  live?: LiveFeedOptions | undefined;
  /** Where a live consumer's failure is reported (it never stops the recording). */
  onLiveError?: (error: unknown) => void;
}

export class RecordingCall {
  readonly captureId: string;
  readonly source: CaptureSource;
  readonly spool: SpoolWriter;
  private readonly recorders = new Map<number, StreamRecorder>();
  private nextTrack = 0;
  private pausedSince: number | undefined;
  private ended = false;
  private lastStatsMs = 0;
  private readonly statsIntervalMs: number;
  private readonly recorderOptions: StreamRecorderOptions;
  private readonly live: LiveCallFeed | undefined;

  private constructor(init: RecordingCallInit, options: RecordingCallOptions) {
    this.captureId = init.captureId;
    this.source = init.source;
    this.spool = new SpoolWriter(path.join(options.spoolRoot, init.captureId), {
      fsync: options.fsync ?? true,
    });
    this.statsIntervalMs = options.statsIntervalMs ?? 2000;
    this.recorderOptions = options.recorder ?? {};
    this.live = options.live
      ? new LiveCallFeed(
          options.live,
          { captureId: init.captureId, source: init.source, startedAtMs: init.startedAtMs },
          init.sip,
          init.siprec,
          options.onLiveError ?? (() => undefined),
        )
      : undefined;
  }

  /** Creates the call's spool (durably) before anything is recorded. */
  static async open(init: RecordingCallInit, options: RecordingCallOptions): Promise<RecordingCall> {
    const call = new RecordingCall(init, options);
    await call.spool.open({
      t: 'call',
      captureId: init.captureId,
      source: init.source,
      startedAtMs: init.startedAtMs,
      sip: init.sip,
      siprec: init.siprec,
      notes: init.notes ?? [],
    });
    call.live?.started();
    return call;
  }

  get dir(): string {
    return this.spool.dir;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  get isPaused(): boolean {
    return this.pausedSince !== undefined;
  }

  streams(): StreamRecorder[] {
    return [...this.recorders.values()];
  }

  addStream(description: Omit<StreamDescription, 'track'>): StreamRecorder {
    const track = this.nextTrack++;
    const recorder = new StreamRecorder(
      { ...description, track },
      this.spool,
      this.recorderOptions,
      this.live,
    );
    this.recorders.set(track, recorder);
    return recorder;
  }

  /** Stops one stream (removed by a re-INVITE); its audio so far stays in the call. */
  stopStream(recorder: StreamRecorder): void {
    recorder.finish();
  }

  /** SIP facts learnt later (re-INVITE, INFO, BYE headers such as X-Disposition). */
  updateSip(headers: Record<string, string>, siprec?: SiprecFacts | null): void {
    if (Object.keys(headers).length === 0 && siprec === undefined) return;
    this.spool.event({ t: 'meta', headers, ...(siprec === undefined ? {} : { siprec }) });
    this.live?.updateSip(headers, siprec);
  }

  note(text: string): void {
    this.spool.event({ t: 'note', text });
  }

  pause(atMs: number, reason: 'inactive' | 'info' | 'hold'): boolean {
    if (this.pausedSince !== undefined || this.ended) return false;
    this.pausedSince = atMs;
    this.spool.event({ t: 'pause', atMs, reason });
    this.live?.paused(atMs);
    return true;
  }

  resume(atMs: number): boolean {
    if (this.pausedSince === undefined || this.ended) return false;
    this.pausedSince = undefined;
    this.spool.event({ t: 'resume', atMs });
    this.live?.paused(null);
    return true;
  }

  /** A key press signalled in SIP (INFO application/dtmf-relay). */
  dtmfInfo(channel: number, digit: string, durationMs: number, atMs: number): void {
    this.spool.event({
      t: 'dtmf',
      track: -1,
      channel,
      digit,
      atMs,
      durationMs,
      ended: true,
      method: 'sip-info',
    });
  }

  tick(nowMs: number): void {
    for (const r of this.recorders.values()) r.tick(nowMs);
    if (nowMs - this.lastStatsMs >= this.statsIntervalMs) {
      this.lastStatsMs = nowMs;
      for (const r of this.recorders.values()) r.spoolStats();
    }
  }

  /**
   * Why this call's spool is not the whole call (its last records could not be written, the disk full), once `end`
   * has run; undefined when it is whole. The call is still delivered, with this said.
   */
  incomplete: string | undefined;
  private flushFailing = false;

  /**
   * Writes the spool. Of a run of failed flushes (a full disk, retried every timer round) only the first is thrown;
   * the audio they lose is counted in the spool and reported with the call.
   */
  async flush(): Promise<void> {
    try {
      await this.spool.flush();
      this.flushFailing = false;
    } catch (error) {
      if (this.flushFailing) return;
      this.flushFailing = true;
      throw error;
    }
  }

  /** Finishes every stream, writes the end marker and closes the spool. */
  async end(atMs: number, reason: string): Promise<RecorderSnapshot[]> {
    if (this.ended) return this.streams().map((r) => r.snapshot());
    this.ended = true;
    const snapshots = [...this.recorders.values()].map((r) => r.finish());
    if (this.pausedSince !== undefined) this.spool.event({ t: 'resume', atMs });
    this.spool.event({ t: 'end', atMs, reason });
    this.live?.ended(atMs, reason);
    try {
      await this.spool.close();
    } catch (error) {
      // Its end could not be written: the call still goes to delivery, reported as incomplete, never as whole.
      this.incomplete = `the end of the call was not spooled (${errorMessage(error)})`;
    }
    return snapshots;
  }

  /** Closes the spool without an end marker (process shutting down mid-call: the call is recovered on restart). */
  async abandon(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (const r of this.recorders.values()) r.spoolStats();
    this.live?.ended(Date.now(), 'shutdown');
    await this.spool.close();
  }
}

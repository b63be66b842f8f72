import type { CallMetadata } from '../../models/call.ts';
import type { CaptureSource } from '../capture/captured-call.ts';
import type { LiveAudio, LiveCallInfo, LiveKeyPress, LiveTap } from '../capture/live.tap.ts';
import { rmsDbfs } from '../capture/rtp/rtp-quality.ts';
import type { Logger } from '../platform/logger.ts';

/**
 * The calls in progress of this process, and what happens to them, for the live features (board, listening, live
 * transcript, alerts). Capture feeds it through the `LiveTap` it implements; the live features subscribe to it and
 * publish what they find (transcript lines, alerts) back into it, so that each consumer reads one source. Nothing
 * here blocks capture: listeners run synchronously but are expected to copy and hand work elsewhere, and a listener
 * that throws is logged and skipped.
 */

export type { LiveAudio, LiveKeyPress } from '../capture/live.tap.ts';

export interface LiveCallView {
  captureId: string;
  source: CaptureSource;
  startedAtMs: number;
  metadata: CallMetadata;
  pausedSinceMs: number | null;
  /**
   * Latest audio level per channel (0 agent, 1 customer) in dBFS; null before any audio, and while no board keeps
   * levels (`LiveHub.wantLevels`).
   */
  levels: [number | null, number | null];
  /** When audio last arrived (epoch ms), null before any (audio arrives only while something wants it). */
  lastAudioMs: number | null;
}

export type LiveCallEvent =
  | { type: 'started' | 'updated'; call: LiveCallView }
  | { type: 'ended'; call: LiveCallView; endedAtMs: number; reason: string };

/** A line of the live transcript (one utterance of one party). */
export interface LiveTranscriptLine {
  captureId: string;
  channel: number;
  party: 'agent' | 'customer';
  /** Milliseconds from the start of the call (its `startedAtMs`). */
  startMs: number;
  endMs: number;
  text: string;
  language: string | null;
}

/** A real-time alert raised on a call in progress. */
export interface LiveAlert {
  alertId: string;
  captureId: string;
  /** The archived call, once it is known (null while the call is in progress). */
  callId: string | null;
  kind: string;
  detail: string;
  /** Milliseconds from the start of the call. */
  atMs: number;
  raisedAt: string;
}

export interface LiveEvents {
  call: LiveCallEvent;
  line: LiveTranscriptLine;
  alert: LiveAlert;
}

type Listener<T> = (event: T) => void;

interface CallState {
  view: LiveCallView;
  audio: Set<Listener<LiveAudio>>;
  /** Key presses (RFC 4733), told at each of their packets while the call's audio is wanted. */
  keyPresses: Set<Listener<LiveKeyPress>>;
}

export interface LiveHubOptions {
  logger: Logger;
  /**
   * Keep every call's levels whether or not a board is open (a benchmark's "board open" case); default false: only
   * while something holds `wantLevels`.
   */
  levels?: boolean;
}

export class LiveHub implements LiveTap {
  private readonly states = new Map<string, CallState>();
  private readonly listeners: { [K in keyof LiveEvents]: Set<Listener<LiveEvents[K]>> } = {
    call: new Set(),
    line: new Set(),
    alert: new Set(),
  };
  private readonly allAudio = new Set<(captureId: string, audio: LiveAudio) => void>();
  private readonly logger: Logger;
  /** Consumers of every call's audio levels now (open boards): levels are kept only while there is one. */
  private levelWatchers = 0;

  constructor(options: LiveHubOptions) {
    this.logger = options.logger.child({ component: 'live' });
    if (options.levels === true) this.wantLevels();
  }

  /** Every call in progress, oldest first. */
  calls(): LiveCallView[] {
    return [...this.states.values()].map((s) => s.view).sort((a, b) => a.startedAtMs - b.startedAtMs);
  }

  call(captureId: string): LiveCallView | undefined {
    return this.states.get(captureId)?.view;
  }

  on<K extends keyof LiveEvents>(kind: K, listener: Listener<LiveEvents[K]>): () => void {
    const set = this.listeners[kind] as Set<Listener<LiveEvents[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Publishes what a live feature found (a transcript line, an alert) to everything that listens. */
  emit<K extends keyof LiveEvents>(kind: K, event: LiveEvents[K]): void {
    for (const listener of this.listeners[kind] as Set<Listener<LiveEvents[K]>>) {
      this.safely(() => listener(event), kind);
    }
  }

  /**
   * One call's audio while it is in progress; undefined when the call is not (or no longer) in progress. The
   * listener gets each stretch as capture plays it out; `samples` must be copied if kept.
   */
  subscribeAudio(captureId: string, listener: Listener<LiveAudio>): (() => void) | undefined {
    const state = this.states.get(captureId);
    if (!state) return undefined;
    state.audio.add(listener);
    return () => state.audio.delete(listener);
  }

  /**
   * Keeps every call's audio levels up to date until the returned function is called (a board's event stream,
   * while it is open). With no such consumer capture does not decode a call's audio for its levels, and the levels
   * the hub shows are null.
   */
  wantLevels(): () => void {
    this.levelWatchers++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.levelWatchers > 0) return;
      for (const state of this.states.values()) state.view.levels = [null, null];
    };
  }

  /** One call's key presses while it is in progress (as `subscribeAudio`). */
  subscribeKeyPresses(captureId: string, listener: Listener<LiveKeyPress>): (() => void) | undefined {
    const state = this.states.get(captureId);
    if (!state) return undefined;
    state.keyPresses.add(listener);
    return () => state.keyPresses.delete(listener);
  }

  /** The audio of every call in progress (live transcription). */
  subscribeAllAudio(listener: (captureId: string, audio: LiveAudio) => void): () => void {
    this.allAudio.add(listener);
    return () => this.allAudio.delete(listener);
  }

  // The LiveTap side, called by capture.

  started(info: LiveCallInfo): void {
    const view: LiveCallView = { ...info, levels: [null, null], lastAudioMs: null };
    this.states.set(info.captureId, { view, audio: new Set(), keyPresses: new Set() });
    this.emit('call', { type: 'started', call: view });
  }

  updated(info: LiveCallInfo): void {
    const state = this.states.get(info.captureId);
    if (!state) return;
    state.view = { ...state.view, metadata: info.metadata, pausedSinceMs: info.pausedSinceMs };
    this.emit('call', { type: 'updated', call: state.view });
  }

  /**
   * The one place that says whether capture decodes a call's audio: while a board shows levels, the live transcript
   * runs, or someone listens to that call. Capture asks it for each stretch it plays out, so audio starts and stops
   * within a frame of a consumer coming or going.
   */
  wantsAudio(captureId: string): boolean {
    if (this.levelWatchers > 0 || this.allAudio.size > 0) return true;
    return (this.states.get(captureId)?.audio.size ?? 0) > 0;
  }

  audio(captureId: string, audio: LiveAudio): void {
    const state = this.states.get(captureId);
    if (!state) return;
    if (audio.channel === 0 || audio.channel === 1) {
      if (this.levelWatchers > 0)
        state.view.levels[audio.channel] = audio.voiced ? levelDb(audio.samples) : null;
      state.view.lastAudioMs = audio.arrivalMs;
    }
    for (const listener of state.audio) this.safely(() => listener(audio), 'audio');
    for (const listener of this.allAudio) this.safely(() => listener(captureId, audio), 'audio');
  }

  keyPress(captureId: string, press: LiveKeyPress): void {
    const state = this.states.get(captureId);
    if (!state) return;
    for (const listener of state.keyPresses) this.safely(() => listener(press), 'keyPress');
  }

  ended(captureId: string, atMs: number, reason: string): void {
    const state = this.states.get(captureId);
    if (!state) return;
    this.states.delete(captureId);
    state.audio.clear();
    state.keyPresses.clear();
    this.emit('call', { type: 'ended', call: state.view, endedAtMs: atMs, reason });
  }

  private safely(action: () => void, kind: string): void {
    try {
      action();
    } catch (error) {
      this.logger.error({ err: error, kind }, 'a live listener failed');
    }
  }
}

/** Root-mean-square level of a stretch of 16-bit PCM in dBFS (-96 for digital silence), to one decimal. */
export function levelDb(samples: Int16Array): number {
  return Math.max(-96, Math.round(rmsDbfs(samples) * 10) / 10);
}

import type { LiveCallView, LiveHub } from './live.hub.ts';
import { LiveAudioMixer, type MixedFrame } from './live-audio.mixer.ts';
import {
  encodeAudioFrame,
  LIVE_AUDIO_SAMPLE_RATE,
  type LiveAudioMessage,
  type LiveParty,
} from './live-audio.protocol.ts';

/**
 * One listener of a call in progress: its audio from the hub, mixed (live-audio.mixer.ts), framed and sent to a
 * sink (the WebSocket). Capture is never held up by a listener: frames wait in a short queue while the sink's
 * buffer is above `maxBufferedBytes`; past `maxQueueMs` the oldest are dropped, and a frame more than `maxLagMs`
 * behind the call when its turn comes is dropped too (each audio frame says how many went before it).
 */

/** Where frames go: the subset of a WebSocket a stream uses. */
export interface LiveAudioSink {
  /** Bytes handed to the sink and not yet written out. */
  readonly bufferedAmount: number;
  sendBinary(data: Uint8Array): void;
  sendText(message: LiveAudioMessage): void;
  /** Ends the connection (1000 when the call ended; 4000 + status for an error). */
  close(code: number, reason: string): void;
}

export interface LiveAudioStreamOptions {
  party: LiveParty;
  silenceKeyPresses: boolean;
  frameMs?: number;
  holdMs?: number;
  waitMs?: number;
  /** Above this the sink is not given more frames (default 16 KiB, half a second of both parties). */
  maxBufferedBytes?: number;
  /** Frames waiting beyond this much audio are dropped, oldest first (default 1000 ms). */
  maxQueueMs?: number;
  /** A frame this far behind the call is dropped instead of sent (default 2000 ms). */
  maxLagMs?: number;
  now?: () => number;
  /** The call's metadata changed: whether the listener may still hear it (false stops the stream). */
  stillAllowed?: (call: LiveCallView) => boolean;
}

export interface LiveAudioStreamStats {
  framesSent: number;
  framesDropped: number;
  /** Why it stopped: `call-ended`, `listener-closed`, `out-of-scope`. */
  reason: string;
}

export class LiveAudioStream {
  private readonly mixer: LiveAudioMixer;
  private readonly queue: MixedFrame[] = [];
  private readonly maxBuffered: number;
  private readonly maxQueue: number;
  private readonly maxLagMs: number;
  private readonly now: () => number;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly told = new Set<string>();
  private sequence = 0;
  private dropped = 0;
  private paused: number | null;
  private stopped = false;
  readonly stats: LiveAudioStreamStats = { framesSent: 0, framesDropped: 0, reason: 'listener-closed' };

  constructor(
    private readonly hub: LiveHub,
    private readonly call: LiveCallView,
    private readonly sink: LiveAudioSink,
    private readonly options: LiveAudioStreamOptions,
    private readonly onStop: (stats: LiveAudioStreamStats) => void = () => undefined,
  ) {
    this.mixer = new LiveAudioMixer({
      party: options.party,
      callStartMs: call.startedAtMs,
      silenceKeyPresses: options.silenceKeyPresses,
      ...(options.frameMs !== undefined ? { frameMs: options.frameMs } : {}),
      ...(options.holdMs !== undefined ? { holdMs: options.holdMs } : {}),
      ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
    });
    this.maxBuffered = options.maxBufferedBytes ?? 16 * 1024;
    this.maxQueue = Math.max(1, Math.round((options.maxQueueMs ?? 1000) / this.mixer.frameMs));
    this.maxLagMs = options.maxLagMs ?? 2000;
    this.now = options.now ?? Date.now;
    this.paused = call.pausedSinceMs;
    if (this.paused !== null) this.mixer.pause(this.paused);
  }

  /** Says `start` and follows the call until it ends or `stop` is called. False when the call is no longer live. */
  start(): boolean {
    const captureId = this.call.captureId;
    const unsubscribeAudio = this.hub.subscribeAudio(captureId, (audio) => {
      this.mixer.push(audio);
      for (const party of this.mixer.notLive()) this.notice(party);
      this.pump();
    });
    const unsubscribeKeys = this.hub.subscribeKeyPresses(captureId, (press) => this.mixer.keyPress(press));
    if (!unsubscribeAudio || !unsubscribeKeys) return false;
    this.unsubscribe.push(unsubscribeAudio, unsubscribeKeys);
    this.unsubscribe.push(
      this.hub.on('call', (event) => {
        if (event.call.captureId !== captureId) return;
        if (event.type === 'ended') this.end(event.reason);
        else this.changed(event.call);
      }),
    );
    this.sink.sendText({
      type: 'start',
      captureId,
      party: this.options.party,
      sampleRate: LIVE_AUDIO_SAMPLE_RATE,
      channels: this.mixer.channelCount,
      frameMs: this.mixer.frameMs,
      startedAtMs: this.call.startedAtMs,
      pausedSinceMs: this.call.pausedSinceMs,
    });
    return true;
  }

  /** The listener went away (or the server stops): no more frames. */
  stop(reason = 'listener-closed'): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    this.stats.reason = reason;
    this.onStop(this.stats);
  }

  private changed(call: LiveCallView): void {
    if (this.options.stillAllowed && !this.options.stillAllowed(call)) {
      this.sink.sendText({
        type: 'error',
        code: 'FORBIDDEN',
        message: 'the call is no longer within your scope',
      });
      this.sink.close(4403, 'FORBIDDEN');
      this.stop('out-of-scope');
      return;
    }
    if (call.pausedSinceMs !== null && this.paused === null) {
      this.paused = call.pausedSinceMs;
      this.mixer.pause(call.pausedSinceMs);
      this.sink.sendText({ type: 'paused', sinceMs: call.pausedSinceMs });
    } else if (call.pausedSinceMs === null && this.paused !== null) {
      this.paused = null;
      this.mixer.resume(this.now());
      this.sink.sendText({ type: 'resumed' });
    }
  }

  private end(reason: string): void {
    if (this.stopped) return;
    this.queue.push(...this.mixer.flush());
    this.trim();
    // The call's last second goes out whatever the sink holds: it is at most `maxQueueMs` of audio.
    this.send(Infinity);
    this.sink.sendText({ type: 'end', reason });
    this.sink.close(1000, 'call ended');
    this.stop('call-ended');
  }

  private notice(party: 'agent' | 'customer'): void {
    if (this.told.has(party)) return;
    this.told.add(party);
    this.sink.sendText({ type: 'notice', code: 'AUDIO_NOT_LIVE', party });
  }

  private pump(): void {
    if (this.stopped) return;
    this.queue.push(...this.mixer.frames());
    this.trim();
    this.send(this.maxBuffered);
  }

  private trim(): void {
    while (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.drop();
    }
  }

  private drop(): void {
    this.dropped++;
    this.stats.framesDropped++;
  }

  private send(maxBuffered: number): void {
    while (this.queue.length > 0 && this.sink.bufferedAmount < maxBuffered) {
      const frame = this.queue.shift()!;
      const lagMs = this.now() - (this.call.startedAtMs + frame.endMs);
      if (lagMs > this.maxLagMs) {
        this.drop();
        continue;
      }
      this.sink.sendBinary(
        encodeAudioFrame({
          channels: frame.channels,
          flags: frame.flags,
          sequence: this.sequence++,
          startMs: frame.startMs,
          lagMs,
          dropped: this.dropped,
          samples: frame.samples,
        }),
      );
      this.dropped = 0;
      this.stats.framesSent++;
    }
  }
}

import type { LiveAudio, LiveKeyPress } from '../capture/live.tap.ts';
import {
  FRAME_KEY_PRESS,
  FRAME_PAUSED,
  LIVE_AUDIO_SAMPLE_RATE,
  type LiveParty,
} from './live-audio.protocol.ts';

/**
 * Turns the tapped audio of a call in progress into the frames one listener hears: each party's stretches put on
 * the call's clock (`LiveAudio.atMs`, the clock the archive lines the parties up on) at 8 kHz, cut into frames of
 * `frameMs`, one channel or both interleaved, with key presses and paused spans silenced as the archive silences
 * them. A frame leaves once the audio of every party wanted is `holdMs` past its end (a key press told a little
 * after the audio it covers still silences it), or once one party's is `waitMs` past it: a party whose jitter buffer
 * plays out later is still heard with the other, and one that sends nothing (silence suppression, one-way audio)
 * holds the other back only that long. Pure: no timers, no I/O.
 */

export interface LiveAudioMixerOptions {
  party: LiveParty;
  /** Epoch ms the frames' times count from (the call's start). */
  callStartMs: number;
  frameMs?: number;
  /** A frame leaves once every party's audio is this far past its end (default 60 ms)... */
  holdMs?: number;
  /** ...or once any party's is this far past it, the others having stalled or fallen behind (default 400 ms). */
  waitMs?: number;
  /** Silence RFC 4733 key presses (ESCUCHA_DTMF_SILENCE), with the archive's guard before and after each. */
  silenceKeyPresses: boolean;
  keyPressGuardBeforeMs?: number;
  keyPressGuardAfterMs?: number;
}

export interface MixedFrame {
  /** Ms since the call started. */
  startMs: number;
  /** Ms since the call started of the sample after the last. */
  endMs: number;
  channels: 1 | 2;
  flags: number;
  samples: Int16Array;
}

const RATE = LIVE_AUDIO_SAMPLE_RATE;
const PER_MS = RATE / 1000;
/** Samples each channel keeps ahead of the next frame (4 s: far more than `holdMs` plus a stretch). */
const RING = 4 * RATE;
/** A party with this much audio and none of it real is said to be not playable live. */
const NOT_LIVE_AFTER = RATE;
/** How long a key press still open (no end packet yet) is taken to last past its newest packet. */
const OPEN_KEY_PRESS_MS = 120;

/** The channels a party hears: 0 the agent, 1 the customer. */
export function channelsOf(party: LiveParty): number[] {
  return party === 'both' ? [0, 1] : party === 'agent' ? [0] : [1];
}

/** 16-bit PCM at any rate to 8 kHz (averaging each output sample's span; repeating samples below 8 kHz). */
export function toLiveRate(samples: Int16Array, sampleRate: number): Int16Array {
  if (sampleRate === RATE) return samples;
  const ratio = sampleRate / RATE;
  const out = new Int16Array(Math.floor(samples.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const from = Math.floor(i * ratio);
    const to = Math.max(from + 1, Math.floor((i + 1) * ratio));
    let sum = 0;
    for (let j = from; j < to; j++) sum += samples[j]!;
    out[i] = Math.round(sum / (to - from));
  }
  return out;
}

export class LiveAudioMixer {
  private readonly channels: number[];
  private readonly rings: Int16Array[];
  /** Per wanted channel: the sample after the newest written (call-clock samples), -1 before any. */
  private readonly filled: number[];
  private readonly voiced: number[];
  private readonly unvoiced: number[];
  private readonly frame: number;
  private readonly hold: number;
  private readonly wait: number;
  private readonly before: number;
  private readonly after: number;
  /** Next frame's first sample on the call clock (samples since the call started); undefined before any audio. */
  private cursor: number | undefined;
  /** Silenced spans [from, to) in call-clock samples: key presses and closed pauses. */
  private spans: Array<{ from: number; to: number; flag: number }> = [];
  /** Key presses by channel and start, so each packet of one press widens the same span. */
  private readonly presses = new Map<string, { from: number; to: number; flag: number }>();
  private pausedFrom: number | undefined;

  constructor(private readonly options: LiveAudioMixerOptions) {
    this.channels = channelsOf(options.party);
    this.rings = this.channels.map(() => new Int16Array(RING));
    this.filled = this.channels.map(() => -1);
    this.voiced = this.channels.map(() => 0);
    this.unvoiced = this.channels.map(() => 0);
    this.frame = Math.round((options.frameMs ?? 40) * PER_MS);
    this.hold = Math.round((options.holdMs ?? 60) * PER_MS);
    this.wait = Math.max(this.hold, Math.round((options.waitMs ?? 400) * PER_MS));
    this.before = Math.round((options.keyPressGuardBeforeMs ?? 30) * PER_MS);
    this.after = Math.round((options.keyPressGuardAfterMs ?? 60) * PER_MS);
  }

  get channelCount(): 1 | 2 {
    return this.channels.length === 2 ? 2 : 1;
  }

  get frameMs(): number {
    return this.frame / PER_MS;
  }

  private at(epochMs: number): number {
    return Math.round((epochMs - this.options.callStartMs) * PER_MS);
  }

  /** One stretch of a party's audio, as the tap gives it (copied: the tap's samples are only valid now). */
  push(audio: LiveAudio): void {
    const c = this.channels.indexOf(audio.channel);
    if (c < 0) return;
    const samples = toLiveRate(audio.samples, audio.sampleRate);
    if (audio.voiced) this.voiced[c]! += samples.length;
    else this.unvoiced[c]! += samples.length;
    const start = this.at(audio.atMs ?? audio.arrivalMs);
    const end = start + samples.length;
    this.cursor ??= Math.max(0, start);
    // A stretch beyond what the ring holds ahead (a jump in a party's clock): what is pending leaves first.
    if (end - this.cursor > RING) this.emitUntil(end - RING);
    const ring = this.rings[c]!;
    const cursor = this.cursor;
    for (let i = Math.max(0, cursor - start); i < samples.length; i++) ring[(start + i) % RING] = samples[i]!;
    if (end > this.filled[c]!) this.filled[c] = end;
  }

  /** A key press on either party: both channels are silenced over it (and the guards), as in the archive. */
  keyPress(press: LiveKeyPress): void {
    if (!this.options.silenceKeyPresses) return;
    const key = `${press.channel}:${Math.round(press.atMs)}`;
    const from = this.at(press.atMs) - this.before;
    const to =
      this.at(press.atMs + press.durationMs) +
      (press.ended ? this.after : Math.round(OPEN_KEY_PRESS_MS * PER_MS));
    const span = this.presses.get(key);
    if (span) {
      // An end packet gives the final length; until then each packet may only widen the span.
      span.to = press.ended ? to : Math.max(span.to, to);
      if (!this.spans.includes(span)) this.spans.push(span);
      return;
    }
    const created = { from, to, flag: FRAME_KEY_PRESS };
    this.presses.set(key, created);
    this.spans.push(created);
  }

  /** The recording paused at this time (epoch ms): silence from then until `resume`. */
  pause(sinceMs: number): void {
    this.pausedFrom ??= this.at(sinceMs);
  }

  resume(atMs: number): void {
    if (this.pausedFrom === undefined) return;
    this.spans.push({ from: this.pausedFrom, to: this.at(atMs), flag: FRAME_PAUSED });
    this.pausedFrom = undefined;
  }

  /** Parties (agent, customer) that have given a second of audio, none of it real: nothing to play live. */
  notLive(): Array<'agent' | 'customer'> {
    const out: Array<'agent' | 'customer'> = [];
    this.channels.forEach((channel, c) => {
      if (this.voiced[c] === 0 && this.unvoiced[c]! >= NOT_LIVE_AFTER)
        out.push(channel === 0 ? 'agent' : 'customer');
    });
    return out;
  }

  /** The frames ready to leave: those `holdMs` behind the newest audio of any party. */
  frames(): MixedFrame[] {
    const newest = Math.max(...this.filled);
    const slowest = Math.min(...this.filled);
    return this.emitUntil(Math.max(slowest - this.hold, newest - this.wait));
  }

  /** Every frame left (the call ended). */
  flush(): MixedFrame[] {
    const newest = Math.max(...this.filled);
    const out = this.emitUntil(newest);
    if (this.cursor !== undefined && newest > this.cursor) out.push(this.emit(newest - this.cursor));
    return out;
  }

  private emitUntil(limit: number): MixedFrame[] {
    const out: MixedFrame[] = [];
    while (this.cursor !== undefined && this.cursor + this.frame <= limit) out.push(this.emit(this.frame));
    return out;
  }

  private emit(length: number): MixedFrame {
    const from = this.cursor!;
    const to = from + length;
    const n = this.channels.length;
    const samples = new Int16Array(length * n);
    for (let c = 0; c < n; c++) {
      const ring = this.rings[c]!;
      for (let i = 0; i < length; i++) {
        const slot = (from + i) % RING;
        samples[i * n + c] = ring[slot]!;
        ring[slot] = 0;
      }
    }
    let flags = 0;
    const silence = (a: number, b: number, flag: number) => {
      const lo = Math.max(a, from);
      const hi = Math.min(b, to);
      if (hi <= lo) return;
      samples.fill(0, (lo - from) * n, (hi - from) * n);
      flags |= flag;
    };
    for (const span of this.spans) silence(span.from, span.to, span.flag);
    if (this.pausedFrom !== undefined) silence(this.pausedFrom, to, FRAME_PAUSED);
    this.cursor = to;
    // Spans wholly behind the cursor are done with (a key press still widening stays while it may grow).
    if (this.spans.some((s) => s.to <= to)) {
      this.spans = this.spans.filter((s) => s.to > to);
      for (const [key, span] of this.presses) if (span.to <= to - RING) this.presses.delete(key);
    }
    return { startMs: from / PER_MS, endMs: to / PER_MS, channels: this.channelCount, flags, samples };
  }
}

import { quietGainDb } from '../level.ts';

/**
 * Whisper's encoder always works on 30 s of audio, so a 4 s stretch of speech costs as much as 30 s. Consecutive
 * speech segments of one channel are therefore packed into windows of up to 30 s, each separated by a short
 * silence (so that Whisper ends a segment there), and the times Whisper gives in a window are mapped back to the
 * call's clock through the pieces.
 */

export interface PieceInput {
  /** Index of the speech segment the audio belongs to. */
  index: number;
  samples: Float32Array;
  /** Call time of the first sample, in ms. */
  callOffsetMs: number;
  /** How many times this audio was already sent in a window and came back not transcribed. */
  retries?: number;
}

export interface WindowPiece {
  index: number;
  /** First sample in the window. */
  start: number;
  length: number;
  callOffsetMs: number;
  retries: number;
}

export interface PackedWindow {
  /** The window's audio: the pieces and the silences between them (no padding after the last piece). */
  samples: Float32Array;
  pieces: WindowPiece[];
  sampleRate: number;
}

export interface PackerOptions {
  sampleRate: number;
  /** Most samples in one window (30 s). */
  windowSamples: number;
  /** Silence between pieces. */
  gapSamples: number;
  /** Raise pieces of very quiet speech before packing (see level.ts). */
  raiseQuiet?: boolean;
}

/** Packs pieces in the order given; a piece that does not fit in the current window starts the next one. */
export class WindowPacker {
  private pending: PieceInput[] = [];
  private used = 0;

  constructor(private readonly options: PackerOptions) {}

  /** Adds a piece; returns the window it closed, if any. Pieces longer than a window are cut. */
  push(piece: PieceInput): PackedWindow[] {
    const { windowSamples, gapSamples, sampleRate } = this.options;
    const out: PackedWindow[] = [];
    let rest = piece;
    for (;;) {
      const need = rest.samples.length + (this.pending.length > 0 ? gapSamples : 0);
      if (this.used + need <= windowSamples) {
        this.pending.push(rest);
        this.used += need;
        return out;
      }
      if (this.pending.length > 0) {
        out.push(this.close());
        continue;
      }
      // Longer than a whole window on its own: cut it.
      const head = rest.samples.subarray(0, windowSamples);
      this.pending.push({ ...rest, samples: head });
      this.used = head.length;
      out.push(this.close());
      rest = {
        ...rest,
        samples: rest.samples.subarray(windowSamples),
        callOffsetMs: rest.callOffsetMs + (windowSamples * 1000) / sampleRate,
      };
      if (rest.samples.length === 0) return out;
    }
  }

  /** The last, partly filled window; null when nothing is pending. */
  flush(): PackedWindow | null {
    return this.pending.length > 0 ? this.close() : null;
  }

  private close(): PackedWindow {
    const { gapSamples, sampleRate } = this.options;
    const samples = new Float32Array(this.used);
    const pieces: WindowPiece[] = [];
    let at = 0;
    for (const p of this.pending) {
      if (pieces.length > 0) at += gapSamples;
      samples.set(p.samples, at);
      if (this.options.raiseQuiet) {
        const db = quietGainDb(p.samples);
        if (db > 0) scale(samples.subarray(at, at + p.samples.length), 10 ** (db / 20));
      }
      pieces.push({
        index: p.index,
        start: at,
        length: p.samples.length,
        callOffsetMs: p.callOffsetMs,
        retries: p.retries ?? 0,
      });
      at += p.samples.length;
    }
    this.pending = [];
    this.used = 0;
    return { samples, pieces, sampleRate };
  }
}

/** The piece a window time (seconds) falls in; in a gap, the piece after it (`start`) or before it (`end`). */
export function pieceAt(window: PackedWindow, seconds: number, edge: 'start' | 'end'): WindowPiece {
  const at = seconds * window.sampleRate;
  const pieces = window.pieces;
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (at < p.start) return edge === 'start' || i === 0 ? p : pieces[i - 1]!;
    if (at < p.start + p.length) return p;
  }
  return pieces[pieces.length - 1]!;
}

/** Call time (ms) of a window time (seconds); a time in a gap snaps to the piece edge on the `edge` side. */
export function toCallMs(window: PackedWindow, seconds: number, edge: 'start' | 'end'): number {
  const p = pieceAt(window, seconds, edge);
  const at = Math.min(Math.max(seconds * window.sampleRate, p.start), p.start + p.length);
  return p.callOffsetMs + ((at - p.start) * 1000) / window.sampleRate;
}

/**
 * The pieces' audio after `seconds` into the window, as new pieces: from that point on (`wholePieces` false: what a
 * decode cut short did not cover), or only the pieces that start after it (`wholePieces` true: pieces a decode that
 * ended early never reached; the rest of the piece it ended in was silence to it).
 */
export function remainderAfter(window: PackedWindow, seconds: number, wholePieces = false): PieceInput[] {
  const from = Math.max(0, Math.floor(seconds * window.sampleRate));
  const out: PieceInput[] = [];
  for (const p of window.pieces) {
    const end = p.start + p.length;
    if (end <= from || (wholePieces && p.start < from)) continue;
    const skip = Math.max(0, from - p.start);
    out.push({
      index: p.index,
      samples: window.samples.subarray(p.start + skip, end),
      callOffsetMs: p.callOffsetMs + (skip * 1000) / window.sampleRate,
      retries: p.retries + 1,
    });
  }
  return out;
}

function scale(samples: Float32Array, gain: number): void {
  for (let i = 0; i < samples.length; i++) samples[i] = Math.max(-1, Math.min(1, samples[i]! * gain));
}

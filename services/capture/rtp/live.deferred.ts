import { DeferredInput, deferredPieces, type DeferredCodec } from './codec.deferred.ts';
import type { LiveDecoderProcess, LiveDecoders } from './live.decoder.ts';

/**
 * One stream of a deferred codec decoded live: the recorder hands it each stretch the jitter buffer plays out (a
 * spooled unit at its position, or silence), it writes the units to a live decoder (live.decoder.ts) as assembly
 * writes them to its file, and gives back each stretch, in the order it came, once the decoder's PCM for it is in
 * (ffmpeg's output follows its input: each unit's decoded pieces, in order, as at assembly). Silence and units the
 * decoder cannot take wait their turn behind what is being decoded, so the live side gets the stream in timeline
 * order. Bounded: a unit that would put the decoder more than `maxLagMs` behind, or that the decoder refuses, is
 * given back as silence and counted; a decoder `stuckMs` behind, or one that fails, ends live decoding of the stream
 * (what waited is given back as silence, and the recorder falls back to silence for the rest of the stream).
 */

export interface LiveStretch {
  position: number;
  samples: Int16Array;
  /** False: silence standing for loss, a gap, a dropped unit or a frame the codec does not decode. */
  voiced: boolean;
  /**
   * Silence standing for audio the recording has but the live side did not get: a unit dropped while the decoder was
   * behind or refused it, or waiting when the decoder failed or was stopped.
   */
  leftOut: boolean;
  arrivalMs: number;
}

export interface LiveDeferredOptions {
  codec: DeferredCodec;
  sampleRate: number;
  decoders: LiveDecoders;
  /** Each stretch, in timeline order: on capture's path (silence with nothing ahead) or on the decoder's output. */
  emit: (stretch: LiveStretch) => void;
  /** Live decoding of the stream ended on its own (the decoder failed or fell too far behind). */
  failed: () => void;
  /** Decoded audio waiting before new units are dropped (default 1500 ms). */
  maxLagMs?: number;
  /** Audio waiting before the decoder is taken for stuck and stopped (default 5000 ms). */
  stuckMs?: number;
}

interface Entry {
  position: number;
  count: number;
  trim: number;
  /** The unit's runs of samples: decoded (> 0) or silence (< 0). */
  runs: number[];
  decoded: number;
  arrivalMs: number;
  /** Dropped before the decoder had it. */
  leftOut: boolean;
}

export class LiveDeferredStream {
  private readonly input: DeferredInput;
  private decoder!: LiveDecoderProcess;
  private readonly queue: Entry[] = [];
  private pcm: Buffer = Buffer.alloc(0);
  /** Decoded samples queued and not yet received, and every sample queued. */
  private waiting = 0;
  private queued = 0;
  private readonly maxLag: number;
  private readonly stuck: number;
  private over = false;
  /** Units given back as silence because the decoder was behind or refused them. */
  dropped = 0;

  private constructor(private readonly o: LiveDeferredOptions) {
    this.input = new DeferredInput(o.codec);
    this.maxLag = Math.round(((o.maxLagMs ?? 1500) * o.sampleRate) / 1000);
    this.stuck = Math.round(((o.stuckMs ?? 5000) * o.sampleRate) / 1000);
  }

  /** The stream with its decoder started, or undefined when none may start now. */
  static open(options: LiveDeferredOptions): LiveDeferredStream | undefined {
    const stream = new LiveDeferredStream(options);
    const decoder = options.decoders.open(options.codec, {
      pcm: (chunk) => stream.received(chunk),
      failed: () => stream.fail(),
    });
    if (!decoder) return undefined;
    stream.decoder = decoder;
    return stream;
  }

  /** A spooled unit the jitter buffer played at `position`: `count` samples from `trim` of what it decodes to. */
  unit(position: number, count: number, trim: number, unit: Buffer, arrivalMs: number): void {
    if (this.over) return;
    let runs: number[];
    let written = false;
    if (this.waiting <= this.maxLag) {
      const { bytes, pieces } = this.input.add(unit);
      runs = pieces.map((p) => (p.data ? p.samples : -p.samples));
      written = bytes.length === 0 || this.decoder.write(bytes);
    } else {
      runs = deferredPieces(this.o.codec, unit).map((p) => -p.samples);
    }
    if (!written) {
      this.dropped++;
      runs = runs.map((r) => -Math.abs(r));
    }
    const decoded = runs.reduce((n, r) => n + Math.max(r, 0), 0);
    this.push({ position, count, trim, runs, decoded, arrivalMs, leftOut: !written });
  }

  /** Silence the jitter buffer played (loss, a gap): given back in its turn. */
  silence(position: number, count: number, arrivalMs: number): void {
    if (this.over) return;
    this.push({ position, count, trim: 0, runs: [-count], decoded: 0, arrivalMs, leftOut: false });
  }

  /**
   * Stops the decoder (nothing wants the stream now, or it ended); what waits goes back as silence left out, so that
   * a live transcript of the call is known to lack it (the recording has it).
   */
  stop(): void {
    if (this.over) return;
    this.over = true;
    this.decoder.stop();
    for (const entry of this.queue.splice(0)) this.give(entry, null, 0);
  }

  private push(entry: Entry): void {
    this.queue.push(entry);
    this.waiting += entry.decoded;
    this.queued += entry.count;
    if (this.queued > this.stuck && this.waiting > 0) {
      const behind = Math.round(this.queued / this.o.sampleRate);
      this.decoder.stop(new Error(`the live ${this.o.codec} decoder fell ${behind} s behind`));
      this.fail();
      return;
    }
    this.drain();
  }

  private received(chunk: Buffer): void {
    if (this.over) return;
    this.pcm = this.pcm.length === 0 ? chunk : Buffer.concat([this.pcm, chunk]);
    this.drain();
  }

  /** Gives back every stretch at the head of the queue whose decoded samples are in. */
  private drain(): void {
    let used = 0;
    while (this.queue.length > 0) {
      const entry = this.queue[0]!;
      if (used + entry.decoded * 2 > this.pcm.length) break;
      this.queue.shift();
      this.waiting -= entry.decoded;
      this.queued -= entry.count;
      this.give(entry, this.pcm, used);
      used += entry.decoded * 2;
    }
    // Output past what was asked for cannot be placed: ffmpeg's output only ever follows the queued units.
    this.pcm = this.queue.length === 0 ? Buffer.alloc(0) : this.pcm.subarray(used);
  }

  private give(entry: Entry, pcm: Buffer | null, from: number): void {
    const total = entry.runs.reduce((n, r) => n + Math.abs(r), 0);
    const samples = new Int16Array(Math.max(total, entry.trim + entry.count));
    let at = 0;
    let read = from;
    for (const run of entry.runs) {
      if (run > 0 && pcm) {
        for (let i = 0; i < run; i++) samples[at + i] = pcm.readInt16LE(read + i * 2);
        read += run * 2;
      }
      at += Math.abs(run);
    }
    this.o.emit({
      position: entry.position,
      samples: samples.subarray(entry.trim, entry.trim + entry.count),
      voiced: entry.decoded > 0 && pcm !== null,
      leftOut: entry.leftOut || (entry.decoded > 0 && pcm === null),
      arrivalMs: entry.arrivalMs,
    });
  }

  /** The decoder failed or is stuck: what waits goes back as silence, and the recorder is told. */
  private fail(): void {
    if (this.over) return;
    this.over = true;
    for (const entry of this.queue.splice(0)) this.give(entry, null, 0);
    this.o.failed();
  }
}

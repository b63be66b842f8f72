/**
 * What the recording-tone and key-press detectors share: the Goertzel algorithm (the power of one frequency over a
 * frame) and a framer that cuts a stream of PCM chunks of any size into frames of a fixed length, overlapping when
 * the hop is shorter than the frame.
 */

/** The Goertzel coefficient of `freq` at `sampleRate` (2·cos ω). */
export function goertzelCoefficient(freq: number, sampleRate: number): number {
  return 2 * Math.cos((2 * Math.PI * freq) / sampleRate);
}

/** Goertzel power of x[from, from+n) at the frequency of `coeff`; for a pure tone at it, about n²/4 · amplitude². */
export function goertzelPower(x: Float32Array, from: number, n: number, coeff: number): number {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s = x[from + i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

export function energyOf(x: Float32Array, from: number, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) e += x[from + i]! * x[from + i]!;
  return e;
}

/** Share of a frame's energy at one frequency: ~1 for a pure tone at it, ~0.5 for each of two equal tones. */
export function shareOf(power: number, energy: number, n: number): number {
  return energy > 0 ? Math.min(1, (2 * power) / (n * energy)) : 0;
}

/**
 * Cuts streamed PCM into frames of `size` samples every `hop` samples (hop ≤ size). Frames lying whole inside a
 * chunk are handed over in place (the chunk and an offset); the others are assembled in a buffer of their own.
 */
export class Framer {
  private readonly buffer: Float32Array;
  private filled = 0;

  constructor(
    readonly size: number,
    readonly hop: number = size,
  ) {
    this.buffer = new Float32Array(size);
  }

  /** Samples held over for the next frame. */
  get pending(): number {
    return this.filled;
  }

  push(pcm: Float32Array, frame: (x: Float32Array, from: number) => void): void {
    const { size, hop } = this;
    let at = 0;
    // finish the frame carried over from earlier chunks
    while (this.filled > 0 && at < pcm.length) {
      const take = Math.min(size - this.filled, pcm.length - at);
      this.buffer.set(pcm.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled < size) return;
      frame(this.buffer, 0);
      // keep the overlap; its tail may again be completed from this chunk
      this.buffer.copyWithin(0, hop);
      this.filled = size - hop;
      if (this.filled > 0 && at - this.filled >= 0) {
        // the overlap is the chunk's own samples: go on in place from there
        at -= this.filled;
        this.filled = 0;
      }
    }
    for (; at + size <= pcm.length; at += hop) frame(pcm, at);
    if (at < pcm.length) {
      this.buffer.set(pcm.subarray(at), 0);
      this.filled = pcm.length - at;
    }
  }
}

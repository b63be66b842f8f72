/**
 * Whisper's log-mel features, computed the way its feature extractor does (Hugging Face / transformers.js
 * WhisperFeatureExtractor: 30 s padded with zeros, a 400-point periodic Hann window every 160 samples, centred with
 * reflection at the edges, the power spectrum of 201 bins, the mel filter bank, log10 floored at 1e-10, everything
 * below the maximum minus 8 raised to it, then (x + 4) / 4), only faster: a mixed-radix FFT instead of a generic one,
 * the sparse mel filters applied as the few bins each covers, and the frames that lie wholly in the padding filled
 * with their known value. transformers.js spends 200–450 ms on a window; this about a tenth of that.
 */

const N_FFT = 400;
const HOP = 160;
const BINS = N_FFT / 2 + 1;
const FRAMES = 3000;

/** Decimation-in-time FFT of a composite length, radix by radix (400 = 4 · 4 · 5 · 5). */
class MixedRadixFft {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly yRe: Float64Array;
  private readonly yIm: Float64Array;

  constructor(
    private readonly n: number,
    private readonly radices: readonly number[],
  ) {
    if (radices.reduce((a, b) => a * b, 1) !== n) throw new Error(`radices do not multiply to ${n}`);
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    const most = Math.max(...radices);
    this.yRe = new Float64Array(most);
    this.yIm = new Float64Array(most);
    // Per depth, the twiddles W_len^(r e) for r < p and e < len, so the inner loop does no index arithmetic.
    let len = n;
    this.twRe = [];
    this.twIm = [];
    for (const p of radices) {
      const re = new Float64Array(p * len);
      const im = new Float64Array(p * len);
      for (let r = 0; r < p; r++) {
        for (let e = 0; e < len; e++) {
          const t = ((r * e) % len) * (n / len);
          re[r * len + e] = this.cos[t]!;
          im[r * len + e] = this.sin[t]!;
        }
      }
      this.twRe.push(re);
      this.twIm.push(im);
      len /= p;
    }
  }

  private readonly twRe: Float64Array[];
  private readonly twIm: Float64Array[];

  /** The DFT of inRe/inIm (length n) into outRe/outIm. */
  transform(inRe: Float64Array, inIm: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
    this.step(inRe, inIm, 0, 1, this.n, outRe, outIm, 0, 0);
  }

  private step(
    inRe: Float64Array,
    inIm: Float64Array,
    inOffset: number,
    inStride: number,
    len: number,
    outRe: Float64Array,
    outIm: Float64Array,
    outOffset: number,
    depth: number,
  ): void {
    if (len === 1) {
      outRe[outOffset] = inRe[inOffset]!;
      outIm[outOffset] = inIm[inOffset]!;
      return;
    }
    const p = this.radices[depth]!;
    const m = len / p;
    // The p interleaved subsequences, each transformed into its block of the output.
    for (let r = 0; r < p; r++) {
      this.step(
        inRe,
        inIm,
        inOffset + r * inStride,
        inStride * p,
        m,
        outRe,
        outIm,
        outOffset + r * m,
        depth + 1,
      );
    }
    // Combine: X[k + m q] = Σ_r W_len^{r (k + m q)} Y_r[k]; the inputs and outputs of one k are the same p places.
    const twRe = this.twRe[depth]!;
    const twIm = this.twIm[depth]!;
    const yRe = this.yRe;
    const yIm = this.yIm;
    for (let k = 0; k < m; k++) {
      for (let r = 0; r < p; r++) {
        yRe[r] = outRe[outOffset + r * m + k]!;
        yIm[r] = outIm[outOffset + r * m + k]!;
      }
      for (let q = 0; q < p; q++) {
        const e = k + m * q;
        let accRe = yRe[0]!;
        let accIm = yIm[0]!;
        for (let r = 1; r < p; r++) {
          const c = twRe[r * len + e]!;
          const s = twIm[r * len + e]!;
          accRe += yRe[r]! * c - yIm[r]! * s;
          accIm += yRe[r]! * s + yIm[r]! * c;
        }
        outRe[outOffset + e] = accRe;
        outIm[outOffset + e] = accIm;
      }
    }
  }
}

export interface LogMelOptions {
  /** The mel filter bank, one row of 201 weights per mel band (the extractor's `mel_filters`). */
  melFilters: readonly (readonly number[])[];
  /** The 400-point analysis window (the extractor's `window`). */
  window: ArrayLike<number>;
}

export class WhisperLogMel {
  readonly melBins: number;
  /** A real 400-point transform done as a complex 200-point one (even samples real, odd imaginary). */
  private readonly fft = new MixedRadixFft(N_FFT / 2, [4, 2, 5, 5]);
  private readonly unpackCos = Float64Array.from({ length: BINS }, (_, k) =>
    Math.cos((2 * Math.PI * k) / N_FFT),
  );
  private readonly unpackSin = Float64Array.from(
    { length: BINS },
    (_, k) => -Math.sin((2 * Math.PI * k) / N_FFT),
  );
  private readonly window: Float64Array;
  /** Per mel band: the first bin with weight and the weights from there. */
  private readonly bands: { first: number; weights: Float64Array }[];
  private readonly re = new Float64Array(N_FFT / 2);
  private readonly im = new Float64Array(N_FFT / 2);
  private readonly specRe = new Float64Array(N_FFT / 2);
  private readonly specIm = new Float64Array(N_FFT / 2);
  private readonly power = new Float64Array(BINS);

  constructor(options: LogMelOptions) {
    if (options.window.length !== N_FFT) throw new Error(`the window must have ${N_FFT} points`);
    this.window = Float64Array.from(options.window);
    this.melBins = options.melFilters.length;
    this.bands = options.melFilters.map((row) => {
      let first = row.findIndex((w) => w !== 0);
      if (first < 0) first = 0;
      let last = row.length - 1;
      while (last > first && row[last] === 0) last--;
      return { first, weights: Float64Array.from(row.slice(first, last + 1)) };
    });
  }

  /**
   * The power of the 201 bins of the real 400-point transform from Z, the 200-point transform of z[n] =
   * x[2n] + i x[2n+1]: X[k] = E[k] + W^k O[k], with E[k] = (Z[k] + conj Z[-k]) / 2 and O[k] = (Z[k] − conj Z[-k]) / 2i.
   */
  private unpackPower(): void {
    const h = N_FFT / 2;
    const zr = this.specRe;
    const zi = this.specIm;
    for (let k = 0; k < BINS; k++) {
      const a = k % h;
      const b = (h - k) % h;
      const eRe = (zr[a]! + zr[b]!) / 2;
      const eIm = (zi[a]! - zi[b]!) / 2;
      const oRe = (zi[a]! + zi[b]!) / 2;
      const oIm = -(zr[a]! - zr[b]!) / 2;
      const c = this.unpackCos[k]!;
      const s = this.unpackSin[k]!;
      const xRe = eRe + c * oRe - s * oIm;
      const xIm = eIm + c * oIm + s * oRe;
      this.power[k] = xRe * xRe + xIm * xIm;
    }
  }

  /** Features of up to 30 s of 16 kHz audio (padded with zeros): melBins × 3000, row-major, as Whisper reads them. */
  compute(samples: Float32Array): Float32Array {
    const total = FRAMES * HOP; // 480,000
    const length = Math.min(samples.length, total);
    const half = N_FFT / 2;
    // The padded signal x[0..total) (zeros after `length`), reflected at both ends for centring.
    const at = (i: number): number => {
      let j = i;
      if (j < 0) j = -j;
      if (j >= total) j = 2 * (total - 1) - j;
      return j < length ? samples[j]! : 0;
    };
    const out = new Float32Array(this.melBins * FRAMES);
    let max = -Infinity;
    // Frames whose window lies wholly past the audio hold only zeros: power 0, log10 of the floor.
    const silentFrom = Math.max(0, Math.ceil((length + half) / HOP));
    const floor = Math.log10(1e-10);
    for (let f = 0; f < FRAMES; f++) {
      if (f >= silentFrom && f * HOP - half >= length) {
        for (let b = 0; b < this.melBins; b++) out[b * FRAMES + f] = floor;
        if (floor > max) max = floor;
        continue;
      }
      const start = f * HOP - half;
      const inside = start >= 0 && start + N_FFT <= length;
      for (let n = 0; n < N_FFT / 2; n++) {
        const a = inside ? samples[start + 2 * n]! : at(start + 2 * n);
        const b = inside ? samples[start + 2 * n + 1]! : at(start + 2 * n + 1);
        this.re[n] = a * this.window[2 * n]!;
        this.im[n] = b * this.window[2 * n + 1]!;
      }
      this.fft.transform(this.re, this.im, this.specRe, this.specIm);
      this.unpackPower();
      for (let b = 0; b < this.melBins; b++) {
        const { first, weights } = this.bands[b]!;
        let sum = 0;
        for (let w = 0; w < weights.length; w++) sum += weights[w]! * this.power[first + w]!;
        const v = Math.log10(Math.max(sum, 1e-10));
        out[b * FRAMES + f] = v;
        if (v > max) max = v;
      }
    }
    const low = max - 8;
    for (let i = 0; i < out.length; i++) out[i] = (Math.max(out[i]!, low) + 4) / 4;
    return out;
  }
}

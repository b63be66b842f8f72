import { DTMF_HIGH_GROUP, DTMF_LOW_GROUP } from '../tones/dtmf.ts';
import { energyOf, Framer, goertzelCoefficient, goertzelPower, shareOf } from '../tones/goertzel.ts';

/**
 * In-band DTMF detection over mono Float32 PCM, for recordings made elsewhere (TDM gateways, older recorders) where
 * the key presses are tones in the audio rather than RFC 4733 events. Escucha only needs where they are, to mute them
 * in the redacted copy (PCI DSS: card numbers typed on the keypad must not be heard): the spans carry times only,
 * never the key.
 *
 * Windows of 25.6 ms, every 12.8 ms, are tested with the Goertzel algorithm at the eight DTMF frequencies. A window
 * holds a key when one row and one column frequency carry most of its energy, each clearly above the other
 * frequencies of its group, with a twist (row/column level) within about ±8 dB. The same key in two or more
 * consecutive windows (≥ 38 ms; ITU-T Q.24 asks receivers to accept 40 ms) is one key press.
 */

export interface KeyPressOptions {
  sampleRate?: number;
  /** RMS below this is silence (default 0.003, about −50 dBFS). */
  minRms?: number;
  /** Share of a window's energy at its row and column frequencies together (default 0.6). */
  minToneShare?: number;
}

export interface KeyPressSpan {
  startMs: number;
  endMs: number;
}

/** Streaming detection: `push` chunks of PCM in order, then `finish`. */
export class KeyPressTracker {
  private readonly sampleRate: number;
  private readonly minRms: number;
  private readonly minShare: number;
  private readonly n: number;
  private readonly hop: number;
  private readonly framer: Framer;
  /** Goertzel coefficients of the four rows, then the four columns. */
  private readonly coeffs: Float64Array;
  /** Each frequency's share of the window being tested. */
  private readonly shares = new Float64Array(8);
  private readonly onWindow = (x: Float32Array, from: number): void => this.test(this.keyIn(x, from));
  private windows = 0;
  private runKey = -1;
  private runFirst = 0;
  private runLast = 0;
  private runCount = 0;
  private readonly spans: KeyPressSpan[] = [];

  constructor(options: KeyPressOptions = {}) {
    this.sampleRate = options.sampleRate ?? 16_000;
    this.minRms = options.minRms ?? 0.003;
    this.minShare = options.minToneShare ?? 0.6;
    this.n = Math.round(this.sampleRate * 0.0256);
    this.hop = this.n >> 1;
    this.framer = new Framer(this.n, this.hop);
    this.coeffs = Float64Array.from([...DTMF_LOW_GROUP, ...DTMF_HIGH_GROUP], (f) =>
      goertzelCoefficient(f, this.sampleRate),
    );
  }

  push(pcm: Float32Array): void {
    this.framer.push(pcm, this.onWindow);
  }

  finish(): KeyPressSpan[] {
    this.test(-1);
    return [...this.spans];
  }

  /** The key (row * 4 + column) the window x[from, from+n) holds, or -1. */
  private keyIn(x: Float32Array, from: number): number {
    const n = this.n;
    const energy = energyOf(x, from, n);
    if (Math.sqrt(energy / n) < this.minRms) return -1;
    const shares = this.shares;
    for (let k = 0; k < 8; k++) shares[k] = shareOf(goertzelPower(x, from, n, this.coeffs[k]!), energy, n);
    const row = strongest(shares, 0);
    const rowShare = shares[row]!;
    if (rowShare < 0.1) return -1;
    const col = strongest(shares, 4);
    const colShare = shares[col]!;
    const twistOk = rowShare <= colShare * 6.3 && colShare <= rowShare * 6.3;
    const distinct = secondOf(shares, 0, row) * 4 <= rowShare && secondOf(shares, 4, col) * 4 <= colShare;
    if (rowShare + colShare < this.minShare || !twistOk || !distinct) return -1;
    return row * 4 + (col - 4);
  }

  private test(key: number): void {
    const w = this.windows++;
    if (key >= 0 && key === this.runKey && w === this.runLast + 1) {
      this.runLast = w;
      this.runCount++;
      return;
    }
    if (this.runKey >= 0 && this.runCount >= 2) {
      const ms = (sample: number) => Math.round((sample * 1000) / this.sampleRate);
      this.spans.push({ startMs: ms(this.runFirst * this.hop), endMs: ms(this.runLast * this.hop + this.n) });
    }
    this.runKey = key;
    this.runFirst = w;
    this.runLast = w;
    this.runCount = key >= 0 ? 1 : 0;
  }
}

export function detectKeyPresses(pcm: Float32Array, options: KeyPressOptions = {}): KeyPressSpan[] {
  const tracker = new KeyPressTracker(options);
  tracker.push(pcm);
  return tracker.finish();
}

/** Index of the largest of shares[from, from+4). */
function strongest(shares: Float64Array, from: number): number {
  let best = from;
  for (let k = from + 1; k < from + 4; k++) if (shares[k]! > shares[best]!) best = k;
  return best;
}

/** The largest of shares[from, from+4) other than shares[skip]. */
function secondOf(shares: Float64Array, from: number, skip: number): number {
  let second = 0;
  for (let k = from; k < from + 4; k++) if (k !== skip && shares[k]! > second) second = shares[k]!;
  return second;
}

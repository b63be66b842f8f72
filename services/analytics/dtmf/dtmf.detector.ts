import { toneRatio } from '../beep/beep.detector.ts';

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

const ROWS = [697, 770, 852, 941] as const;
const COLS = [1209, 1336, 1477, 1633] as const;

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
  private readonly window: Float32Array;
  private filled = 0;
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
    this.window = new Float32Array(this.n);
  }

  push(pcm: Float32Array): void {
    let at = 0;
    while (at < pcm.length) {
      const take = Math.min(this.n - this.filled, pcm.length - at);
      this.window.set(pcm.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.n) {
        this.test(this.keyIn(this.window));
        this.window.copyWithin(0, this.hop);
        this.filled = this.n - this.hop;
      }
    }
  }

  finish(): KeyPressSpan[] {
    this.test(-1);
    return [...this.spans];
  }

  /** The key (row * 4 + column) the window holds, or -1. */
  private keyIn(x: Float32Array): number {
    const n = this.n;
    let energy = 0;
    for (let i = 0; i < n; i++) energy += x[i]! * x[i]!;
    if (Math.sqrt(energy / n) < this.minRms) return -1;
    const best = (freqs: readonly number[]): { index: number; ratio: number; second: number } => {
      let index = -1;
      let ratio = 0;
      let second = 0;
      for (let k = 0; k < freqs.length; k++) {
        const r = toneRatio(x, 0, n, freqs[k]!, this.sampleRate).ratio;
        if (r > ratio) {
          second = ratio;
          ratio = r;
          index = k;
        } else if (r > second) second = r;
      }
      return { index, ratio, second };
    };
    const row = best(ROWS);
    if (row.ratio < 0.1) return -1;
    const col = best(COLS);
    const twistOk = row.ratio <= col.ratio * 6.3 && col.ratio <= row.ratio * 6.3;
    const distinct = row.second * 4 <= row.ratio && col.second * 4 <= col.ratio;
    if (row.ratio + col.ratio < this.minShare || !twistOk || !distinct) return -1;
    return row.index * 4 + col.index;
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

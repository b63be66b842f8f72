/**
 * Call-quality estimates from RTP statistics: a simplified ITU-T G.107 E-model giving R and MOS from loss,
 * jitter and delay, and a one-way-audio check. These are estimates for dashboards and review queues, not
 * a replacement for listening tests.
 */

/** Equipment impairment Ie and packet-loss robustness Bpl per codec (ITU-T G.113 Appendix I, with PLC). */
const CODEC_IMPAIRMENT: Record<string, { ie: number; bpl: number }> = {
  pcmu: { ie: 0, bpl: 25.1 },
  pcma: { ie: 0, bpl: 25.1 },
  // Wideband and Opus have no narrowband G.113 entry; they are rated like G.711, which under-rates them.
  g722: { ie: 0, bpl: 25.1 },
  opus: { ie: 0, bpl: 25.1 },
  l16: { ie: 0, bpl: 25.1 },
  g729: { ie: 11, bpl: 19 },
  gsm: { ie: 20, bpl: 10 },
};

export interface QualityInput {
  /** Packets lost as a percentage of packets expected (0–100). */
  lossPercent: number;
  /** Interarrival jitter (RFC 3550) in milliseconds. */
  jitterMs: number;
  /** One-way network delay when known (a passive capture usually cannot see it; default 0). */
  oneWayDelayMs?: number;
  /** Codec name (PCMU, PCMA, G729, ...); unknown codecs are rated like G.711. */
  codec?: string;
}

export interface QualityEstimate {
  rFactor: number;
  mos: number;
}

/**
 * Simplified E-model (ITU-T G.107), all other impairments at their defaults:
 *
 *   d      = oneWayDelay + 2·jitter + 10 ms            (a jitter buffer of twice the jitter, plus packetisation)
 *   Id     = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)    (Cole & Rosenbluth's fit of the delay impairment)
 *   Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl + Bpl)         (G.107 §7.4 with random loss, BurstR = 1)
 *   R      = 93.2 − Id − Ie,eff
 *   MOS    = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R)  for 0 < R < 100; 1 below, 4.5 above
 *            (never below 1: the polynomial dips to 0.98 for R under 6.5, where worse calls would score better)
 *
 * With no loss and no jitter G.711 scores R ≈ 93, MOS ≈ 4.4.
 */
export function estimateQuality(input: QualityInput): QualityEstimate {
  const loss = clamp(finite(input.lossPercent), 0, 100);
  const jitter = Math.max(0, finite(input.jitterMs));
  const d = Math.max(0, finite(input.oneWayDelayMs ?? 0)) + 2 * jitter + 10;
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const { ie, bpl } = CODEC_IMPAIRMENT[(input.codec ?? 'pcmu').toLowerCase()] ?? { ie: 0, bpl: 25.1 };
  const ieEff = ie + ((95 - ie) * loss) / (loss + bpl);
  const r = clamp(93.2 - id - ieEff, 0, 100);
  return { rFactor: round(r, 1), mos: round(mosFromR(r), 2) };
}

export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return Math.max(1, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r));
}

function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export interface SideActivity {
  /** RTP packets received from this side. */
  packets: number;
  /** Level of the decoded audio, when known (see `rmsDbfs`). */
  levelDbfs?: number;
}

export interface OneWayAudio {
  oneWay: boolean;
  /** The side that is missing or silent. */
  silentSide: 'a' | 'b' | undefined;
  reason: 'no-packets' | 'silent-audio' | 'no-audio-either-side' | undefined;
}

export interface OneWayOptions {
  /** Fewer packets than this is "no audio" (default 50: one second at 20 ms). */
  minPackets?: number;
  /** A side sending under this share of the other's packets counts as missing (default 0.05). */
  minShare?: number;
  /** Audio quieter than this is silence (default -55 dBFS). */
  silenceDbfs?: number;
}

/** Flags calls where only one party can be heard: one side sent (almost) no RTP, or only silence. */
export function detectOneWayAudio(
  a: SideActivity,
  b: SideActivity,
  options: OneWayOptions = {},
): OneWayAudio {
  const minPackets = options.minPackets ?? 50;
  const minShare = options.minShare ?? 0.05;
  const silence = options.silenceDbfs ?? -55;
  const aMissing = a.packets < Math.max(minPackets, b.packets * minShare);
  const bMissing = b.packets < Math.max(minPackets, a.packets * minShare);
  if (aMissing && bMissing) return { oneWay: false, silentSide: undefined, reason: 'no-audio-either-side' };
  if (aMissing) return { oneWay: true, silentSide: 'a', reason: 'no-packets' };
  if (bMissing) return { oneWay: true, silentSide: 'b', reason: 'no-packets' };
  const aSilent = a.levelDbfs !== undefined && a.levelDbfs < silence;
  const bSilent = b.levelDbfs !== undefined && b.levelDbfs < silence;
  if (aSilent && bSilent) return { oneWay: false, silentSide: undefined, reason: 'no-audio-either-side' };
  if (aSilent) return { oneWay: true, silentSide: 'a', reason: 'silent-audio' };
  if (bSilent) return { oneWay: true, silentSide: 'b', reason: 'silent-audio' };
  return { oneWay: false, silentSide: undefined, reason: undefined };
}

/** RMS level of 16-bit PCM in dBFS (-Infinity for digital silence or no samples). */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}

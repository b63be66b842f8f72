/**
 * G.711 µ-law (PCMU) and A-law (PCMA) per ITU-T G.711: 8-bit codes ↔ 16-bit linear PCM. Decoding is a table
 * lookup; encoding follows the segment/quantisation rules of the Recommendation, for synthetic calls and tests.
 * µ-law codes decode to ±32124 at most, A-law to ±32256 (the G.711 decision values scaled to 16 bits).
 */

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const magnitude = (((u & 0x0f) << 3) + ULAW_BIAS) << exponent;
  return u & 0x80 ? ULAW_BIAS - magnitude : magnitude - ULAW_BIAS;
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  let magnitude = (a & 0x0f) << 4;
  magnitude += exponent === 0 ? 8 : 0x108;
  if (exponent > 1) magnitude <<= exponent - 1;
  return a & 0x80 ? magnitude : -magnitude;
}

function buildTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decode(code);
  return table;
}

/** Linear value of every µ-law code. */
export const ULAW_TO_LINEAR: Int16Array = buildTable(ulawToLinear);
/** Linear value of every A-law code. */
export const ALAW_TO_LINEAR: Int16Array = buildTable(alawToLinear);

/** Code of digital silence (the code that decodes to 0 / the smallest positive step). */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;

export function linearToUlaw(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.trunc(sample)));
  const sign = pcm < 0 ? 0x80 : 0;
  if (pcm < 0) pcm = -pcm;
  pcm = Math.min(pcm, ULAW_CLIP) + ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function linearToAlaw(sample: number): number {
  let pcm = Math.max(-32768, Math.min(32767, Math.trunc(sample)));
  const sign = pcm >= 0 ? 0x80 : 0;
  if (pcm < 0) pcm = -pcm - 1;
  if (pcm > 32767) pcm = 32767;
  let code: number;
  if (pcm < 256) {
    code = pcm >> 4;
  } else {
    let exponent = 7;
    for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 1; mask >>= 1) exponent--;
    code = (exponent << 4) | ((pcm >> (exponent + 3)) & 0x0f);
  }
  return (code | sign) ^ 0x55;
}

export type G711Law = 'PCMU' | 'PCMA';

export function decodeG711(payload: Uint8Array, law: G711Law): Int16Array {
  const out = new Int16Array(payload.length);
  decodeG711Into(payload, 0, payload.length, law, out, 0);
  return out;
}

/** Decodes `codes[start, end)` into `out` from `at` (no allocation: the spool reader's path). */
export function decodeG711Into(
  codes: Uint8Array,
  start: number,
  end: number,
  law: G711Law,
  out: Int16Array,
  at: number,
): void {
  const table = law === 'PCMU' ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
  for (let i = start, o = at; i < end; i++, o++) out[o] = table[codes[i]!]!;
}

export function encodeG711(samples: ArrayLike<number>, law: G711Law): Buffer {
  const encode = law === 'PCMU' ? linearToUlaw : linearToAlaw;
  const out = Buffer.alloc(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = encode(samples[i] ?? 0);
  return out;
}

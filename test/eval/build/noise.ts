import type { Party, SegmentParty } from '../../../models/database.ts';
/**
 * Deterministic ASR-like noise for the evaluation builders: lower case, no punctuation, accents lost, fillers,
 * split and merged words, phonetic misspellings and repeated words. A seeded generator makes every run identical.
 */

export type Lang = 'es' | 'en';

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

export function shuffle<T>(r: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const FILLERS: Record<Lang, string[]> = {
  es: ['eh', 'este', 'mmm', 'em', 'o sea', 'pues', 'ehh', 'digamos'],
  en: ['uh', 'um', 'erm', 'like', 'you know', 'uhh', 'hmm', 'so'],
};

const ACCENTS: Record<string, string> = { á: 'a', é: 'e', í: 'i', ó: 'o', ú: 'u', ü: 'u' };

/** Phonetic substitutions an ASR makes (applied to one place in a word). */
const CONFUSIONS: Record<Lang, [RegExp, string][]> = {
  es: [
    [/v/, 'b'],
    [/b/, 'v'],
    [/ll/, 'y'],
    [/y/, 'll'],
    [/ce/, 'se'],
    [/ci/, 'si'],
    [/z/, 's'],
    [/^h/, ''],
    [/qu/, 'k'],
    [/rr/, 'r'],
    [/s$/, ''],
  ],
  en: [
    [/ph/, 'f'],
    [/ck/, 'k'],
    [/ll/, 'l'],
    [/tt/, 't'],
    [/ea/, 'ee'],
    [/er$/, 'a'],
    [/ing$/, 'in'],
    [/s$/, ''],
    [/c/, 'k'],
  ],
};

export interface NoiseLevel {
  accentLoss: number;
  filler: number;
  split: number;
  merge: number;
  misspell: number;
  repeat: number;
}

export const NOISE: Record<'low' | 'medium' | 'high', NoiseLevel> = {
  low: { accentLoss: 0.3, filler: 0.03, split: 0.0, merge: 0.0, misspell: 0.02, repeat: 0.01 },
  medium: { accentLoss: 0.7, filler: 0.06, split: 0.03, merge: 0.03, misspell: 0.05, repeat: 0.02 },
  high: { accentLoss: 1, filler: 0.1, split: 0.06, merge: 0.05, misspell: 0.09, repeat: 0.03 },
};

/** Lower case and strip punctuation the way ASR output looks (keeps digits, letters, @ and spaces). */
export function asrText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[¿?¡!.,;:"()«»]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function misspell(r: () => number, lang: Lang, word: string): string {
  const options = CONFUSIONS[lang].filter(([re]) => re.test(word));
  if (options.length > 0 && r() < 0.7) {
    const [re, to] = pick(r, options);
    return word.replace(re, to);
  }
  // drop or double one inner letter
  const i = 1 + Math.floor(r() * (word.length - 2));
  return r() < 0.5 ? word.slice(0, i) + word.slice(i + 1) : word.slice(0, i) + word[i] + word.slice(i);
}

/**
 * Applies noise to a sentence. Words in `protect` (exact tokens after lower-casing) are left alone, so labelled
 * values survive.
 */
export function noisy(
  r: () => number,
  lang: Lang,
  text: string,
  level: NoiseLevel,
  protect: Set<string> = new Set(),
): string {
  const words = asrText(text).split(' ').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    let w = words[i]!;
    const keep = protect.has(w) || /\d/.test(w);
    if (!keep) {
      if (r() < level.accentLoss) w = w.replace(/[áéíóúü]/g, (c) => ACCENTS[c] ?? c);
      if (w.length >= 5 && r() < level.misspell) w = misspell(r, lang, w);
    }
    if (r() < level.filler) out.push(pick(r, FILLERS[lang]));
    if (!keep && w.length >= 6 && r() < level.split) {
      const cut = 2 + Math.floor(r() * (w.length - 4));
      out.push(w.slice(0, cut), w.slice(cut));
      continue;
    }
    const next = words[i + 1];
    if (!keep && next && !protect.has(next) && !/\d/.test(next) && w.length <= 6 && r() < level.merge) {
      out.push(w + next);
      i++;
      continue;
    }
    out.push(w);
    if (w.length >= 2 && r() < level.repeat) out.push(w);
  }
  return out.join(' ');
}

export interface TimedSegment {
  party: SegmentParty;
  channel: number | null;
  startMs: number;
  endMs: number;
  text: string;
}

/** Lays out turns on a timeline at about `wps` words per second with short gaps between turns. */
export function timeline(
  r: () => number,
  turns: { party: Party; text: string }[],
  startMs = 400,
  wps = 2.6,
): TimedSegment[] {
  let t = startMs;
  return turns.map((turn) => {
    const words = turn.text.split(' ').filter(Boolean).length;
    const dur = Math.max(600, Math.round((words / wps) * 1000));
    const seg: TimedSegment = {
      party: turn.party,
      channel: turn.party === 'agent' ? 0 : 1,
      startMs: t,
      endMs: t + dur,
      text: turn.text,
    };
    t += dur + 200 + Math.round(r() * 700);
    return seg;
  });
}

/** Summed agent speech before index i. */
export function agentSpeechBefore(segments: TimedSegment[], i: number): number {
  let ms = 0;
  for (let k = 0; k < i; k++)
    if (segments[k]!.party === 'agent') ms += segments[k]!.endMs - segments[k]!.startMs;
  return ms;
}

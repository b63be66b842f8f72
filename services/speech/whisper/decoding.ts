import { deflateSync } from 'node:zlib';
import type { WhisperVocabulary } from './vocabulary.ts';

/**
 * Whisper's decoding rules, as pure functions over one step's logits: the special tokens that are never generated,
 * the timestamp grammar (timestamps come in pairs, never go back, the first token is a timestamp no later than
 * `maxInitialTimestampIndex`, none past the audio), and the quality measures Whisper's own transcription loop uses to
 * reject a decode (average log-probability, compression ratio, repetition).
 */

export interface StepRules {
  vocab: WhisperVocabulary;
  /** Index of the last timestamp token allowed: the end of the audio in the window, in 20 ms steps. */
  lastTimestampIndex: number;
  /** Index of the latest timestamp allowed as the first token (1 s = 50, as in Whisper). */
  maxInitialTimestampIndex: number;
}

const NEG = Number.NEGATIVE_INFINITY;

/** log(Σ exp(x[i])) over [from, to), computed without overflow; -Infinity when every value is. */
export function logSumExp(x: Float32Array, from: number, to: number): number {
  let max = NEG;
  for (let i = from; i < to; i++) if (x[i]! > max) max = x[i]!;
  if (max === NEG) return NEG;
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(x[i]! - max);
  return max + Math.log(sum);
}

/**
 * Applies the rules to `logits` (one step, modified in place). `generated` holds the tokens decoded so far after
 * the prompt.
 */
export function applyDecodingRules(
  logits: Float32Array,
  generated: readonly number[],
  rules: StepRules,
): void {
  const { vocab } = rules;
  const tsBegin = vocab.timestampBegin;
  const vocabEnd = logits.length;
  // Special tokens between end of text and the timestamps (start of transcript, languages, tasks, no-speech,
  // no-timestamps) and the configured suppressions are never generated.
  for (let t = vocab.eot + 1; t < tsBegin && t < vocabEnd; t++) logits[t] = NEG;
  for (const t of vocab.suppress) if (t < vocabEnd) logits[t] = NEG;
  if (generated.length === 0) for (const t of vocab.beginSuppress) if (t < vocabEnd) logits[t] = NEG;

  // Nothing past the end of the audio in this window.
  for (let t = tsBegin + rules.lastTimestampIndex + 1; t < vocabEnd; t++) logits[t] = NEG;

  const n = generated.length;
  const lastWasTimestamp = n >= 1 && generated[n - 1]! >= tsBegin;
  const penultimateWasTimestamp = n < 2 || generated[n - 2]! >= tsBegin;
  if (lastWasTimestamp) {
    if (penultimateWasTimestamp) {
      for (let t = tsBegin; t < vocabEnd; t++) logits[t] = NEG; // a pair just closed: text (or the end) comes next
    } else {
      for (let t = 0; t < vocab.eot; t++) logits[t] = NEG; // a segment just ended: a timestamp or the end
    }
  }
  let lastTimestamp = -1;
  for (let i = n - 1; i >= 0; i--) {
    if (generated[i]! >= tsBegin) {
      lastTimestamp = generated[i]!;
      break;
    }
  }
  if (lastTimestamp >= 0) {
    // Timestamps never decrease; after a closing timestamp the next opening one may repeat it, not go below it.
    const floor = lastWasTimestamp && !penultimateWasTimestamp ? lastTimestamp : lastTimestamp + 1;
    for (let t = tsBegin; t < floor && t < vocabEnd; t++) logits[t] = NEG;
  }
  if (n === 0) {
    for (let t = 0; t < tsBegin; t++) logits[t] = NEG;
    const lastAllowed = tsBegin + Math.min(rules.maxInitialTimestampIndex, rules.lastTimestampIndex);
    for (let t = lastAllowed + 1; t < vocabEnd; t++) logits[t] = NEG;
  }
  // When the timestamps together are more likely than any single text token, a timestamp it is.
  const total = logSumExp(logits, 0, vocabEnd);
  const timestampMass = logSumExp(logits, tsBegin, vocabEnd) - total;
  let maxText = NEG;
  for (let t = 0; t < tsBegin; t++) if (logits[t]! > maxText) maxText = logits[t]!;
  if (timestampMass > maxText - total) for (let t = 0; t < tsBegin; t++) logits[t] = NEG;
}

/** A seeded generator for temperature sampling, so that a decode can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Picks the next token from rule-filtered logits: the most likely at temperature 0, else sampled from the softmax
 * at that temperature. Returns the token and its log-probability under the filtered distribution.
 */
export function selectToken(
  logits: Float32Array,
  temperature: number,
  random: () => number,
): { token: number; logprob: number } {
  const total = logSumExp(logits, 0, logits.length);
  let token = 0;
  if (temperature <= 0) {
    let best = NEG;
    for (let i = 0; i < logits.length; i++) {
      if (logits[i]! > best) {
        best = logits[i]!;
        token = i;
      }
    }
  } else {
    let max = NEG;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    let sum = 0;
    for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i]! - max) / temperature);
    let r = random() * sum;
    token = -1;
    for (let i = 0; i < logits.length; i++) {
      const w = Math.exp((logits[i]! - max) / temperature);
      if (w === 0) continue;
      token = i;
      r -= w;
      if (r <= 0) break;
    }
  }
  return { token, logprob: logits[token]! - total };
}

/** Probability of `<|nospeech|>` at the start-of-transcript position (Whisper's no-speech probability). */
export function noSpeechProbability(sotLogits: Float32Array, vocab: WhisperVocabulary): number {
  return Math.exp(sotLogits[vocab.noSpeech]! - logSumExp(sotLogits, 0, sotLogits.length));
}

/**
 * Spoken-language probabilities at the start-of-transcript position, restricted to `languages` (as Whisper's own
 * language detection does: every other token masked, then a softmax). Unknown codes get no probability.
 */
export function languageProbabilities(
  sotLogits: Float32Array,
  vocab: WhisperVocabulary,
  languages: readonly string[],
): Record<string, number> {
  const known = languages.filter((l) => vocab.languages[l] !== undefined);
  const values = known.map((l) => sotLogits[vocab.languages[l]!]!);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return Object.fromEntries(known.map((l, i) => [l, sum > 0 ? exps[i]! / sum : 0]));
}

/** Bytes of the text over bytes of its deflated form: above ~2.4 the text repeats itself (Whisper's check). */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}

/**
 * A run of the same n text tokens (n from 1 to `maxN`; timestamps are skipped, since a looping decode moves them on
 * each round) repeated at least `times` times in a row at the end of the sequence (a single token needs twice as
 * many: "no, no, no" is speech). Returns where its first round starts and where its second round starts (what is
 * kept when the loop is cut off), as positions in `tokens`; null when there is none.
 */
export function findRepetition(
  tokens: readonly number[],
  timestampBegin: number,
  times = 3,
  maxN = 24,
): { start: number; cut: number } | null {
  const at: number[] = [];
  const text: number[] = [];
  tokens.forEach((t, i) => {
    if (t < timestampBegin) {
      text.push(t);
      at.push(i);
    }
  });
  const len = text.length;
  for (let n = 1; n <= maxN; n++) {
    const needed = n === 1 ? times * 3 : n < 3 ? times + 1 : times;
    if (n * needed > len) break;
    let reps = 1;
    let i = len - n; // start of the current round
    while (i - n >= 0) {
      let same = true;
      for (let k = 0; k < n; k++) {
        if (text[i - n + k] !== text[i + k]) {
          same = false;
          break;
        }
      }
      if (!same) break;
      reps++;
      i -= n;
    }
    if (reps >= needed) return { start: at[i]!, cut: at[i + n]! };
  }
  return null;
}

export interface TimedTokenSpan {
  /** Timestamp indices (20 ms steps) from the window's start. */
  startIndex: number;
  endIndex: number;
  /** Positions in the generated sequence of this span's text tokens. */
  from: number;
  to: number;
}

/**
 * Splits a decoded sequence (after the prompt, without the end-of-text token) into timed spans the way Whisper's
 * transcription loop does, and says how much of the window it covered: all of it when the output ended cleanly
 * with a closing timestamp, else up to the last complete span (the rest is to be decoded again).
 */
export function timedSpans(
  generated: readonly number[],
  vocab: WhisperVocabulary,
  endedWithEot: boolean,
  contentEndIndex: number,
): { spans: TimedTokenSpan[]; consumedIndex: number } {
  const tsBegin = vocab.timestampBegin;
  const spans: TimedTokenSpan[] = [];
  let open: number | null = null; // timestamp index of the span being read
  let lastClose = 0;
  let from = 0;
  for (let i = 0; i < generated.length; i++) {
    const token = generated[i]!;
    if (token >= tsBegin) {
      const index = token - tsBegin;
      if (open === null) {
        open = index; // opens a span (after a closing one, this is the second of a pair)
      } else {
        if (i > from) spans.push({ startIndex: open, endIndex: index, from, to: i });
        open = null;
        lastClose = index;
      }
      from = i + 1;
    } else if (open === null) {
      // Text without an opening timestamp (the rules prevent it): it starts where the last span ended.
      open = lastClose;
      from = i;
    }
  }
  if (open !== null && from < generated.length && endedWithEot) {
    // Text closed by the end token without a timestamp: it runs to the end of the audio.
    spans.push({ startIndex: open, endIndex: contentEndIndex, from, to: generated.length });
  }
  if (endedWithEot) return { spans, consumedIndex: contentEndIndex };
  // Cut short (token limit or a loop): what follows the last complete span is to be decoded again.
  const last = spans[spans.length - 1];
  return { spans, consumedIndex: last ? last.endIndex : 0 };
}

import { createHash } from 'node:crypto';
import { groupWords, tokenStartFrames } from './alignment.ts';
import {
  applyDecodingRules,
  compressionRatio,
  languageProbabilities,
  noSpeechProbability,
  findRepetition,
  logSumExp,
  seededRandom,
  selectToken,
  timedSpans,
  type StepRules,
} from './decoding.ts';
import { implausibleText } from './hallucinations.ts';
import type { EncoderOutput, WhisperOnnx } from './onnx-model.ts';
import { TIME_PRECISION, WINDOW_SAMPLES, type WhisperVocabulary } from './vocabulary.ts';

/**
 * Decodes one Whisper window (≤ 30 s of 16 kHz audio) in the worker thread: log-mel features, the encoder (its output
 * kept for a few windows, so that language identification and transcription of the same first window pay once),
 * then greedy decoding with the key/value cache under Whisper's timestamp rules, with Whisper's fallback to higher
 * temperatures when a decode repeats itself or is improbable, and its no-speech test.
 */

export interface WindowRequest {
  /** Identifies the window's audio (a hash of its samples); the encoder output is reused when it is cached. */
  key: string;
  /** The window's audio, or null when the caller knows the worker holds its encoding. */
  samples: Float32Array | null;
  /** Seconds of audio in the window (the rest is padding). */
  contentSeconds: number;
  task: 'transcribe' | 'detect';
  /** transcribe: the language to transcribe (forced; never translated). */
  language?: string;
  /** detect: the languages to choose among. */
  languages?: readonly string[];
  /** transcribe: derive word times from the cross-attention. */
  words?: boolean;
  /** transcribe: temperatures tried in turn, the first at 0 (greedy). */
  temperatures?: readonly number[];
  /** transcribe: sequences kept by beam search at temperature 0; 1 decodes greedily. */
  beamSize?: number;
  maxNewTokens?: number;
}

export interface WindowWord {
  word: string;
  /** Seconds from the window's start. */
  start: number;
  end: number;
  probability: number;
}

export interface WindowSegment {
  start: number;
  end: number;
  text: string;
  avgLogprob: number;
  words: WindowWord[] | null;
}

export interface WindowResult {
  key: string;
  noSpeechProb: number;
  /** detect: probability of each requested language. */
  languages?: Record<string, number>;
  segments: WindowSegment[];
  /** Seconds of the window's audio the segments account for; what follows is to be decoded again. */
  consumedSeconds: number;
  avgLogprob: number;
  compressionRatio: number;
  temperature: number;
  /** The decode kept repeating itself at every temperature; the repetition was cut off. */
  looped: boolean;
  /** Taken as silence (no-speech probability high and the text improbable): no segments. */
  silence: boolean;
  /** Whisper could not read the audio at any temperature (noise, music, tones): no segments. */
  unreadable: boolean;
  encoderCached: boolean;
  timing: { featuresMs: number; encoderMs: number; decoderMs: number; steps: number };
}

export interface TokenizerLike {
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/** Log-mel features of up to 30 s of audio (padded with zeros to 30 s): melBins × 3000, row-major. */
export type FeatureExtractorLike = (samples: Float32Array) => Float32Array;

/** Whisper's thresholds (openai/whisper transcribe defaults). */
export const COMPRESSION_RATIO_THRESHOLD = 2.4;
export const LOGPROB_THRESHOLD = -1.0;
export const NO_SPEECH_THRESHOLD = 0.6;
export const DEFAULT_TEMPERATURES = [0, 0.2, 0.4, 0.6, 0.8, 1.0] as const;
/** A segment whose tokens average below this log-probability (a probability of about 0.2 each) is not kept. */
export const SEGMENT_LOGPROB_FLOOR = -1.6;
const MAX_INITIAL_TIMESTAMP_INDEX = 50; // 1 s
const ENCODER_CACHE_SIZE = 4;

export function windowKey(samples: Float32Array): string {
  return createHash('sha1')
    .update(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength))
    .digest('hex');
}

interface Decoded {
  generated: number[];
  logprobs: number[];
  /** Per alignment head, the attention row of each generated token over the content frames. */
  attention: Float32Array[][];
  endedWithEot: boolean;
  looped: boolean;
  sumLogprob: number;
}

export class WindowDecoder {
  private readonly cache = new Map<string, EncoderOutput>();
  private readonly alignmentLayers: number[];

  constructor(
    private readonly model: WhisperOnnx,
    private readonly vocab: WhisperVocabulary,
    private readonly tokenizer: TokenizerLike,
    private readonly features: FeatureExtractorLike,
    private readonly melBins: number,
  ) {
    const available = new Set(model.crossAttentionLayers);
    const heads = vocab.alignmentHeads.filter(([l]) => available.has(l));
    this.alignmentLayers = [...new Set(heads.map(([l]) => l))];
  }

  /** Whether word times can be derived from this export (alignment heads known, cross-attention returned). */
  get canTimeWords(): boolean {
    return this.alignmentLayers.length > 0;
  }

  private async encoding(request: WindowRequest, timing: WindowResult['timing']) {
    const cached = this.cache.get(request.key);
    if (cached) {
      this.cache.delete(request.key);
      this.cache.set(request.key, cached);
      return { hidden: cached, cached: true };
    }
    if (!request.samples) throw new Error(`window ${request.key} is not cached and came without audio`);
    let t = performance.now();
    const features = this.features(request.samples.subarray(0, WINDOW_SAMPLES));
    timing.featuresMs += performance.now() - t;
    t = performance.now();
    const hidden = await this.model.encode(features, this.melBins);
    timing.encoderMs += performance.now() - t;
    this.cache.set(request.key, hidden);
    while (this.cache.size > ENCODER_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return { hidden, cached: false };
  }

  async run(request: WindowRequest): Promise<WindowResult> {
    const timing: WindowResult['timing'] = { featuresMs: 0, encoderMs: 0, decoderMs: 0, steps: 0 };
    const { hidden, cached } = await this.encoding(request, timing);
    const contentEndIndex = Math.max(1, Math.floor(request.contentSeconds / TIME_PRECISION));
    const vocab = this.vocab;
    const base: WindowResult = {
      key: request.key,
      noSpeechProb: 0,
      segments: [],
      consumedSeconds: request.contentSeconds,
      avgLogprob: 0,
      compressionRatio: 0,
      temperature: 0,
      looped: false,
      silence: false,
      unreadable: false,
      encoderCached: cached,
      timing,
    };

    if (request.task === 'detect') {
      const t = performance.now();
      const out = await this.model.decode(hidden, [[vocab.sot]], null, []);
      timing.decoderMs += performance.now() - t;
      const sot = out.logits.subarray(0, out.vocabularySize);
      return {
        ...base,
        noSpeechProb: noSpeechProbability(sot, vocab),
        languages: languageProbabilities(sot, vocab, request.languages ?? []),
      };
    }

    const language = request.language ?? '';
    const languageToken = vocab.languages[language];
    if (languageToken === undefined) throw new Error(`Whisper does not know the language "${language}"`);
    const prompt = [vocab.sot, languageToken, vocab.transcribe];
    const wantWords = Boolean(request.words) && this.canTimeWords;
    const crossLayers = wantWords ? this.alignmentLayers : [];
    const t = performance.now();
    const first = await this.model.decode(hidden, [prompt], null, crossLayers);
    timing.decoderMs += performance.now() - t;
    const V = first.vocabularySize;
    const noSpeechProb = noSpeechProbability(first.logits.subarray(0, V), vocab);
    const rules: StepRules = {
      vocab,
      lastTimestampIndex: contentEndIndex,
      maxInitialTimestampIndex: MAX_INITIAL_TIMESTAMP_INDEX,
    };
    const maxNewTokens = Math.min(
      request.maxNewTokens ?? Math.floor(vocab.maxTargetPositions / 2),
      vocab.maxTargetPositions - prompt.length - 1,
    );
    const heads = wantWords
      ? vocab.alignmentHeads.filter(([l]) => crossLayers.includes(l)).map(([l, h]) => ({ l, h }))
      : [];
    const frames = contentEndIndex;
    /** The alignment heads' attention rows of sequence `b` of a (batched) step. */
    const attentionRow = (cross: typeof first.crossAttention, b = 0) =>
      heads.map(({ l, h }) => {
        const a = cross.get(l)!;
        const at = (b * a.heads + h) * a.frames;
        return a.data.slice(at, at + Math.min(frames, a.frames));
      });
    const seedBase = parseInt(request.key.slice(0, 8), 16) || 1;

    const decodeAt = async (temperature: number): Promise<Decoded> => {
      const random = seededRandom(seedBase + Math.round(temperature * 1000));
      const generated: number[] = [];
      const logprobs: number[] = [];
      const attention: Float32Array[][] = heads.map(() => []);
      let logits = first.logits.slice((prompt.length - 1) * V, prompt.length * V);
      let state = first.state;
      let cross = first.crossAttention;
      let sumLogprob = 0;
      let endedWithEot = false;
      let looped = false;
      for (let step = 0; step < maxNewTokens; step++) {
        applyDecodingRules(logits, generated, rules);
        const { token, logprob } = selectToken(logits, temperature, random);
        sumLogprob += logprob;
        if (token === vocab.eot) {
          endedWithEot = true;
          break;
        }
        generated.push(token);
        logprobs.push(logprob);
        if (wantWords) attentionRow(cross).forEach((row, i) => attention[i]!.push(row));
        if (findRepetition(generated, vocab.timestampBegin)) {
          looped = true;
          break;
        }
        const s = performance.now();
        const out = await this.model.decode(hidden, [[token]], state, crossLayers);
        timing.decoderMs += performance.now() - s;
        timing.steps++;
        logits = out.logits.slice(0, V);
        state = out.state;
        cross = out.crossAttention;
      }
      return { generated, logprobs, attention, endedWithEot, looped, sumLogprob };
    };

    /**
     * Beam search at temperature 0 (Whisper's, patience 1): each step extends every live sequence by its likeliest
     * tokens, keeps the `beamSize` best by total log-probability, and sets aside those that end; it stops once
     * `beamSize` have ended. The ended sequence with the best log-probability per token wins. All live sequences go
     * through the decoder together, as one batch.
     */
    const beamSearch = async (beamSize: number): Promise<Decoded> => {
      interface Beam {
        tokens: number[];
        logprobs: number[];
        sum: number;
        attention: Float32Array[][];
      }
      let beams: Beam[] = [{ tokens: [], logprobs: [], sum: 0, attention: heads.map(() => []) }];
      let rows: Float32Array[] = [first.logits.slice((prompt.length - 1) * V, prompt.length * V)];
      let crossRows = [attentionRow(first.crossAttention, 0)];
      let state = first.state;
      let batchHidden = hidden;
      const finished: { beam: Beam; score: number; eot: boolean }[] = [];
      let looped = false;
      for (let step = 0; step < maxNewTokens && beams.length > 0; step++) {
        const candidates: { parent: number; token: number; logprob: number; score: number }[] = [];
        beams.forEach((beam, b) => {
          const l = rows[b]!;
          applyDecodingRules(l, beam.tokens, rules);
          const total = logSumExp(l, 0, l.length);
          // The beamSize + 1 likeliest tokens of this sequence (insertion into a short sorted list).
          const top: number[] = [];
          for (let i = 0; i < l.length; i++) {
            const v = l[i]!;
            if (top.length === beamSize + 1 && v <= l[top[beamSize]!]!) continue;
            if (v === Number.NEGATIVE_INFINITY) continue;
            let at = top.length < beamSize + 1 ? top.length : beamSize;
            if (top.length < beamSize + 1) top.push(i);
            while (at > 0 && l[top[at - 1]!]! < v) {
              top[at] = top[at - 1]!;
              at--;
            }
            top[at] = i;
          }
          for (const token of top) {
            const logprob = l[token]! - total;
            candidates.push({ parent: b, token, logprob, score: beam.sum + logprob });
          }
        });
        candidates.sort((a, b) => b.score - a.score);
        const next: { beam: Beam; parent: number }[] = [];
        for (const c of candidates) {
          const parent = beams[c.parent]!;
          if (c.token === vocab.eot) {
            finished.push({
              beam: { ...parent, sum: c.score },
              score: c.score,
              eot: true,
            });
            continue;
          }
          const tokens = [...parent.tokens, c.token];
          if (findRepetition(tokens, vocab.timestampBegin)) {
            looped = true; // a looping sequence is not extended
            continue;
          }
          next.push({
            parent: c.parent,
            beam: {
              tokens,
              logprobs: [...parent.logprobs, c.logprob],
              sum: c.score,
              attention: parent.attention.map((r, i) => [...r, crossRows[c.parent]![i]!]),
            },
          });
          if (next.length === beamSize) break;
        }
        if (finished.length >= beamSize || next.length === 0) {
          // The live sequences are those of the step before: they are candidates only if none has ended.
          if (finished.length > 0) beams = [];
          break;
        }
        // One batched step for every live sequence.
        const parents = next.map((n) => n.parent);
        state = this.model.select(state, parents);
        if (batchHidden.dims[0] !== parents.length) batchHidden = this.model.repeat(hidden, parents.length);
        const s = performance.now();
        const out = await this.model.decode(
          batchHidden,
          next.map((n) => [n.beam.tokens[n.beam.tokens.length - 1]!]),
          state,
          crossLayers,
        );
        timing.decoderMs += performance.now() - s;
        timing.steps++;
        state = out.state;
        beams = next.map((n) => n.beam);
        rows = beams.map((_, b) => out.logits.slice(b * V, (b + 1) * V));
        crossRows = beams.map((_, b) => attentionRow(out.crossAttention, b));
      }
      // Sequences still going when the token limit came (or when every one looped) are candidates too.
      for (const beam of beams) finished.push({ beam, score: beam.sum, eot: false });
      const best = finished.reduce((a, b) =>
        b.score / (b.beam.tokens.length + 1) > a.score / (a.beam.tokens.length + 1) ? b : a,
      );
      return {
        generated: best.beam.tokens,
        logprobs: best.beam.logprobs,
        attention: best.beam.attention,
        endedWithEot: best.eot,
        looped: looped && !best.eot,
        sumLogprob: best.score,
      };
    };

    const textOf = (tokens: number[]) =>
      this.tokenizer.decode(
        tokens.filter((x) => x < vocab.eot),
        { skip_special_tokens: true },
      );
    interface Attempt {
      d: Decoded;
      temperature: number;
      ratio: number;
      avg: number;
    }
    const attempts: Attempt[] = [];
    let chosen: Attempt | null = null;
    let rescued = false;
    const beam = request.beamSize ?? 1;
    for (const temperature of request.temperatures ?? DEFAULT_TEMPERATURES) {
      const d = temperature === 0 && beam > 1 ? await beamSearch(beam) : await decodeAt(temperature);
      const attempt: Attempt = {
        d,
        temperature,
        ratio: compressionRatio(textOf(d.generated)),
        avg: d.sumLogprob / (d.generated.length + 1),
      };
      attempts.push(attempt);
      if (
        !attempt.d.looped &&
        attempt.ratio <= COMPRESSION_RATIO_THRESHOLD &&
        attempt.avg >= LOGPROB_THRESHOLD
      ) {
        chosen = attempt;
        break;
      }
      // Probably silence: no use trying harder (Whisper's rule); the no-speech test below decides.
      if (noSpeechProb > NO_SPEECH_THRESHOLD) break;
    }
    const last = attempts[attempts.length - 1]!;
    const summary = (a: Attempt): WindowResult => ({
      ...base,
      noSpeechProb,
      avgLogprob: a.avg,
      compressionRatio: a.ratio,
      temperature: a.temperature,
      looped: a.d.looped,
    });
    if (!chosen) {
      if (noSpeechProb > NO_SPEECH_THRESHOLD && last.avg < LOGPROB_THRESHOLD)
        return { ...summary(last), silence: true };
      // Every temperature failed. When the greedy decode failed only because it started repeating itself, the text
      // before the repetition is kept (it is usually right); otherwise Whisper could not read this audio, and what it
      // wrote (noise, music and tones turn into words in any script) is not kept.
      const greedy = attempts[0]!;
      const loop = findRepetition(greedy.d.generated, vocab.timestampBegin);
      const kept = loop ? greedy.d.generated.slice(0, loop.cut) : greedy.d.generated;
      const before = greedy.d.logprobs.slice(0, kept.length);
      const beforeAvg = before.reduce((a, b) => a + b, 0) / Math.max(1, before.length);
      const repeating = greedy.d.looped || greedy.ratio > COMPRESSION_RATIO_THRESHOLD;
      if (
        repeating &&
        beforeAvg >= LOGPROB_THRESHOLD &&
        compressionRatio(textOf(kept)) <= COMPRESSION_RATIO_THRESHOLD
      ) {
        chosen = greedy;
        rescued = true;
      } else {
        return { ...summary(last), unreadable: true };
      }
    }
    const d = chosen.d;
    const result = summary(chosen);
    let generated = d.generated;
    let endedWithEot = d.endedWithEot;
    const loop = findRepetition(generated, vocab.timestampBegin);
    if (d.looped || loop) {
      // Keep one round of the repeated tokens; the audio after the last kept span is decoded again.
      if (loop) generated = generated.slice(0, loop.cut);
      endedWithEot = false;
    }
    // Text Whisper itself finds improbable is not kept; a decode rescued from a loop must be surer of each part.
    const minSegmentLogprob = rescued ? LOGPROB_THRESHOLD : SEGMENT_LOGPROB_FLOOR;
    const { spans, consumedIndex } = timedSpans(generated, vocab, endedWithEot, contentEndIndex);
    const segments: WindowSegment[] = [];
    for (const span of spans) {
      const tokens = generated.slice(span.from, span.to);
      const text = textOf(tokens).trim();
      if (!text || implausibleText(text, language)) continue;
      const lps = d.logprobs.slice(span.from, span.to);
      const spanAvg = lps.reduce((a, b) => a + b, 0) / Math.max(1, lps.length);
      if (spanAvg < minSegmentLogprob) continue;
      const start = span.startIndex * TIME_PRECISION;
      const end = Math.max(span.endIndex, span.startIndex + 1) * TIME_PRECISION;
      segments.push({
        start,
        end,
        text,
        avgLogprob: spanAvg,
        words: wantWords ? this.words(tokens, lps, d.attention, span) : null,
      });
    }
    return { ...result, segments, consumedSeconds: consumedIndex * TIME_PRECISION };
  }

  /** Word times of one span by dynamic time warping over the span's frames. */
  private words(
    tokens: number[],
    logprobs: number[],
    attention: Float32Array[][],
    span: { startIndex: number; endIndex: number; from: number; to: number },
  ): WindowWord[] {
    const textTokens: number[] = [];
    const positions: number[] = [];
    tokens.forEach((tok, i) => {
      if (tok < this.vocab.eot) {
        textTokens.push(tok);
        positions.push(span.from + i);
      }
    });
    const lo = span.startIndex;
    const hi = Math.max(span.endIndex, lo + 1);
    const heads = attention.map((rows) =>
      positions.map((p) => rows[p]!.subarray(lo, Math.min(hi, rows[p]!.length))),
    );
    const starts = tokenStartFrames(heads).map((f) => lo + f);
    const groups = groupWords(textTokens, (ids) => this.tokenizer.decode(ids, { skip_special_tokens: true }));
    const words = groups.map((g, i) => {
      const next = groups[i + 1];
      const startFrame = starts[g.first] ?? lo;
      const endFrame = next ? (starts[next.first] ?? hi) : hi;
      const lp = logprobs.slice(positions[g.first]! - span.from, positions[g.last]! - span.from + 1);
      return {
        word: g.word,
        start: startFrame * TIME_PRECISION,
        end: Math.max(endFrame, startFrame + 1) * TIME_PRECISION,
        probability: Math.exp(lp.reduce((a, b) => a + b, 0) / Math.max(1, lp.length)),
      };
    });
    return clampWordDurations(words);
  }

  async release(): Promise<void> {
    this.cache.clear();
    await this.model.release();
  }
}

/**
 * The alignment path must cover every frame of a span, so the silence before the first word and after the last one
 * (or after a pause) is given to the words beside it. As Whisper does, words longer than twice the median word
 * (at most 1.4 s) are cut back: the first word of a span at its start, the others at their end.
 */
export function clampWordDurations(words: WindowWord[]): WindowWord[] {
  if (words.length === 0) return words;
  const durations = words.map((w) => w.end - w.start).sort((a, b) => a - b);
  const median = Math.min(0.7, durations[Math.floor(durations.length / 2)]!);
  const max = Math.max(2 * median, 2 * TIME_PRECISION);
  return words.map((w, i) => {
    if (w.end - w.start <= max) return w;
    return i === 0 ? { ...w, start: w.end - max } : { ...w, end: w.start + max };
  });
}

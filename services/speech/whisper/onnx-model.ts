import * as ort from 'onnxruntime-node';
import { EscuchaError } from '../../platform/errors.ts';

/**
 * The slice of onnxruntime-node Escucha uses for Whisper: the encoder (log-mel → hidden states) and the merged
 * decoder with its key/value cache (one token per step after the prompt). Only the outputs a step needs are
 * fetched: the exports also return every attention map, which for the encoder alone is hundreds of megabytes.
 */

export type EncoderOutput = ort.Tensor;
type Past = Record<string, ort.Tensor>;

export interface DecoderState {
  /** Key/value cache after the tokens fed so far, one row per sequence of the batch. */
  past: Past;
  /** Tokens fed so far per sequence (prompt included). */
  length: number;
  /** Sequences in the batch. */
  batch: number;
}

export interface DecoderOutput {
  /** Logits of each position fed in this call, per sequence, row-major (batch × positions × vocabulary). */
  logits: Float32Array;
  vocabularySize: number;
  state: DecoderState;
  /**
   * Cross-attention of the requested layers at the last position fed: per layer, batch × heads × frames
   * (row-major).
   */
  crossAttention: Map<number, { data: Float32Array; heads: number; frames: number }>;
}

export interface WhisperOnnxOptions {
  encoderPath: string;
  decoderPath: string;
  /** Intra-op threads per session (1 when several workers share the cores). */
  threads: number;
}

function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: Math.max(1, threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Lets onnxruntime fold the dequantisation of constant 8-bit weights at load time. Without it the decoder
    // dequantises the whole token-embedding matrix (51,865 × d) again at every step: a third of each step's time.
    extra: { session: { disable_quant_qdq: '1' } },
  };
}

export class WhisperOnnx {
  private readonly decoderPastNames: string[];
  private readonly encoderPastNames: string[];
  private readonly emptyPast: Past;

  private constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
  ) {
    const pastNames = decoder.inputNames.filter((n) => n.startsWith('past_key_values.'));
    this.decoderPastNames = pastNames.filter((n) => n.includes('.decoder.'));
    this.encoderPastNames = pastNames.filter((n) => n.includes('.encoder.'));
    if (
      !decoder.inputNames.includes('use_cache_branch') ||
      this.decoderPastNames.length === 0 ||
      !decoder.outputNames.includes('logits')
    ) {
      throw new EscuchaError(
        'MODEL_INVALID',
        'the Whisper decoder is not a merged decoder with a key/value cache (decoder_model_merged)',
      );
    }
    this.emptyPast = {};
    for (const meta of decoder.inputMetadata) {
      if (!pastNames.includes(meta.name) || !meta.isTensor) continue;
      const [, heads, , headDim] = meta.shape;
      if (typeof heads !== 'number' || typeof headDim !== 'number') {
        throw new EscuchaError('MODEL_INVALID', `unexpected cache shape for ${meta.name}`);
      }
      this.emptyPast[meta.name] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
    }
  }

  static async load(options: WhisperOnnxOptions): Promise<WhisperOnnx> {
    const opts = sessionOptions(options.threads);
    const open = async (file: string) => {
      try {
        return await ort.InferenceSession.create(file, opts);
      } catch (error) {
        throw new EscuchaError('MODEL_INVALID', `cannot load ${file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    };
    const [encoder, decoder] = await Promise.all([open(options.encoderPath), open(options.decoderPath)]);
    return new WhisperOnnx(encoder, decoder);
  }

  /** Layers whose cross-attention the decoder can return. */
  get crossAttentionLayers(): number[] {
    return this.decoder.outputNames
      .map((n) => /^cross_attentions\.(\d+)$/.exec(n)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number);
  }

  /** Hidden states of one window's log-mel features (80 or 128 mel bins × 3000 frames). */
  async encode(features: Float32Array, melBins: number): Promise<EncoderOutput> {
    const input = new ort.Tensor('float32', features, [1, melBins, features.length / melBins]);
    const out = await this.encoder.run({ input_features: input }, ['last_hidden_state']);
    return out.last_hidden_state!;
  }

  /**
   * Feeds `tokens` to every sequence of the batch after `state` (none: the prompt of a single sequence, which also
   * computes the cross-attention keys and values from the encoder output) and returns the logits of every position
   * fed. `tokens` holds one row of equal length per sequence.
   */
  async decode(
    hidden: EncoderOutput,
    tokens: readonly (readonly number[])[],
    state: DecoderState | null,
    crossLayers: readonly number[],
  ): Promise<DecoderOutput> {
    const first = state === null;
    const batch = tokens.length;
    const width = tokens[0]!.length;
    const past = state?.past ?? this.emptyPast;
    const ids = new BigInt64Array(batch * width);
    tokens.forEach((row, b) => row.forEach((t, i) => (ids[b * width + i] = BigInt(t))));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [batch, width]),
      encoder_hidden_states: hidden,
      use_cache_branch: new ort.Tensor('bool', [!first], [1]),
      ...past,
    };
    const fetches = ['logits', ...this.decoderPastNames.map((n) => n.replace('past_key_values', 'present'))];
    if (first) fetches.push(...this.encoderPastNames.map((n) => n.replace('past_key_values', 'present')));
    for (const l of crossLayers) fetches.push(`cross_attentions.${l}`);
    const out = await this.decoder.run(feeds, fetches);
    const next: Past = {};
    for (const name of this.decoderPastNames) next[name] = out[name.replace('past_key_values', 'present')]!;
    for (const name of this.encoderPastNames) {
      next[name] = first ? out[name.replace('past_key_values', 'present')]! : past[name]!;
    }
    const logits = out.logits!;
    const vocabularySize = logits.dims[2]!;
    const crossAttention: DecoderOutput['crossAttention'] = new Map();
    for (const l of crossLayers) {
      const t = out[`cross_attentions.${l}`]!;
      const [b, heads, positions, frames] = t.dims as [number, number, number, number];
      const data = t.data as Float32Array;
      // Keep the last position only: batch × heads × frames.
      const last = new Float32Array(b * heads * frames);
      for (let r = 0; r < b; r++) {
        for (let h = 0; h < heads; h++) {
          const offset = ((r * heads + h) * positions + (positions - 1)) * frames;
          last.set(data.subarray(offset, offset + frames), (r * heads + h) * frames);
        }
      }
      crossAttention.set(l, { data: last, heads, frames });
    }
    return {
      logits: logits.data as Float32Array,
      vocabularySize,
      state: { past: next, length: (state?.length ?? 0) + width, batch },
      crossAttention,
    };
  }

  /**
   * A batch built from the sequences of `state` at `rows` (a sequence may appear several times: a beam that forks).
   * The cross-attention keys and values are the same for every sequence of a window; they are only resized.
   */
  select(state: DecoderState, rows: readonly number[]): DecoderState {
    const past: Past = {};
    for (const name of this.decoderPastNames) past[name] = gatherRows(state.past[name]!, rows);
    for (const name of this.encoderPastNames) past[name] = repeatRow(state.past[name]!, rows.length);
    return { past, length: state.length, batch: rows.length };
  }

  /** The encoder output repeated for a batch of `n` sequences. */
  repeat(hidden: EncoderOutput, n: number): EncoderOutput {
    return repeatRow(hidden, n);
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}

/** A tensor whose first dimension is the batch, rebuilt from the given rows. */
function gatherRows(t: ort.Tensor, rows: readonly number[]): ort.Tensor {
  const dims = t.dims as number[];
  if (dims[0] === rows.length && rows.every((r, i) => r === i)) return t; // the same batch, in order
  const size = dims.slice(1).reduce((a, b) => a * b, 1);
  const data = t.data as Float32Array;
  const out = new Float32Array(rows.length * size);
  rows.forEach((r, i) => out.set(data.subarray(r * size, (r + 1) * size), i * size));
  return new ort.Tensor('float32', out, [rows.length, ...dims.slice(1)]);
}

/** Row 0 of a batched tensor repeated `n` times (the tensor itself when it already has `n` identical rows). */
function repeatRow(t: ort.Tensor, n: number): ort.Tensor {
  const dims = t.dims as number[];
  if (dims[0] === n) return t;
  const size = dims.slice(1).reduce((a, b) => a * b, 1);
  const data = (t.data as Float32Array).subarray(0, size);
  if (n === 1) return new ort.Tensor('float32', data.slice(), [1, ...dims.slice(1)]);
  const out = new Float32Array(n * size);
  for (let i = 0; i < n; i++) out.set(data, i * size);
  return new ort.Tensor('float32', out, [n, ...dims.slice(1)]);
}

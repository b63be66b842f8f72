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
  /** Key/value cache after the tokens fed so far. */
  past: Past;
  /** Tokens fed so far (prompt included). */
  length: number;
}

export interface DecoderOutput {
  /** Logits of each position fed in this call, row-major (positions × vocabulary). */
  logits: Float32Array;
  vocabularySize: number;
  state: DecoderState;
  /** Cross-attention of the requested layers at the last position fed: per layer, heads × frames. */
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
   * Feeds `tokens` after `state` (none: the prompt, which also computes the cross-attention keys and values from
   * the encoder output) and returns the logits of every position fed.
   */
  async decode(
    hidden: EncoderOutput,
    tokens: readonly number[],
    state: DecoderState | null,
    crossLayers: readonly number[],
  ): Promise<DecoderOutput> {
    const first = state === null;
    const past = state?.past ?? this.emptyPast;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(tokens, (t) => BigInt(t)),
        [1, tokens.length],
      ),
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
      const [, heads, positions, frames] = t.dims as [number, number, number, number];
      const data = t.data as Float32Array;
      // Keep the last position only: heads × frames.
      const last = new Float32Array(heads * frames);
      for (let h = 0; h < heads; h++) {
        const offset = (h * positions + (positions - 1)) * frames;
        last.set(data.subarray(offset, offset + frames), h * frames);
      }
      crossAttention.set(l, { data: last, heads, frames });
    }
    return {
      logits: logits.data as Float32Array,
      vocabularySize,
      state: { past: next, length: (state?.length ?? 0) + tokens.length },
      crossAttention,
    };
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}

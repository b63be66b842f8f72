import { describe, expect, it } from 'vitest';
import type { WhisperOnnx } from '../../../../services/speech/whisper/onnx-model.ts';
import type { WhisperVocabulary } from '../../../../services/speech/whisper/vocabulary.ts';
import { WindowDecoder } from '../../../../services/speech/whisper/window-decoder.ts';

/**
 * Beam search against a scripted model: whatever came before, the likeliest next token follows the script
 * `<0.00> w1 w2 <1.00> <eot>` over 2 s of audio. Every beam width must return what greedy decoding returns: one
 * segment from 0 to 1 s, the decode ended (so the window's audio counts as read), not looped.
 */
const TB = 17;
const V = TB + 1501;
const EOT = 10;
const vocab = {
  eot: EOT,
  sot: 11,
  transcribe: 12,
  translate: 13,
  noTimestamps: 14,
  noSpeech: 15,
  timestampBegin: TB,
  languages: { es: 16 },
  suppress: [],
  beginSuppress: [],
  alignmentHeads: [],
  maxTargetPositions: 448,
} as unknown as WhisperVocabulary;
const SCRIPT = [TB, 1, 2, TB + 50, EOT];

function logitsAfter(history: number[]): Float32Array {
  const l = new Float32Array(V);
  l[SCRIPT[history.length - 3] ?? EOT] = 10; // after the 3-token prompt
  l[3] = 5; // a less likely alternative at every step
  return l;
}

interface State {
  hist: number[][];
}
const model = {
  crossAttentionLayers: [],
  encode: () => Promise.resolve({ dims: [1] }),
  repeat: (_h: unknown, n: number) => ({ dims: [n] }),
  select: (s: State, rows: number[]) => ({ hist: rows.map((r) => [...s.hist[r]!]) }),
  decode: (_h: unknown, tokens: number[][], state: State | null) => {
    const width = tokens[0]!.length;
    const hist = state ? state.hist.map((h, b) => [...h, ...tokens[b]!]) : tokens.map((t) => [...t]);
    const logits = new Float32Array(hist.length * width * V);
    hist.forEach((h, b) => {
      for (let p = 0; p < width; p++)
        logits.set(logitsAfter(h.slice(0, h.length - width + p + 1)), (b * width + p) * V);
    });
    return Promise.resolve({ logits, vocabularySize: V, state: { hist }, crossAttention: new Map() });
  },
  release: () => Promise.resolve(),
} as unknown as WhisperOnnx;
const tokenizer = { decode: (ids: number[]) => ids.map((i) => `w${i} `).join('') };

describe('beam search', () => {
  it('returns the ended sequence greedy decoding returns, for every beam width', async () => {
    const decoder = new WindowDecoder(model, vocab, tokenizer, () => new Float32Array(1), 80);
    const results = [];
    for (const beamSize of [1, 2, 3]) {
      const r = await decoder.run({
        key: `abcdef12${beamSize}`,
        samples: new Float32Array(32_000),
        contentSeconds: 2,
        task: 'transcribe',
        language: 'es',
        beamSize,
      });
      results.push({
        segments: r.segments.map((s) => [s.start, s.end, s.text]),
        consumed: r.consumedSeconds,
        looped: r.looped,
        temperature: r.temperature,
      });
    }
    expect(results[0]).toEqual({ segments: [[0, 1, 'w1 w2']], consumed: 2, looped: false, temperature: 0 });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

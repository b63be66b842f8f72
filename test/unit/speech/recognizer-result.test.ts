import { describe, expect, it } from 'vitest';
import { findModel } from '../../../services/speech/model-manifest.ts';
import type { ResolvedModel } from '../../../services/speech/model-store.ts';
import { recognizerConfig, toRecognition } from '../../../services/speech/recognizer.sherpa.ts';

function resolved(name: string): ResolvedModel {
  const entry = findModel(name)!;
  const paths = Object.fromEntries(entry.files.map((f) => [f.role, `/models/${name}/${f.path}`]));
  return { entry, name, label: name, dir: `/models/${name}`, paths };
}

describe(toRecognition.name, () => {
  it('builds words from ▁-prefixed token timestamps (character vocabulary, CTC)', () => {
    const tokens = ['▁', 'h', 'o', 'l', 'a', '▁', 's', 'e', 'ñ', 'o', 'r'];
    const timestamps = [0.2, 0.24, 0.28, 0.32, 0.36, 0.6, 0.64, 0.68, 0.72, 0.76, 0.8];
    const r = toRecognition({ text: ' hola señor', tokens, timestamps }, 1500);
    expect(r.text).toBe('hola señor');
    expect(r.words).toEqual([
      { word: 'hola', startMs: 240, endMs: 400 },
      { word: 'señor', startMs: 640, endMs: 840 },
    ]);
    expect(r.confidence).toBeNull();
  });

  it('builds words from BPE tokens, lower-cases all-capitals output and derives a confidence from log-probs', () => {
    const r = toRecognition(
      {
        text: 'THIS CALL IS RECORDED',
        tokens: ['▁THIS', '▁CALL', '▁IS', '▁RE', 'CORD', 'ED'],
        timestamps: [0.1, 0.4, 0.7, 0.9, 1.0, 1.1],
        durations: [0.2, 0.2, 0.1, 0.1, 0.1, 0.2],
        ys_log_probs: [
          Math.log(0.9),
          Math.log(0.8),
          Math.log(0.9),
          Math.log(0.7),
          Math.log(0.9),
          Math.log(0.8),
        ],
      },
      2000,
    );
    expect(r.text).toBe('this call is recorded');
    expect(r.words?.map((w) => w.word)).toEqual(['this', 'call', 'is', 'recorded']);
    expect(r.words?.[3]).toEqual({ word: 'recorded', startMs: 900, endMs: 1300 });
    expect(r.confidence).toBeCloseTo(
      Math.exp((Math.log(0.9) * 2 + Math.log(0.8) * 2 + Math.log(0.9) + Math.log(0.7)) / 6),
      6,
    );
  });

  it('gives no words when the model gives no timestamps (Whisper) or tokens do not spell the text', () => {
    expect(toRecognition({ text: ' Hola, buenos días.' }, 1000)).toEqual({
      text: 'Hola, buenos días.',
      words: null,
      confidence: null,
      language: null,
    });
    expect(
      toRecognition({ text: 'día', tokens: ['<0xC3>', 'd'], timestamps: [0, 0.1] }, 1000).words,
    ).toBeNull();
  });

  it('reads the language SenseVoice reports and drops its tags from words', () => {
    const r = toRecognition(
      { text: 'hello', lang: '<|en|>', tokens: ['<|en|>', '▁hello'], timestamps: [0, 0.3] },
      900,
    );
    expect(r.language).toBe('en');
    expect(r.words).toEqual([{ word: 'hello', startMs: 300, endMs: 340 }]);
  });

  it('returns an empty result for silence', () => {
    expect(toRecognition({ text: '', tokens: [], timestamps: [] }, 500)).toEqual({
      text: '',
      words: [],
      confidence: null,
      language: null,
    });
  });
});

describe(recognizerConfig.name, () => {
  it('configures each family the way sherpa-onnx expects', () => {
    const base = { featConfig: { sampleRate: 16000, featureDim: 80 }, decodingMethod: 'greedy_search' };
    expect(recognizerConfig(resolved('fixture'))).toEqual({
      ...base,
      modelConfig: {
        zipformerCtc: { model: '/models/fixture/model.onnx' },
        tokens: '/models/fixture/tokens.txt',
        numThreads: 1,
        provider: 'cpu',
        debug: 0,
      },
    });
    // Whisper runs on Escucha's own engine (recognizer.whisper.ts), never through sherpa-onnx.
    expect(() => recognizerConfig(resolved('whisper-small'), { language: 'es' })).toThrow(/Whisper engine/);
    expect(recognizerConfig(resolved('nemo-transducer-es'))).toMatchObject({
      modelConfig: {
        transducer: { joiner: '/models/nemo-transducer-es/joiner.onnx' },
        modelType: 'nemo_transducer',
      },
    });
    expect(recognizerConfig(resolved('zipformer-en'))).not.toHaveProperty('modelConfig.modelType');
    expect(recognizerConfig(resolved('nemo-ctc-es'))).toMatchObject({
      modelConfig: { nemoCtc: { model: '/models/nemo-ctc-es/model.onnx' } },
    });
    expect(recognizerConfig(resolved('sense-voice'))).toMatchObject({
      modelConfig: { senseVoice: { model: '/models/sense-voice/model.int8.onnx', language: 'auto' } },
    });
  });
});

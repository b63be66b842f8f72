import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { ModelStore } from '../../../services/speech/model-store.ts';
import { WhisperLogMel } from '../../../services/speech/whisper/log-mel.ts';
import { decodeClip, speechClips } from '../../support/real-speech.ts';

describe(WhisperLogMel.name, () => {
  it('computes the same features as transformers.js’s Whisper feature extractor', async () => {
    const dir = await new ModelStore({ modelsDir: '/nonexistent' }).dirFor('whisper-base');
    const config = JSON.parse(await readFile(path.join(dir, 'preprocessor_config.json'), 'utf8'));
    const extractor = new WhisperFeatureExtractor(config) as unknown as {
      config: { mel_filters: number[][] };
      window: Float64Array;
      _call(a: Float32Array): Promise<{ input_features: { data: Float32Array; dims: number[] } }>;
    };
    const mel = new WhisperLogMel({ melFilters: extractor.config.mel_filters, window: extractor.window });
    const [clip] = await speechClips({ language: 'es', kind: 'fleurs' });
    const speech = await decodeClip(clip!.file);
    // A full window, a short one (mostly padding), one of odd length, silence, and one sample.
    const cases: Float32Array[] = [
      Float32Array.from({ length: 480_000 }, (_, i) => speech[i % speech.length]!),
      speech.slice(0, 5 * 16000),
      speech.slice(0, 12_345),
      new Float32Array(16000),
      Float32Array.from([0.5]),
    ];
    for (const samples of cases) {
      const padded = new Float32Array(480_000);
      padded.set(samples);
      const reference = (await extractor._call(padded)).input_features;
      const ours = mel.compute(samples);
      expect(reference.dims).toEqual([1, 80, 3000]);
      expect(ours.length).toBe(reference.data.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - reference.data[i]!));
      expect(worst, `${samples.length} samples`).toBeLessThan(1e-5);
    }
  });
});

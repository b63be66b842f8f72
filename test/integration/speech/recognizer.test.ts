import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextLanguageIdentifier } from '../../../services/speech/language-id.ts';
import { DEFAULT_FIXTURE_DIR, ModelStore } from '../../../services/speech/model-store.ts';
import { SherpaRecognizer, type Recognition } from '../../../services/speech/recognizer.sherpa.ts';
import { loadSherpa } from '../../../services/speech/sherpa.native.ts';
import { requireFixtureModel } from '../pipeline/speech-harness.ts';

interface Reference {
  file: string;
  lang: 'es' | 'en';
  text: string;
  fixture_decoded?: string;
}

function wordErrors(ref: string[], hyp: string[]): number {
  const d = Array.from({ length: ref.length + 1 }, (_, i) => [i, ...Array<number>(hyp.length).fill(0)]);
  for (let j = 1; j <= hyp.length; j++) d[0]![j] = j;
  for (let i = 1; i <= ref.length; i++) {
    for (let j = 1; j <= hyp.length; j++) {
      const sub = d[i - 1]![j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      d[i]![j] = Math.min(sub, d[i - 1]![j]! + 1, d[i]![j - 1]! + 1);
    }
  }
  return d[ref.length]![hyp.length]!;
}

describe(SherpaRecognizer.name, () => {
  const heldout = path.join(DEFAULT_FIXTURE_DIR, 'heldout');
  let refs: Reference[];
  let recognizer: SherpaRecognizer;
  let results: { ref: Reference; seconds: number; r: Recognition }[];

  beforeAll(async () => {
    requireFixtureModel();
    const refsFile = path.join(heldout, 'references.json');
    if (!existsSync(refsFile)) throw new Error(`the fixture's held-out samples are missing: ${refsFile}`);
    refs = JSON.parse(readFileSync(refsFile, 'utf8')) as Reference[];
    const model = await new ModelStore({ modelsDir: '/nonexistent' }).resolve('fixture');
    recognizer = new SherpaRecognizer({ model, workers: 2 });
    const sherpa = loadSherpa();
    // All clips at once: the pool spreads them over its two worker threads.
    results = await Promise.all(
      refs.map(async (ref) => {
        const wave = sherpa.readWave(path.join(heldout, ref.file));
        return {
          ref,
          seconds: wave.samples.length / wave.sampleRate,
          r: await recognizer.recognize(wave.samples, wave.sampleRate),
        };
      }),
    );
  });
  afterAll(async () => {
    await recognizer?.close();
  });

  it('labels the fixture as a test fixture', () => {
    expect(recognizer.model).toBe('fixture (test-only)');
  });

  it('decodes held-out speech of voices and sentences it was not trained on, close to the references', () => {
    expect(refs.length).toBeGreaterThan(0);
    let errors = 0;
    let words = 0;
    for (const { ref, r } of results) {
      const w = ref.text.split(' ');
      errors += wordErrors(w, r.text.split(' '));
      words += w.length;
      if (ref.fixture_decoded !== undefined) expect(r.text).toBe(ref.fixture_decoded);
    }
    expect(errors / words).toBeLessThan(0.15);
  });

  it('gives word timings inside each clip, in order', () => {
    for (const { r, seconds } of results) {
      expect(r.words).not.toBeNull();
      expect(r.words!.map((w) => w.word).join(' ')).toBe(r.text);
      let last = -1;
      for (const w of r.words!) {
        expect(w.startMs).toBeGreaterThanOrEqual(last);
        expect(w.endMs).toBeGreaterThanOrEqual(w.startMs);
        expect(w.endMs).toBeLessThanOrEqual(Math.ceil(seconds * 1000));
        last = w.startMs;
      }
    }
  });

  it('feeds text language identification: the transcripts read as their language', () => {
    const lid = new TextLanguageIdentifier({ languages: ['es', 'en'] });
    const right = results.filter(({ ref, r }) => lid.identify(r.text).language === ref.lang).length;
    expect(right).toBe(results.length);
  });

  it('returns nothing for silence', async () => {
    const r = await recognizer.recognize(new Float32Array(16000), 16000);
    expect(r.text).toBe('');
  });
});

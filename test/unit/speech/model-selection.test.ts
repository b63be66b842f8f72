import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAsrModelSpec,
  chooseModel,
  parseAsrModelSpec,
} from '../../../services/speech/model-selection.ts';
import { ModelStore } from '../../../services/speech/model-store.ts';

describe(parseAsrModelSpec.name, () => {
  it('reads one model, per-language pairs, or nothing', () => {
    expect(parseAsrModelSpec(undefined)).toEqual({ default: null, byLanguage: {} });
    expect(parseAsrModelSpec('fixture')).toEqual({ default: 'fixture', byLanguage: {} });
    expect(parseAsrModelSpec(' es=nemo-ctc-es , en=zipformer-en ')).toEqual({
      default: null,
      byLanguage: { es: 'nemo-ctc-es', en: 'zipformer-en' },
    });
    expect(parseAsrModelSpec('whisper-small,en=zipformer-en')).toEqual({
      default: 'whisper-small',
      byLanguage: { en: 'zipformer-en' },
    });
  });

  it('refuses malformed values', () => {
    expect(() => parseAsrModelSpec('Whisper Huge')).toThrow(/"Whisper Huge" is not a model name/);
    expect(() => parseAsrModelSpec('spanish=nemo-ctc-es')).toThrow(/not a language code/);
    expect(() => parseAsrModelSpec('whisper-tiny,whisper-base')).toThrow(/give one model/);
  });
});

describe(chooseModel.name, () => {
  let root: string;
  let store: ModelStore;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'escucha-choose-'));
    // Installed by hand: the files a model needs, in <models>/<name>.
    const dir = path.join(root, 'models', 'zipformer-en');
    await mkdir(dir, { recursive: true });
    for (const f of [
      'encoder-epoch-99-avg-1.int8.onnx',
      'decoder-epoch-99-avg-1.onnx',
      'joiner-epoch-99-avg-1.int8.onnx',
      'tokens.txt',
    ]) {
      await writeFile(path.join(dir, f), 'x');
    }
    store = new ModelStore({
      modelsDir: path.join(root, 'models'),
      fixtureDir: path.join(root, 'no-fixture'),
      // As on a machine where npm did not install the default model.
      packageDir: () => null,
    });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a configured model the store does not know', async () => {
    await expect(checkAsrModelSpec(parseAsrModelSpec('whisper-huge'), store)).rejects.toThrow(
      /unknown model "whisper-huge"/,
    );
    await expect(
      checkAsrModelSpec(parseAsrModelSpec('es=whisper-small,en=zipformer-en'), store),
    ).resolves.toBe(undefined);
  });

  it('picks an installed model that speaks the language when none is configured and the default is missing', async () => {
    expect(await chooseModel(parseAsrModelSpec(''), 'en', store)).toEqual({ ok: true, name: 'zipformer-en' });
  });

  it('suggests the default model when none installed speaks the language', async () => {
    expect(await chooseModel(parseAsrModelSpec(''), 'es', store)).toEqual({
      ok: false,
      suggestion: 'whisper-base',
      reason: 'no ASR model installed — run escucha models fetch whisper-base (for language es)',
    });
  });

  it('prefers the default model, installed with Escucha, over others when none is configured', async () => {
    const withDefault = new ModelStore({
      modelsDir: path.join(root, 'models'),
      fixtureDir: path.join(root, 'no-fixture'),
    });
    expect(await chooseModel(parseAsrModelSpec(''), 'en', withDefault)).toEqual({
      ok: true,
      name: 'whisper-base',
    });
    expect(await chooseModel(parseAsrModelSpec(''), 'es', withDefault)).toEqual({
      ok: true,
      name: 'whisper-base',
    });
  });

  it('uses the configured model per language, and names it when it is missing', async () => {
    const spec = parseAsrModelSpec('es=nemo-ctc-es,en=zipformer-en');
    expect(await chooseModel(spec, 'en', store)).toEqual({ ok: true, name: 'zipformer-en' });
    expect(await chooseModel(spec, 'es', store)).toMatchObject({ ok: false, suggestion: 'nemo-ctc-es' });
  });

  it('never picks the test fixture unless configured, and explains a missing fixture', async () => {
    const choice = await chooseModel(parseAsrModelSpec('fixture'), 'es', store);
    expect(choice.ok).toBe(false);
    expect(!choice.ok && choice.reason).toMatch(
      /^no ASR model installed — run escucha models fetch whisper-base \(ESCUCHA_ASR_MODEL selects the fixture \(test-only\) model, but .* has no trained model\)$/,
    );
  });
});

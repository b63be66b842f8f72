import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTranscription, transcriptionEstimate } from '../../../services/cli/demo.command.ts';
import { loadConfig } from '../../../services/platform/config.ts';
import { ModelStore } from '../../../services/speech/model-store.ts';

describe('how the demo calls get their transcripts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'escucha-demo-models-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const config = (env: Record<string, string> = {}) => loadConfig({ env, overrides: { dataDir: dir } });
  /** Whisper-base as npm ci installs it: a package folder holding the export the manifest names. */
  const withDefault = () => new ModelStore({ modelsDir: dir });
  const withNone = () => new ModelStore({ modelsDir: dir, packageDir: () => null });

  it('has the default model transcribe them when it is installed', async () => {
    expect(await demoTranscription(config(), ['es', 'en'], undefined, withDefault())).toEqual({
      via: 'pipeline',
      models: ['whisper-base'],
      fixture: false,
    });
  });

  it('keeps the reference transcripts without an installed model, or with --no-transcribe', async () => {
    const none = await demoTranscription(config(), ['es', 'en'], undefined, withNone());
    expect(none).toMatchObject({
      via: 'reference',
      why: expect.stringMatching(/escucha models fetch whisper-base/),
    });
    expect(await demoTranscription(config(), ['es'], false, withDefault())).toEqual({
      via: 'reference',
      why: '--no-transcribe',
    });
  });

  it('leaves them to the pipeline when asked even without a model, and always with the fixture model', async () => {
    expect(await demoTranscription(config(), ['es'], true, withNone())).toEqual({
      via: 'pipeline',
      models: [],
      fixture: false,
    });
    const fixture = config({ ESCUCHA_ASR_MODEL: 'fixture' });
    expect(await demoTranscription(fixture, ['es'], false, withNone())).toMatchObject({ fixture: true });
  });

  it('says how long the measured models take, and nothing for the others', () => {
    expect(transcriptionEstimate(['whisper-base'], 357_000)).toBe('about 1 min on 2 cores');
    expect(transcriptionEstimate(['whisper-small'], 30 * 60_000)).toBe('about 12 min on 2 cores');
    expect(transcriptionEstimate(['sherpa-zipformer-es'], 357_000)).toBeNull();
  });
});

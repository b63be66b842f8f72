import { describe, expect, it } from 'vitest';
import {
  FILE_ROLES,
  FIXTURE_LABEL,
  MODEL_FAMILIES,
  MODEL_MANIFEST,
  findModel,
  modelLabel,
  suggestedModel,
  supportsLanguage,
} from '../../../services/speech/model-manifest.ts';

const ROLES_BY_FAMILY: Record<string, string[]> = {
  whisper: ['encoder', 'decoder', 'tokens'],
  transducer: ['encoder', 'decoder', 'joiner', 'tokens'],
  'zipformer-ctc': ['model', 'tokens'],
  'nemo-ctc': ['model', 'tokens'],
  'sense-voice': ['model', 'tokens'],
  paraformer: ['model', 'tokens'],
};

describe('MODEL_MANIFEST', () => {
  it('has unique, command-line friendly names', () => {
    const names = MODEL_MANIFEST.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
  });

  it.each(MODEL_MANIFEST.map((m) => [m.name, m] as const))('%s is well-formed', (_name, m) => {
    expect(MODEL_FAMILIES).toContain(m.family);
    expect(m.languages.length).toBeGreaterThan(0);
    for (const l of m.languages) expect(l).toMatch(/^(\*|[a-z]{2,3})$/);
    expect(m.description.length).toBeGreaterThan(10);
    expect(m.files.map((f) => f.role).sort()).toEqual([...ROLES_BY_FAMILY[m.family]!].sort());
    for (const f of m.files) {
      expect(FILE_ROLES).toContain(f.role);
      expect(f.path).not.toMatch(/^\/|\.\./);
      if (f.sha256 !== null) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    if (m.testOnly) {
      expect(m.archive).toBeNull();
    } else {
      expect(m.archive?.url).toMatch(
        /^https:\/\/github\.com\/k2-fsa\/sherpa-onnx\/releases\/download\/asr-models\/sherpa-onnx-[A-Za-z0-9._-]+\.tar\.bz2$/,
      );
      if (m.archive?.sha256 !== null) expect(m.archive?.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (m.archive?.sizeBytes !== null) expect(m.archive?.sizeBytes).toBeGreaterThan(0);
    }
  });

  it('offers Whisper tiny, base and small, a Spanish and an English model, and real models covering es and en', () => {
    for (const n of ['whisper-tiny', 'whisper-base', 'whisper-small'])
      expect(findModel(n)?.spokenLanguageId).toBe(true);
    const real = MODEL_MANIFEST.filter((m) => !m.testOnly);
    expect(real.some((m) => m.family === 'transducer' && m.languages.includes('es'))).toBe(true);
    expect(real.some((m) => m.family === 'transducer' && m.languages.includes('en'))).toBe(true);
    expect(
      real.some((m) => m.family === 'nemo-ctc' && m.languages.includes('es') && m.languages.includes('en')),
    ).toBe(true);
  });

  it('labels the fixture as a test fixture everywhere', () => {
    const fixture = findModel('fixture')!;
    expect(fixture.testOnly).toBe(true);
    expect(fixture.family).toBe('zipformer-ctc');
    expect(fixture.description).toMatch(/^TEST FIXTURE/);
    expect(modelLabel('fixture')).toBe(FIXTURE_LABEL);
    expect(FIXTURE_LABEL).toBe('fixture (test-only)');
    expect(modelLabel('whisper-tiny')).toBe('whisper-tiny');
  });

  it('suggests an installable real model for each language', () => {
    for (const l of ['es', 'en', 'de', 'pt', 'ja', null]) {
      const s = findModel(suggestedModel(l));
      expect(s).toBeDefined();
      expect(s!.testOnly).toBeFalsy();
      if (l) expect(supportsLanguage(s!, l)).toBe(true);
    }
  });
});

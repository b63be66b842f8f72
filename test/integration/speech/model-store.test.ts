import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import type { ModelManifestEntry } from '../../../services/speech/model-manifest.ts';
import { DEFAULT_FIXTURE_DIR, ModelStore } from '../../../services/speech/model-store.ts';

const run = promisify(execFile);

function entry(name: string, url: string, sha256: string | null = null): ModelManifestEntry {
  return {
    name,
    family: 'zipformer-ctc',
    languages: ['es'],
    description: 'a model archive served by this test',
    license: 'test',
    files: [
      { role: 'model', path: 'model.onnx', sha256: null },
      { role: 'tokens', path: 'tokens.txt', sha256: null },
    ],
    archive: { kind: 'release', url, sha256, sizeBytes: null },
  };
}

describe(ModelStore.name, () => {
  let root: string;
  let server: Server;
  let base: string;
  let archive: Buffer;
  let archiveSha: string;
  let incomplete: Buffer;
  let closedPort: number;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'escucha-models-'));
    // A real .tar.bz2 laid out like the sherpa-onnx releases: one top folder with the model files.
    const src = path.join(root, 'src', 'sherpa-onnx-tiny-ctc');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'model.onnx'), Buffer.alloc(300_000, 7));
    await writeFile(path.join(src, 'tokens.txt'), '<blk> 0\n▁ 1\na 2\n');
    await run('tar', [
      '-cjf',
      path.join(root, 'good.tar.bz2'),
      '-C',
      path.join(root, 'src'),
      'sherpa-onnx-tiny-ctc',
    ]);
    await rm(path.join(src, 'tokens.txt'));
    await run('tar', [
      '-cjf',
      path.join(root, 'incomplete.tar.bz2'),
      '-C',
      path.join(root, 'src'),
      'sherpa-onnx-tiny-ctc',
    ]);
    archive = await readFile(path.join(root, 'good.tar.bz2'));
    incomplete = await readFile(path.join(root, 'incomplete.tar.bz2'));
    archiveSha = createHash('sha256').update(archive).digest('hex');

    server = createServer((req, res) => {
      if (req.url === '/good.tar.bz2') {
        res.writeHead(200, { 'content-length': archive.length });
        // Several chunks, so progress is reported more than once.
        const third = Math.ceil(archive.length / 3);
        res.write(archive.subarray(0, third));
        res.write(archive.subarray(third, 2 * third));
        res.end(archive.subarray(2 * third));
      } else if (req.url === '/incomplete.tar.bz2') {
        res.writeHead(200, { 'content-length': incomplete.length });
        res.end(incomplete);
      } else if (req.url === '/broken.tar.bz2') {
        res.writeHead(200, { 'content-length': archive.length });
        res.write(archive.subarray(0, Math.floor(archive.length / 2)), () => res.socket?.destroy());
      } else {
        res.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  });

  async function storeWith(name: string, manifest: ModelManifestEntry[]) {
    const dir = path.join(root, name);
    return { dir, store: new ModelStore({ modelsDir: dir, manifest }) };
  }

  it('fails a download it cannot make with a clear message and leaves no partial folder', async () => {
    const url = `http://127.0.0.1:${closedPort}/sherpa-onnx-tiny-ctc.tar.bz2`;
    const { dir, store } = await storeWith('refused', [entry('tiny-ctc', url)]);
    const error = await store.fetch('tiny-ctc').catch((e: unknown) => e);
    expect(isEscuchaError(error, 'MODEL_DOWNLOAD_FAILED')).toBe(true);
    expect((error as Error).message).toBe(
      `cannot download ${url}: connect ECONNREFUSED 127.0.0.1:${closedPort}. Download it elsewhere and unpack it into ` +
        `${path.join(dir, 'tiny-ctc')} (the files of its top folder directly in there), then run escucha models verify tiny-ctc`,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the host that does not resolve', async () => {
    const url = 'https://models.escucha.invalid/sherpa-onnx-whisper-tiny.tar.bz2';
    const { dir, store } = await storeWith('nxdomain', [entry('whisper-tiny', url)]);
    await expect(store.fetch('whisper-tiny')).rejects.toThrow(
      /^cannot download https:\/\/models\.escucha\.invalid\/sherpa-onnx-whisper-tiny\.tar\.bz2: .*(ENOTFOUND|EAI_AGAIN).*Download it elsewhere and unpack it into .*whisper-tiny .*then run escucha models verify whisper-tiny$/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports an HTTP error status', async () => {
    const { dir, store } = await storeWith('404', [entry('tiny-ctc', `${base}/missing.tar.bz2`)]);
    await expect(store.fetch('tiny-ctc')).rejects.toThrow(
      /^cannot download .*missing\.tar\.bz2: HTTP 404 Not Found\. Download it elsewhere/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails a transfer that breaks off and leaves no partial folder', async () => {
    const { dir, store } = await storeWith('broken', [entry('tiny-ctc', `${base}/broken.tar.bz2`)]);
    await expect(store.fetch('tiny-ctc')).rejects.toThrow(
      /^cannot download .*broken\.tar\.bz2: (the transfer broke off|received)/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an archive whose sha256 differs from the pinned one and installs nothing', async () => {
    const pinned = '0'.repeat(64);
    const { dir, store } = await storeWith('mismatch', [entry('tiny-ctc', `${base}/good.tar.bz2`, pinned)]);
    const error = await store.fetch('tiny-ctc').catch((e: unknown) => e);
    expect(isEscuchaError(error, 'MODEL_CHECKSUM_MISMATCH')).toBe(true);
    expect((error as Error).message).toContain(`expected sha256 ${pinned}, got ${archiveSha}`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an archive that lacks a file of the manifest', async () => {
    const { dir, store } = await storeWith('incomplete', [entry('tiny-ctc', `${base}/incomplete.tar.bz2`)]);
    await expect(store.fetch('tiny-ctc')).rejects.toThrow(/lacks tokens\.txt/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('downloads with progress, unpacks into place, and verifies an unpinned model against its download', async () => {
    const { dir, store } = await storeWith('good', [entry('tiny-ctc', `${base}/good.tar.bz2`)]);
    expect((await store.status('tiny-ctc')).state).toBe('missing');
    const progress: number[] = [];
    const result = await store.fetch('tiny-ctc', (p) => {
      expect(p.totalBytes).toBe(archive.length);
      progress.push(p.receivedBytes);
    });
    expect(result).toMatchObject({
      name: 'tiny-ctc',
      archiveSha256: archiveSha,
      sizeBytes: archive.length,
      pinned: false,
      alreadyInstalled: false,
    });
    expect(progress.at(-1)).toBe(archive.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect((await readdir(dir)).sort()).toEqual(['tiny-ctc']);
    expect((await readdir(path.join(dir, 'tiny-ctc'))).sort()).toEqual([
      '.escucha-model.json',
      'model.onnx',
      'tokens.txt',
    ]);

    const resolved = await store.resolve('tiny-ctc');
    expect(resolved.paths).toEqual({
      model: path.join(dir, 'tiny-ctc', 'model.onnx'),
      tokens: path.join(dir, 'tiny-ctc', 'tokens.txt'),
    });
    expect(await store.installed()).toEqual(['tiny-ctc']);

    const ok = await store.verify('tiny-ctc');
    expect(ok.ok).toBe(true);
    expect(ok.pinned).toBe(false);
    expect(ok.summary).toMatch(
      new RegExp(`^ok, unpinned \\(files match the download of .*, archive sha256 ${archiveSha}\\)$`),
    );

    expect((await store.fetch('tiny-ctc')).alreadyInstalled).toBe(true);

    await writeFile(path.join(dir, 'tiny-ctc', 'tokens.txt'), 'a 0\nb 1\n');
    const changed = await store.verify('tiny-ctc');
    expect(changed.ok).toBe(false);
    expect(changed.state).toBe('invalid');
    expect(changed.problems.join('\n')).toMatch(/tokens\.txt: changed since it was fetched/);
    expect(changed.problems.join('\n')).toMatch(/no blank symbol/);

    // sherpa-onnx would end the process on such a vocabulary: it is refused before loading.
    await expect(store.resolve('tiny-ctc')).rejects.toThrow(
      /tokens\.txt has no blank symbol .*; it cannot be loaded$/,
    );

    await rm(path.join(dir, 'tiny-ctc', 'model.onnx'));
    expect((await store.verify('tiny-ctc')).state).toBe('incomplete');
    await expect(store.resolve('tiny-ctc')).rejects.toThrow(
      /model tiny-ctc is not installed .* — run escucha models fetch tiny-ctc$/,
    );
  });

  it('says a model is missing, with the command to fetch it', async () => {
    const { store } = await storeWith('empty', [entry('tiny-ctc', `${base}/good.tar.bz2`)]);
    const v = await store.verify('tiny-ctc');
    expect(v).toMatchObject({ ok: false, state: 'missing' });
    expect(v.summary).toMatch(/not installed in .* — run escucha models fetch tiny-ctc$/);
    await expect(store.fetch('nope')).rejects.toThrow(/unknown model "nope"; known models: tiny-ctc/);
  });

  it('refuses to download the test fixture', async () => {
    const store = new ModelStore({ modelsDir: path.join(root, 'fixture-dl') });
    await expect(store.fetch('fixture')).rejects.toThrow(/fixture \(test-only\) is not downloadable/);
  });

  it('verifies the trained test fixture model', async () => {
    if (!existsSync(path.join(DEFAULT_FIXTURE_DIR, 'model.onnx'))) {
      throw new Error(
        `the test fixture ASR model is missing: ${path.join(DEFAULT_FIXTURE_DIR, 'model.onnx')} must be trained and committed (see test/fixtures/asr-model)`,
      );
    }
    const store = new ModelStore({ modelsDir: path.join(root, 'unused') });
    const v = await store.verify('fixture');
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.label).toBe('fixture (test-only)');
    expect(v.summary).toMatch(/^TEST FIXTURE ok, unpinned/);
    expect(v.files.map((f) => f.path)).toEqual(['model.onnx', 'tokens.txt']);
    expect((await store.status('fixture')).state).toBe('installed');
  });
});

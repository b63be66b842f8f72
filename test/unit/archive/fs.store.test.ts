import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import { buildObjectKey } from '../../../services/archive/object-key.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isEscuchaError(error) ? error.code : `not-escucha: ${String(error)}`;
  }
  return undefined;
}

/** Every file under a folder, relative paths. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function chunked(data: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

const key = buildObjectKey({
  callId: '0b0c8f3e-6a1d-4c52-9e0f-2f4b9d1a7c33',
  startedAt: new Date('2026-11-23T10:15:02Z'),
  agentId: 'María Peña',
  number: '+34600123456',
  disposition: 'promesa',
  extension: 'ogg',
});

describe(FsObjectStore.name, () => {
  let root: string;
  let store: FsObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'escucha-fs-store-'));
    store = new FsObjectStore({ root: path.join(root, 'objects') });
  });

  afterEach(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips a streamed object and reports the sha256 and size of its bytes', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const result = await store.put(key, chunked(data, 64 * 1024), {
      contentType: 'audio/ogg',
      metadata: { 'call-id': 'x' },
    });
    expect(result).toEqual({
      key,
      sizeBytes: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
    expect((await readAll(await store.get(key))).equals(data)).toBe(true);
    expect(await store.head(key)).toEqual({
      key,
      sizeBytes: data.length,
      contentType: 'audio/ogg',
      version: expect.any(String),
    });
    expect((await stat(path.join(root, 'objects', ...key.split('/')))).size).toBe(data.length);
    // The version changes when the stored bytes are modified in place, and only then.
    const before = (await store.head(key)).version;
    expect((await store.head(key)).version).toBe(before);
    const file = path.join(root, 'objects', ...key.split('/'));
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(file, Buffer.concat([Buffer.from([data[0]! ^ 1]), data.subarray(1)]));
    expect((await store.head(key)).version).not.toBe(before);
    // Nothing is left in the incoming folder.
    expect(await readdir(path.join(root, 'objects', '.incoming'))).toEqual([]);
  });

  it('stores an empty object when the body is empty', async () => {
    const result = await store.put(key, Readable.from([]), { contentType: 'audio/ogg' });
    expect(result.sizeBytes).toBe(0);
    expect(result.sha256).toBe(createHash('sha256').digest('hex'));
    expect((await readAll(await store.get(key))).length).toBe(0);
  });

  it('returns exactly the requested bytes when given inclusive ranges', async () => {
    const data = randomBytes(100_000);
    await store.put(key, chunked(data, 4096), { contentType: 'audio/ogg' });
    const cases: [number, number][] = [
      [0, 0],
      [0, 99_999],
      [1, 1],
      [4095, 4096],
      [12_345, 67_890],
      [99_999, 99_999],
    ];
    for (const [start, end] of cases) {
      const got = await readAll(await store.get(key, { start, end }));
      expect(got.equals(data.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
    // An end past the last byte is clamped, as HTTP ranges are.
    expect(
      (await readAll(await store.get(key, { start: 99_990, end: 200_000 }))).equals(data.subarray(99_990)),
    ).toBe(true);
    expect(await codeOf(store.get(key, { start: 100_000, end: 100_001 }))).toBe('RANGE_NOT_SATISFIABLE');
    expect(await codeOf(store.get(key, { start: 5, end: 4 }))).toBe('BAD_REQUEST');
    expect(await codeOf(store.get(key, { start: -1, end: 4 }))).toBe('BAD_REQUEST');
  });

  it('answers OBJECT_NOT_FOUND for head and get when the key is absent', async () => {
    expect(await codeOf(store.head(key))).toBe('OBJECT_NOT_FOUND');
    expect(await codeOf(store.get(key))).toBe('OBJECT_NOT_FOUND');
    expect(await codeOf(store.get(key, { start: 0, end: 1 }))).toBe('OBJECT_NOT_FOUND');
  });

  it('answers OBJECT_NOT_FOUND when the key names a folder', async () => {
    await store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'audio/ogg' });
    const folder = key.split('/').slice(0, 3).join('/');
    expect(await codeOf(store.head(folder))).toBe('OBJECT_NOT_FOUND');
    expect(await codeOf(store.get(folder))).toBe('OBJECT_NOT_FOUND');
  });

  it('deletes idempotently and prunes the emptied date folders', async () => {
    await store.put(key, Readable.from([Buffer.from('hola')]), { contentType: 'audio/ogg' });
    await store.delete(key);
    expect(await codeOf(store.head(key))).toBe('OBJECT_NOT_FOUND');
    await expect(store.delete(key)).resolves.toBeUndefined();
    await expect(store.delete('2020/01/01/never/was.ogg')).resolves.toBeUndefined();
    expect(await filesUnder(path.join(root, 'objects'))).toEqual([]);
    expect(await readdir(path.join(root, 'objects'))).not.toContain('2026');
  });

  it('replaces an object and its content type when the same key is written again', async () => {
    await store.put(key, Readable.from([Buffer.from('first version')]), { contentType: 'audio/ogg' });
    await store.put(key, Readable.from([Buffer.from('2nd')]), { contentType: 'audio/flac' });
    expect(await store.head(key)).toEqual({
      key,
      sizeBytes: 3,
      contentType: 'audio/flac',
      version: expect.any(String),
    });
    expect((await readAll(await store.get(key))).toString()).toBe('2nd');
  });

  it('rejects with the source error and leaves no file when the body fails mid-stream', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 5) {
          this.destroy(new Error('transcoder died'));
          return;
        }
        sent++;
        this.push(randomBytes(64 * 1024));
      },
    });
    await expect(store.put(key, failing, { contentType: 'audio/ogg' })).rejects.toThrow('transcoder died');
    expect(sent).toBe(5);
    expect(await codeOf(store.head(key))).toBe('OBJECT_NOT_FOUND');
    expect(await filesUnder(path.join(root, 'objects'))).toEqual([]);
  });

  it('keeps the previous object intact when an overwrite fails mid-stream', async () => {
    await store.put(key, Readable.from([Buffer.from('good')]), { contentType: 'audio/ogg' });
    const failing = new Readable({
      read() {
        this.destroy(new Error('boom'));
      },
    });
    await expect(store.put(key, failing, { contentType: 'audio/flac' })).rejects.toThrow('boom');
    expect(await store.head(key)).toEqual({
      key,
      sizeBytes: 4,
      contentType: 'audio/ogg',
      version: expect.any(String),
    });
    expect((await readAll(await store.get(key))).toString()).toBe('good');
  });

  it('refuses hostile keys with BAD_REQUEST and writes nothing', async () => {
    const hostile = [
      '/etc/passwd',
      '../escape.ogg',
      'a/../../escape.ogg',
      'a\\..\\b',
      'a\0b',
      'a//b',
      'a/',
      '',
      '.incoming/x',
      '.meta/x.json',
    ];
    for (const bad of hostile) {
      expect(
        await codeOf(store.put(bad, Readable.from([Buffer.from('x')]), { contentType: 'a/b' })),
        bad,
      ).toBe('BAD_REQUEST');
      expect(await codeOf(store.head(bad)), bad).toBe('BAD_REQUEST');
      expect(await codeOf(store.get(bad)), bad).toBe('BAD_REQUEST');
      expect(await codeOf(store.delete(bad)), bad).toBe('BAD_REQUEST');
    }
    expect(await filesUnder(root)).toEqual([]);
  });

  it('derives the content type from the extension when the sidecar is missing', async () => {
    await store.put(key, Readable.from([Buffer.from('x')]), { contentType: 'audio/ogg' });
    await rm(path.join(root, 'objects', '.meta'), { recursive: true });
    expect((await store.head(key)).contentType).toBe('audio/ogg');
  });

  it('passes check when the folder is writable and creates it when absent', async () => {
    await expect(store.check()).resolves.toBeUndefined();
    expect((await stat(path.join(root, 'objects'))).isDirectory()).toBe(true);
  });

  it('fails check with STORAGE_UNAVAILABLE naming the folder when it cannot be created', async () => {
    const blocker = path.join(root, 'file');
    await writeFile(blocker, 'not a folder');
    const broken = new FsObjectStore({ root: path.join(blocker, 'objects') });
    try {
      await broken.check();
      expect.unreachable();
    } catch (error) {
      expect(isEscuchaError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain(path.join(blocker, 'objects'));
    }
    expect(await codeOf(broken.put(key, Readable.from([Buffer.from('x')]), { contentType: 'a/b' }))).toBe(
      'STORAGE_ERROR',
    );
  });

  it('reports STORAGE_ERROR, not a body failure, when the store side fails during a put', async () => {
    // /proc refuses new files even to root: the temp file cannot be created, the body itself is fine.
    await mkdir(path.join(root, 'objects'), { recursive: true });
    await symlink('/proc', path.join(root, 'objects', '.incoming'));
    const body = Readable.from([Buffer.from('x')]);
    expect(await codeOf(store.put(key, body, { contentType: 'a/b' }))).toBe('STORAGE_ERROR');
    expect(body.destroyed).toBe(true);
  });

  it('handles concurrent puts and deletes in the same folders', async () => {
    const keys = Array.from({ length: 20 }, (_, i) =>
      buildObjectKey({
        callId: `0b0c8f3e-6a1d-4c52-9e0f-${String(i).padStart(12, '0')}`,
        startedAt: new Date('2026-11-23T10:15:02Z'),
        extension: 'ogg',
      }),
    );
    await Promise.all(
      keys.map((k) => store.put(k, Readable.from([Buffer.from(k)]), { contentType: 'audio/ogg' })),
    );
    await Promise.all(
      keys.map((k, i) =>
        i % 2 === 0
          ? store.delete(k)
          : store.put(k, Readable.from([Buffer.from('again')]), { contentType: 'audio/ogg' }),
      ),
    );
    for (const [i, k] of keys.entries()) {
      if (i % 2 === 0) expect(await codeOf(store.head(k))).toBe('OBJECT_NOT_FOUND');
      else expect((await readAll(await store.get(k))).toString()).toBe('again');
    }
  });
});

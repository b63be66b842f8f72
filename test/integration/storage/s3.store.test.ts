import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildObjectKey } from '../../../services/archive/object-key.ts';
import { S3ObjectStore, type S3StoreConfig } from '../../../services/archive/s3.store.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import { closedPort, startS3Server, type S3TestServer } from '../../support/s3-server.ts';

const MiB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isEscuchaError(error) ? error.code : `not-escucha: ${String(error)}`;
  }
  return undefined;
}

/**
 * Pseudo-random bytes generated 256 KiB at a time, never held whole; `hash` is the sha256 of what was produced.
 * `failAfter` makes the stream error once that many bytes have been produced (and `beforeFail` resolved).
 */
function generated(total: number, options: { failAfter?: number; beforeFail?: () => Promise<void> } = {}) {
  const hash = createHash('sha256');
  let produced = 0;
  let failing = false;
  const stream = new Readable({
    highWaterMark: 256 * 1024,
    read() {
      if (options.failAfter !== undefined && produced >= options.failAfter) {
        if (failing) return;
        failing = true;
        void (options.beforeFail?.() ?? Promise.resolve()).then(() =>
          this.destroy(new Error('recording source failed')),
        );
        return;
      }
      if (produced >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(256 * 1024, total - produced));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, hash: () => hash.digest('hex') };
}

function partRequests(server: S3TestServer, key: string) {
  const path = `/${server.bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
  return server.requests.filter(
    (r) => r.method === 'PUT' && r.url.startsWith(`${path}?`) && r.url.includes('partNumber='),
  );
}

describe(S3ObjectStore.name, () => {
  let server: S3TestServer;
  let config: S3StoreConfig;
  let store: S3ObjectStore;
  let n = 0;
  const newKey = (extension = 'ogg') =>
    buildObjectKey({
      callId: `6f1c2a9e-3b7d-4e8a-9c0f-${String(++n).padStart(12, '0')}`,
      startedAt: new Date('2026-11-23T10:15:02Z'),
      agentId: 'María Peña',
      number: '+34 600 123 456',
      disposition: 'promesa de pago',
      extension,
    });

  beforeAll(async () => {
    server = await startS3Server();
    config = {
      endpoint: server.endpoint,
      bucket: server.bucket,
      region: 'us-east-1',
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      forcePathStyle: true,
      serverSideEncryption: 'none',
      partSizeMb: 5,
      createBucket: false,
    };
    store = new S3ObjectStore(config);
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
  });

  it('passes check when the bucket exists', async () => {
    await expect(store.check()).resolves.toBeUndefined();
  });

  it('round-trips a 12 MiB stream through a multipart upload with the sha256 of its bytes', async () => {
    const key = newKey();
    const source = generated(12 * MiB);
    const put = await store.put(key, source.stream, {
      contentType: 'audio/ogg',
      metadata: { 'call-id': 'x' },
    });
    const sourceHash = source.hash();
    expect(put).toEqual({ key, sizeBytes: 12 * MiB, sha256: sourceHash });
    // 5 MiB parts: 5 + 5 + 2.
    expect(
      partRequests(server, key).map((r) => new URL(r.url, 'http://x').searchParams.get('partNumber')),
    ).toEqual(expect.arrayContaining(['1', '2', '3']));
    expect(partRequests(server, key)).toHaveLength(3);
    const downloaded = await sha256Of(await store.get(key));
    expect(downloaded).toEqual({ sha256: sourceHash, size: 12 * MiB });
    expect(await store.head(key)).toEqual({
      key,
      sizeBytes: 12 * MiB,
      contentType: 'audio/ogg',
      version: expect.any(String),
    });
  });

  it('stores a body smaller than one part with a single PutObject', async () => {
    const key = newKey('flac');
    const data = randomBytes(300_000);
    const put = await store.put(key, Readable.from([data]), { contentType: 'audio/flac' });
    expect(put.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(partRequests(server, key)).toHaveLength(0);
    expect((await readAll(await store.get(key))).equals(data)).toBe(true);
    expect(await store.head(key)).toEqual({
      key,
      sizeBytes: data.length,
      contentType: 'audio/flac',
      version: expect.any(String),
    });
  });

  it('returns exactly the requested bytes when given ranges, across part boundaries too', async () => {
    const key = newKey();
    const chunks: Buffer[] = [];
    const source = generated(11 * MiB);
    source.stream.on('data', (c: Buffer) => chunks.push(c));
    await store.put(key, source.stream, { contentType: 'audio/ogg' });
    const data = Buffer.concat(chunks);
    const ranges: [number, number][] = [
      [0, 1],
      [0, 1023],
      [5 * MiB - 10, 5 * MiB + 9],
      [7_654_321, 7_654_321],
      [11 * MiB - 100, 11 * MiB - 1],
    ];
    for (const [start, end] of ranges) {
      const got = await readAll(await store.get(key, { start, end }));
      expect(got.length, `${start}-${end}`).toBe(end - start + 1);
      expect(got.equals(data.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
    expect(await codeOf(store.get(key, { start: 9, end: 3 }))).toBe('BAD_REQUEST');
    expect(await codeOf(store.get(key, { start: 11 * MiB, end: 11 * MiB + 5 }))).toBe(
      'RANGE_NOT_SATISFIABLE',
    );
  });

  it('fails with STORAGE_ERROR instead of returning other bytes when the server ignores the range', async () => {
    // s3rver 3.7 reads `bytes=0-0` as "from 0 to the end" and answers with the whole object; real S3 does not.
    const key = newKey();
    await store.put(key, Readable.from([randomBytes(1000)]), { contentType: 'audio/ogg' });
    expect(await codeOf(store.get(key, { start: 0, end: 0 }))).toBe('STORAGE_ERROR');
  });

  it('answers OBJECT_NOT_FOUND after delete, and deleting again is not an error', async () => {
    const key = newKey();
    await store.put(key, Readable.from([Buffer.from('hola')]), { contentType: 'audio/ogg' });
    await store.delete(key);
    expect(await codeOf(store.head(key))).toBe('OBJECT_NOT_FOUND');
    expect(await codeOf(store.get(key))).toBe('OBJECT_NOT_FOUND');
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  it('rejects with the source error, aborts the multipart upload and leaves no object when the body fails', async () => {
    const key = newKey();
    // Fail only once the server has received a part, so a multipart upload really is under way.
    const source = generated(20 * MiB, {
      failAfter: 11 * MiB,
      beforeFail: async () => {
        while (partRequests(server, key).length === 0) await new Promise((r) => setTimeout(r, 20));
      },
    });
    await expect(store.put(key, source.stream, { contentType: 'audio/ogg' })).rejects.toThrow(
      'recording source failed',
    );
    expect(partRequests(server, key).length).toBeGreaterThan(0);
    const objectPath = `/${server.bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}?`;
    const aborts = server.requests.filter(
      (r) => r.method === 'DELETE' && r.url.startsWith(objectPath) && r.url.includes('uploadId='),
    );
    expect(aborts).toHaveLength(1);
    expect(await server.pendingUploads()).toEqual([]);
    expect(await codeOf(store.head(key))).toBe('OBJECT_NOT_FOUND');
  });

  it('refuses hostile keys before sending anything', async () => {
    const before = server.requests.length;
    for (const bad of ['../x', '/abs', 'a//b', 'a\\b', 'a\0b']) {
      expect(await codeOf(store.put(bad, Readable.from([Buffer.from('x')]), { contentType: 'a/b' }))).toBe(
        'BAD_REQUEST',
      );
      expect(await codeOf(store.head(bad))).toBe('BAD_REQUEST');
    }
    expect(server.requests.length).toBe(before);
  });

  it('requests server-side encryption on every upload when configured', async () => {
    const sse = new S3ObjectStore({ ...config, serverSideEncryption: 'AES256' });
    try {
      const small = newKey();
      const large = newKey();
      await sse.put(small, Readable.from([Buffer.from('x')]), { contentType: 'audio/ogg' });
      await sse.put(large, generated(6 * MiB).stream, { contentType: 'audio/ogg' });
      const uploads = server.requests.filter(
        (r) =>
          (r.method === 'PUT' && !r.url.includes('partNumber=') && r.url.includes(small.split('/')[3]!)) ||
          (r.method === 'POST' && r.url.includes('uploads') && r.url.includes(large.split('/')[3]!)),
      );
      expect(uploads).toHaveLength(2);
      for (const r of uploads) expect(r.headers['x-amz-server-side-encryption']).toBe('AES256');
    } finally {
      await sse.close();
    }
  });

  it('creates the bucket in check when createBucket is set, and reports it missing otherwise', async () => {
    const missing = new S3ObjectStore({ ...config, bucket: 'escucha-missing' });
    const creating = new S3ObjectStore({ ...config, bucket: 'escucha-created', createBucket: true });
    try {
      const error = await missing.check().catch((e: unknown) => e);
      expect(isEscuchaError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain('escucha-missing');
      await expect(creating.check()).resolves.toBeUndefined();
      await expect(creating.check()).resolves.toBeUndefined();
      const key = newKey();
      await creating.put(key, Readable.from([Buffer.from('ok')]), { contentType: 'audio/ogg' });
      expect((await creating.head(key)).sizeBytes).toBe(2);
    } finally {
      await missing.close();
      await creating.close();
    }
  });

  it('reports STORAGE_UNAVAILABLE naming endpoint and bucket when nothing listens there', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const down = new S3ObjectStore({ ...config, endpoint }, { maxAttempts: 2 });
    try {
      for (const attempt of [
        () => down.check(),
        () => down.put(newKey(), Readable.from([Buffer.from('x')]), { contentType: 'audio/ogg' }),
        () => down.put(newKey(), generated(7 * MiB).stream, { contentType: 'audio/ogg' }),
        () => down.head(newKey()),
        () => down.get(newKey()),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(isEscuchaError(error, 'STORAGE_UNAVAILABLE'), String(error)).toBe(true);
        expect((error as Error).message).toContain(endpoint);
        expect((error as Error).message).toContain(config.bucket);
      }
    } finally {
      await down.close();
    }
  });

  it('reports STORAGE_UNAVAILABLE when the server stops after working', async () => {
    const other = await startS3Server({ bucket: 'escucha-stopping' });
    const s = new S3ObjectStore(
      { ...config, endpoint: other.endpoint, bucket: other.bucket },
      { maxAttempts: 1 },
    );
    try {
      await s.check();
      await other.stop();
      expect(await codeOf(s.check())).toBe('STORAGE_UNAVAILABLE');
      expect(
        await codeOf(s.put(newKey(), Readable.from([Buffer.from('x')]), { contentType: 'audio/ogg' })),
      ).toBe('STORAGE_UNAVAILABLE');
    } finally {
      await s.close();
    }
  });
});

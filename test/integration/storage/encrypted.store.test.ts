import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptedObjectStore } from '../../../services/archive/encryption/encrypted.store.ts';
import {
  DEFAULT_CHUNK_BYTES,
  HEADER_BYTES,
  TAG_BYTES,
  encryptedSize,
} from '../../../services/archive/encryption/envelope.ts';
import { MasterKeyring, addMasterKey } from '../../../services/archive/encryption/keyring.ts';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import type { ObjectStore } from '../../../services/archive/object-store.ts';
import { S3ObjectStore } from '../../../services/archive/s3.store.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import { startS3Server, type S3TestServer } from '../../support/s3-server.ts';

const C = DEFAULT_CHUNK_BYTES;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

async function failure(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    return isEscuchaError(error) ? `${error.code}: ${error.message}` : `not-escucha: ${String(error)}`;
  }
  return 'no error';
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
/** A recording-like body: recognisable text repeated, so finding it in the stored bytes is meaningful. */
function body(size: number): Buffer {
  const marker = Buffer.from('OggS customer card 4111111111111111 ');
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += marker.length) marker.copy(out, i);
  return out;
}

async function keyring(dir: string, ...ids: string[]): Promise<MasterKeyring> {
  const file = path.join(dir, `keys-${ids.join('-')}.json`);
  for (const id of ids) await addMasterKey(file, id);
  return MasterKeyring.load(file);
}

/** The same checks over the local folder and over an S3 server (client-side encryption). */
describe.each(['fs', 's3'] as const)('envelope encryption over the %s store', (kind) => {
  let dir: string;
  let server: S3TestServer | undefined;
  let inner: ObjectStore;
  let keys: MasterKeyring;
  let store: EncryptedObjectStore;
  let n = 0;
  const key = () => `2026/12/06/call-${kind}-${++n}.ogg`;
  /** The stored (encrypted) bytes of an object, read around the encryption. */
  const stored = async (k: string) => readAll(await inner.get(k));
  /** Replaces the stored bytes of an object, bypassing encryption (tampering, or an older unencrypted object). */
  const overwrite = async (k: string, bytes: Buffer) => {
    await inner.put(k, Readable.from([bytes]), { contentType: 'audio/ogg' });
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'escucha-encrypted-'));
    if (kind === 'fs') {
      inner = new FsObjectStore({ root: path.join(dir, 'objects') });
    } else {
      server = await startS3Server();
      inner = new S3ObjectStore({
        endpoint: server.endpoint,
        bucket: server.bucket,
        region: 'us-east-1',
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        forcePathStyle: true,
        serverSideEncryption: 'none',
        partSizeMb: 5,
        createBucket: false,
      });
    }
    keys = await keyring(dir, 'k1');
    store = new EncryptedObjectStore(inner, keys);
  });

  afterAll(async () => {
    await inner?.close();
    await server?.stop();
  });

  it('stores ciphertext only, and gives back every size exactly, with the plaintext hash and size', async () => {
    for (const size of [0, 1, C - 1, C, C + 1, 3 * C + 17]) {
      const k = key();
      const plain = body(size);
      const put = await store.put(k, Readable.from([plain]), { contentType: 'audio/ogg' });
      expect(put).toEqual({ key: k, sizeBytes: size, sha256: sha256(plain) });
      const raw = await stored(k);
      expect(raw.length).toBe(encryptedSize(size, C));
      expect(raw.length).toBe(HEADER_BYTES + size + Math.max(1, Math.ceil(size / C)) * TAG_BYTES);
      if (size > 0) expect(raw.includes(Buffer.from('4111111111111111'))).toBe(false);
      expect((await readAll(await store.get(k))).equals(plain)).toBe(true);
      expect(await store.head(k)).toMatchObject({ sizeBytes: size, contentType: 'audio/ogg' });
    }
  });

  it('serves any byte range from the chunks that hold it', async () => {
    const k = key();
    const plain = randomBytes(4 * C + 1234);
    await store.put(k, Readable.from([plain]), { contentType: 'audio/ogg' });
    const ranges = [
      [0, 0],
      [0, C - 1],
      [C - 1, C],
      [C, 2 * C - 1],
      [5, 3 * C + 7],
      [4 * C, 4 * C + 1233],
      [plain.length - 1, plain.length - 1],
      [100, plain.length + 10_000], // past the end: clamped, as HTTP does
    ];
    for (let i = 0; i < 20; i++) {
      const a = Math.floor(Math.random() * plain.length);
      ranges.push([a, Math.min(plain.length - 1, a + Math.floor(Math.random() * 3 * C))]);
    }
    for (const [start, end] of ranges) {
      const got = await readAll(await store.get(k, { start: start!, end: end! }));
      expect(got.equals(plain.subarray(start, end! + 1)), `range ${start}-${end}`).toBe(true);
    }
    expect(await failure(() => store.get(k, { start: plain.length, end: plain.length + 5 }))).toMatch(
      /^RANGE_NOT_SATISFIABLE/,
    );
  });

  it('refuses altered, truncated, reordered or moved objects as RECORDING_CORRUPT', async () => {
    const plain = randomBytes(3 * C + 100);
    const k = key();
    await store.put(k, Readable.from([plain]), { contentType: 'audio/ogg' });
    const original = await stored(k);
    const sealed = C + TAG_BYTES;

    const flipped = Buffer.from(original);
    flipped[HEADER_BYTES + sealed + 10]! ^= 0x01; // one bit in the second chunk
    await overwrite(k, flipped);
    expect(await failure(async () => readAll(await store.get(k)))).toMatch(
      /^RECORDING_CORRUPT: .* fails authentication at chunk 1/,
    );
    expect(await failure(async () => readAll(await store.get(k, { start: C + 5, end: C + 6 })))).toMatch(
      /^RECORDING_CORRUPT/,
    );
    // the chunk before it is still readable on its own: damage is found where it is
    expect((await readAll(await store.get(k, { start: 0, end: 99 }))).equals(plain.subarray(0, 100))).toBe(
      true,
    );

    // cut after a whole chunk: the chunk now last was not sealed as the last
    await overwrite(k, original.subarray(0, HEADER_BYTES + 3 * sealed));
    expect(await failure(async () => readAll(await store.get(k)))).toMatch(/^RECORDING_CORRUPT/);

    // two chunks swapped
    const swapped = Buffer.concat([
      original.subarray(0, HEADER_BYTES),
      original.subarray(HEADER_BYTES + sealed, HEADER_BYTES + 2 * sealed),
      original.subarray(HEADER_BYTES, HEADER_BYTES + sealed),
      original.subarray(HEADER_BYTES + 2 * sealed),
    ]);
    await overwrite(k, swapped);
    expect(await failure(async () => readAll(await store.get(k)))).toMatch(/^RECORDING_CORRUPT/);

    // an object's bytes copied over another object: the header is bound to its key
    const other = key();
    await overwrite(other, original);
    expect(await failure(() => store.get(other))).toMatch(/^RECORDING_CORRUPT: the encryption header/);
  });

  it('reads objects stored before encryption was on, and refuses encrypted ones without the right key', async () => {
    const legacy = key();
    const plain = body(C + 50);
    await overwrite(legacy, plain);
    expect((await readAll(await store.get(legacy))).equals(plain)).toBe(true);
    expect(
      (await readAll(await store.get(legacy, { start: 10, end: 20 }))).equals(plain.subarray(10, 21)),
    ).toBe(true);

    const secret = key();
    await store.put(secret, Readable.from([plain]), { contentType: 'audio/ogg' });
    const noKeys = new EncryptedObjectStore(inner, undefined);
    expect(await failure(() => noKeys.get(secret))).toMatch(
      /^ENCRYPTION_KEY_UNKNOWN: .* no encryption key file is configured/,
    );
    const otherKeys = new EncryptedObjectStore(inner, await keyring(dir, 'elsewhere'));
    expect(await failure(() => otherKeys.get(secret))).toMatch(/^ENCRYPTION_KEY_UNKNOWN: .* master key k1/);
    // without a key file, new objects are stored as they are
    const plainKey = key();
    await noKeys.put(plainKey, Readable.from([plain]), { contentType: 'audio/ogg' });
    expect((await stored(plainKey)).equals(plain)).toBe(true);
  });

  it('rekey encrypts older objects and re-wraps under a new master key; the old key can then be dropped', async () => {
    const file = path.join(dir, `rotate-${kind}.json`);
    await addMasterKey(file, 'old');
    const before = new EncryptedObjectStore(inner, await MasterKeyring.load(file));
    const wrapped = key();
    const legacy = key();
    const a = randomBytes(2 * C + 3);
    const b = body(C / 2);
    await before.put(wrapped, Readable.from([a]), { contentType: 'audio/ogg' });
    await overwrite(legacy, b);
    const chunksBefore = (await stored(wrapped)).subarray(HEADER_BYTES);

    await addMasterKey(file, 'new');
    const after = new EncryptedObjectStore(inner, await MasterKeyring.load(file));
    expect(await after.rekey(wrapped)).toEqual({ action: 'rewrapped', from: 'old' });
    expect(await after.rekey(legacy)).toEqual({
      action: 'encrypted',
      sha256: sha256(b),
      sizeBytes: b.length,
    });
    expect(await after.rekey(wrapped)).toEqual({ action: 'current' });
    // re-wrapping rewrote the header only
    expect((await stored(wrapped)).subarray(HEADER_BYTES).equals(chunksBefore)).toBe(true);
    expect((await stored(legacy)).includes(Buffer.from('4111111111111111'))).toBe(false);

    const keyFile = JSON.parse(readFileSync(file, 'utf8')) as {
      current: string;
      keys: Record<string, string>;
    };
    delete keyFile.keys.old;
    writeFileSync(file, JSON.stringify(keyFile), { mode: 0o600 });
    const onlyNew = new EncryptedObjectStore(inner, await MasterKeyring.load(file));
    expect((await readAll(await onlyNew.get(wrapped))).equals(a)).toBe(true);
    expect((await readAll(await onlyNew.get(legacy))).equals(b)).toBe(true);
  });
});

import { PassThrough, type Readable, pipeline } from 'node:stream';
import { EscuchaError, isEscuchaError } from '../../platform/errors.ts';
import { checkRange } from '../fs.store.ts';
import { HashingStream } from '../hashing.ts';
import type { ByteRange, ObjectInfo, ObjectStore, PutResult } from '../object-store.ts';
import {
  DecryptStream,
  EncryptStream,
  type Envelope,
  HEADER_BYTES,
  isEnvelope,
  newEnvelope,
  openHeader,
  plainSize,
  rewrap,
  storedRange,
} from './envelope.ts';
import type { MasterKeyring } from './keyring.ts';

/** Object metadata naming the master key that wraps the object's data key (also in its header). */
const KEY_ID_METADATA = 'escucha-encryption-key';

/** How often an unknown master key makes the key file be read again. */
const RELOAD_EVERY_MS = 5_000;

/** What the first bytes of a stored object say: an envelope, or an object stored before encryption was on. */
type Layout = { encrypted: false } | { encrypted: true; envelope: Envelope; plainBytes: number };

/**
 * Envelope encryption around any object store (the local folder, or S3 as client-side encryption): every object
 * put is encrypted on the way in (envelope.ts) and decrypted on the way out, ranges included; sizes and hashes the
 * rest of Escucha sees are the plaintext's. Objects stored before encryption was turned on are still read as they
 * are, until `escucha archive rekey` encrypts them. Without a keyring (encryption off) plaintext objects are
 * written, and an encrypted object is refused with ENCRYPTION_KEY_UNKNOWN rather than served as noise.
 */
export class EncryptedObjectStore implements ObjectStore {
  /** Headers of recently read objects, by key and stored version: a player's range requests read it once. */
  private readonly layouts = new Map<string, Layout>();

  private lastReload = 0;

  /**
   * `reload` re-reads the key file: called when an object names a master key this process does not know (a key
   * added and objects re-wrapped by `escucha archive rekey` while it runs), at most every few seconds.
   */
  constructor(
    readonly inner: ObjectStore,
    private keyring: MasterKeyring | undefined,
    private readonly reload?: () => Promise<MasterKeyring>,
  ) {}

  get kind(): ObjectStore['kind'] {
    return this.inner.kind;
  }

  /** The master key new objects are wrapped with, if encryption is on. */
  get currentKeyId(): string | undefined {
    return this.keyring?.current.id;
  }

  async put(
    key: string,
    body: Readable,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<PutResult> {
    if (!this.keyring) return this.inner.put(key, body, options);
    return this.putEnvelope(key, body, newEnvelope(this.keyring.current, key), options);
  }

  /** Stores `body` (plaintext) under an existing envelope; used by put and by rekey for plaintext objects. */
  private async putEnvelope(
    key: string,
    body: Readable,
    envelope: Envelope,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<PutResult> {
    const hasher = new HashingStream();
    // pipeline: an error on either side destroys the others, so the store sees a failing body and vice versa.
    const encrypted = pipeline(body, hasher, new EncryptStream(envelope), ignore);
    await this.inner.put(key, encrypted, {
      ...options,
      metadata: { ...options.metadata, [KEY_ID_METADATA]: envelope.keyId },
    });
    return { key, sizeBytes: hasher.sizeBytes, sha256: hasher.sha256 };
  }

  async head(key: string): Promise<ObjectInfo> {
    const info = await this.inner.head(key);
    const layout = await this.layout(key, info);
    return layout.encrypted ? { ...info, sizeBytes: layout.plainBytes } : info;
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const info = await this.inner.head(key);
    const layout = await this.layout(key, info);
    if (!layout.encrypted) return this.inner.get(key, range);
    const { envelope, plainBytes } = layout;
    const wanted =
      range === undefined
        ? { start: 0, end: Math.max(0, plainBytes - 1) }
        : checkRange(range, plainBytes, key);
    const span = storedRange(wanted, envelope, plainBytes);
    const stored = await this.inner.get(key, span.stored);
    const decrypt = new DecryptStream(envelope, key, {
      firstChunk: span.firstChunk,
      lastChunk: span.lastChunk,
      finalChunk: span.finalChunk,
      skip: span.skip,
      take: plainBytes === 0 ? 0 : wanted.end - wanted.start + 1,
    });
    return pipeline(stored, decrypt, ignore);
  }

  delete(key: string): Promise<void> {
    for (const cached of this.layouts.keys()) if (cached.startsWith(`${key}\n`)) this.layouts.delete(cached);
    return this.inner.delete(key);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Makes one object match the current master key: an unencrypted object is encrypted, an object wrapped by an
   * older master key gets a new header (its chunks are copied unchanged). Returns what was done; the plaintext's
   * sha256 and size when it was (re)written from plaintext.
   */
  async rekey(
    key: string,
  ): Promise<
    | { action: 'current' }
    | { action: 'rewrapped'; from: string }
    | { action: 'encrypted'; sha256: string; sizeBytes: number }
  > {
    if (!this.keyring) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        'rekey needs an encryption key file (ESCUCHA_ENCRYPTION_KEY_FILE)',
      );
    }
    const info = await this.inner.head(key);
    const layout = await this.layout(key, info);
    if (!layout.encrypted) {
      const put = await this.putEnvelope(
        key,
        await this.inner.get(key),
        newEnvelope(this.keyring.current, key),
        {
          contentType: info.contentType,
        },
      );
      return { action: 'encrypted', sha256: put.sha256, sizeBytes: put.sizeBytes };
    }
    const { envelope } = layout;
    if (envelope.keyId === this.keyring.current.id) return { action: 'current' };
    const next = rewrap(envelope, this.keyring.current, key);
    const chunks = await this.inner.get(key, { start: HEADER_BYTES, end: info.sizeBytes - 1 });
    const body = new PassThrough();
    body.write(next.header);
    const rest = pipeline(chunks, body, ignore);
    await this.inner.put(key, rest, {
      contentType: info.contentType,
      metadata: { [KEY_ID_METADATA]: next.keyId },
    });
    return { action: 'rewrapped', from: envelope.keyId };
  }

  private async openHeader(header: Buffer, key: string): Promise<Envelope> {
    try {
      return openHeader(header, this.keyring, key);
    } catch (error) {
      if (!isEscuchaError(error, 'ENCRYPTION_KEY_UNKNOWN') || !this.reload) throw error;
      if (Date.now() - this.lastReload < RELOAD_EVERY_MS) throw error;
      this.lastReload = Date.now();
      this.keyring = await this.reload();
      return openHeader(header, this.keyring, key);
    }
  }

  private async layout(key: string, info: ObjectInfo): Promise<Layout> {
    const cacheKey = `${key}\n${info.version}`;
    const cached = this.layouts.get(cacheKey);
    if (cached) return cached;
    let layout: Layout = { encrypted: false };
    if (info.sizeBytes >= HEADER_BYTES) {
      const start = await readAll(await this.inner.get(key, { start: 0, end: HEADER_BYTES - 1 }));
      if (isEnvelope(start)) {
        const envelope = await this.openHeader(start, key);
        layout = {
          encrypted: true,
          envelope,
          plainBytes: plainSize(info.sizeBytes, envelope.chunkSize, key),
        };
      }
    }
    this.layouts.set(cacheKey, layout);
    if (this.layouts.size > 2_000) this.layouts.delete(this.layouts.keys().next().value!);
    return layout;
  }
}

/** Errors reach the stream's reader: pipeline destroys every stream of the chain with the first one. */
function ignore(): void {}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { EscuchaError } from '../../platform/errors.ts';
import type { ByteRange } from '../object-store.ts';
import { MAX_KEY_ID_BYTES, type MasterKey, type MasterKeyring } from './keyring.ts';

/**
 * The layout of an encrypted object (envelope encryption, AES-256-GCM throughout):
 *
 *   header (HEADER_BYTES) | chunk 0 | chunk 1 | … | chunk n-1
 *
 * The header holds the id of the master key, the object's own random 256-bit data key wrapped (AES-GCM) by that
 * master key, a random 7-byte nonce prefix and the chunk size. The wrap authenticates the header and the object key,
 * so a header cannot be moved to another object or altered. Each chunk is `chunkSize` plaintext bytes (the last one
 * fewer, possibly none) sealed with the data key under the nonce prefix ‖ chunk index (32 bits) ‖ last-chunk flag,
 * followed by its 16-byte tag: chunks cannot be reordered, dropped or cut at the end without failing authentication
 * (the STREAM construction). Any plaintext byte range maps to whole chunks, so ranges are read without the rest.
 * Re-wrapping with a new master key rewrites the header only; the chunks stay as they are.
 */
const MAGIC = Buffer.from([0x45, 0x53, 0x43, 0x45, 0x4e, 0x43, 0x00, 0x01]); // "ESCENC" 0 version 1
const KEY_ID_AT = MAGIC.length + 1;
const WRAP_IV_AT = KEY_ID_AT + MAX_KEY_ID_BYTES;
const WRAPPED_AT = WRAP_IV_AT + 12;
const WRAP_TAG_AT = WRAPPED_AT + 32;
const PREFIX_AT = WRAP_TAG_AT + 16;
const CHUNK_SIZE_AT = PREFIX_AT + 7;
export const HEADER_BYTES = CHUNK_SIZE_AT + 4;
export const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

export interface Envelope {
  keyId: string;
  dataKey: Buffer;
  prefix: Buffer;
  chunkSize: number;
  /** The encoded header, as stored. */
  header: Buffer;
}

/** Whether the first bytes of an object are an Escucha envelope header (otherwise it was stored unencrypted). */
export function isEnvelope(start: Buffer): boolean {
  return start.length >= HEADER_BYTES && start.subarray(0, MAGIC.length).equals(MAGIC);
}

/** A fresh envelope for one object: a new data key wrapped with the keyring's current master key. */
export function newEnvelope(master: MasterKey, objectKey: string, chunkSize = DEFAULT_CHUNK_BYTES): Envelope {
  return sealHeader(master, objectKey, randomBytes(32), randomBytes(7), chunkSize);
}

/** The same data key and chunks wrapped by another master key (rotation): only the header changes. */
export function rewrap(envelope: Envelope, master: MasterKey, objectKey: string): Envelope {
  return sealHeader(master, objectKey, envelope.dataKey, envelope.prefix, envelope.chunkSize);
}

function sealHeader(
  master: MasterKey,
  objectKey: string,
  dataKey: Buffer,
  prefix: Buffer,
  chunkSize: number,
): Envelope {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  const id = Buffer.from(master.id, 'utf8');
  header[MAGIC.length] = id.length;
  id.copy(header, KEY_ID_AT);
  const iv = randomBytes(12);
  iv.copy(header, WRAP_IV_AT);
  prefix.copy(header, PREFIX_AT);
  header.writeUInt32BE(chunkSize, CHUNK_SIZE_AT);
  const cipher = createCipheriv('aes-256-gcm', master.key, iv);
  cipher.setAAD(wrapAad(header, objectKey));
  const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  wrapped.copy(header, WRAPPED_AT);
  cipher.getAuthTag().copy(header, WRAP_TAG_AT);
  return { keyId: master.id, dataKey, prefix, chunkSize, header };
}

/** What the wrap authenticates: every header field but the wrap itself, and the object's key. */
function wrapAad(header: Buffer, objectKey: string): Buffer {
  return Buffer.concat([
    header.subarray(0, WRAP_IV_AT),
    header.subarray(PREFIX_AT, HEADER_BYTES),
    Buffer.from(objectKey, 'utf8'),
  ]);
}

/** Reads a header and unwraps its data key; throws ENCRYPTION_KEY_UNKNOWN or RECORDING_CORRUPT. */
export function openHeader(header: Buffer, keyring: MasterKeyring | undefined, objectKey: string): Envelope {
  if (!isEnvelope(header)) {
    throw new EscuchaError('RECORDING_CORRUPT', `object ${objectKey} has no encryption header`);
  }
  const idLength = header[MAGIC.length]!;
  const keyId = header.subarray(KEY_ID_AT, KEY_ID_AT + Math.min(idLength, MAX_KEY_ID_BYTES)).toString('utf8');
  const chunkSize = header.readUInt32BE(CHUNK_SIZE_AT);
  const master = keyring?.get(keyId);
  if (!master) {
    throw new EscuchaError(
      'ENCRYPTION_KEY_UNKNOWN',
      keyring
        ? `object ${objectKey} is encrypted with master key ${keyId}, which is not in the encryption key file`
        : `object ${objectKey} is encrypted (master key ${keyId}) but no encryption key file is configured (ESCUCHA_ENCRYPTION_KEY_FILE)`,
      { details: { keyId } },
    );
  }
  const fixed = Buffer.from(header.subarray(0, HEADER_BYTES));
  try {
    const decipher = createDecipheriv('aes-256-gcm', master, fixed.subarray(WRAP_IV_AT, WRAPPED_AT));
    decipher.setAAD(wrapAad(fixed, objectKey));
    decipher.setAuthTag(fixed.subarray(WRAP_TAG_AT, PREFIX_AT));
    const dataKey = Buffer.concat([
      decipher.update(fixed.subarray(WRAPPED_AT, WRAP_TAG_AT)),
      decipher.final(),
    ]);
    if (chunkSize < 1) throw new Error('chunk size 0');
    return { keyId, dataKey, prefix: fixed.subarray(PREFIX_AT, CHUNK_SIZE_AT), chunkSize, header: fixed };
  } catch {
    throw new EscuchaError(
      'RECORDING_CORRUPT',
      `the encryption header of object ${objectKey} fails authentication (altered, or moved from another object)`,
    );
  }
}

/** Stored size of an encrypted object holding `plainBytes`. */
export function encryptedSize(plainBytes: number, chunkSize: number): number {
  const chunks = Math.max(1, Math.ceil(plainBytes / chunkSize));
  return HEADER_BYTES + plainBytes + chunks * TAG_BYTES;
}

/** Plaintext size of an encrypted object of `storedBytes`; throws RECORDING_CORRUPT for an impossible size. */
export function plainSize(storedBytes: number, chunkSize: number, objectKey: string): number {
  const body = storedBytes - HEADER_BYTES;
  const sealed = chunkSize + TAG_BYTES;
  const full = Math.floor(body / sealed);
  const rest = body % sealed;
  if (body < TAG_BYTES || (rest > 0 && rest < TAG_BYTES)) {
    throw new EscuchaError(
      'RECORDING_CORRUPT',
      `encrypted object ${objectKey} is cut short (${storedBytes} bytes)`,
    );
  }
  return full * chunkSize + (rest > 0 ? rest - TAG_BYTES : 0);
}

/** The stored bytes (whole chunks) that hold a plaintext range, and where the range starts in the first chunk. */
export function storedRange(
  range: ByteRange,
  envelope: Envelope,
  plainBytes: number,
): { stored: ByteRange; firstChunk: number; lastChunk: number; finalChunk: number; skip: number } {
  const { chunkSize } = envelope;
  const sealed = chunkSize + TAG_BYTES;
  const firstChunk = Math.floor(range.start / chunkSize);
  const lastChunk = Math.floor(range.end / chunkSize);
  const finalChunk = Math.max(0, Math.ceil(plainBytes / chunkSize) - 1);
  const storedEnd = HEADER_BYTES + (lastChunk + 1) * sealed - 1;
  return {
    stored: {
      start: HEADER_BYTES + firstChunk * sealed,
      end: Math.min(storedEnd, encryptedSize(plainBytes, chunkSize) - 1),
    },
    firstChunk,
    lastChunk,
    finalChunk,
    skip: range.start - firstChunk * chunkSize,
  };
}

function nonce(prefix: Buffer, index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** Collects written buffers and hands them out in exact sizes without copying more than needed. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    this.parts.push(chunk);
    this.length += chunk.length;
  }

  take(bytes: number): Buffer {
    const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
    const head = out.subarray(0, bytes);
    const rest = out.subarray(bytes);
    this.parts = rest.length > 0 ? [rest] : [];
    this.length = rest.length;
    return head;
  }
}

/** Encrypts a plaintext stream into the envelope layout (header first). */
export class EncryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private index = 0;
  private started = false;

  constructor(private readonly envelope: Envelope) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.start();
    this.queue.push(chunk);
    // A full chunk is sealed only once a byte beyond it has arrived: until then it might be the last one.
    while (this.queue.length > this.envelope.chunkSize)
      this.seal(this.queue.take(this.envelope.chunkSize), false);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.start();
    this.seal(this.queue.take(this.queue.length), true);
    callback();
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.push(this.envelope.header);
  }

  private seal(plain: Buffer, last: boolean): void {
    const cipher = createCipheriv(
      'aes-256-gcm',
      this.envelope.dataKey,
      nonce(this.envelope.prefix, this.index++, last),
    );
    this.push(Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]));
  }
}

/**
 * Decrypts the stored chunks `firstChunk`..`lastChunk` (header excluded), dropping `skip` plaintext bytes at the
 * start and passing on at most `take` bytes. `finalChunk` is the object's last chunk index, sealed as the last: a
 * stream cut short, or one whose last chunk was dropped, fails authentication.
 */
export class DecryptStream extends Transform {
  private readonly queue = new ByteQueue();
  private index: number;
  private skip: number;
  private remaining: number;
  private readonly lastChunk: number;
  private readonly finalChunk: number;

  constructor(
    private readonly envelope: Envelope,
    private readonly objectKey: string,
    options: { firstChunk: number; lastChunk: number; finalChunk: number; skip: number; take: number },
  ) {
    super();
    this.index = options.firstChunk;
    this.lastChunk = options.lastChunk;
    this.finalChunk = options.finalChunk;
    this.skip = options.skip;
    this.remaining = options.take;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.queue.push(chunk);
    const sealed = this.envelope.chunkSize + TAG_BYTES;
    try {
      while (this.queue.length >= sealed && this.index <= this.lastChunk) this.open(this.queue.take(sealed));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.queue.length > 0 && this.index <= this.lastChunk)
        this.open(this.queue.take(this.queue.length));
      if (this.index <= this.lastChunk) throw this.corrupt('ends before its last chunk');
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private open(sealedChunk: Buffer): void {
    if (sealedChunk.length < TAG_BYTES || this.index > this.finalChunk) throw this.corrupt('has a cut chunk');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      this.envelope.dataKey,
      nonce(this.envelope.prefix, this.index, this.index === this.finalChunk),
    );
    decipher.setAuthTag(sealedChunk.subarray(sealedChunk.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(sealedChunk.subarray(0, sealedChunk.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw this.corrupt(`fails authentication at chunk ${this.index}`);
    }
    this.index++;
    const from = Math.min(this.skip, plain.length);
    this.skip -= from;
    const part = plain.subarray(from, from + this.remaining);
    this.remaining -= part.length;
    if (part.length > 0) this.push(part);
  }

  private corrupt(what: string): EscuchaError {
    return new EscuchaError(
      'RECORDING_CORRUPT',
      `encrypted object ${this.objectKey} ${what}: it was altered or damaged in storage`,
    );
  }
}

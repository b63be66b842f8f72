import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readFile,
  rename,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EscuchaError, errorMessage, isDiskFull } from '../platform/errors.ts';
import { HashingStream } from './hashing.ts';
import { assertSafeObjectKey } from './object-key.ts';
import type { ByteRange, ObjectInfo, ObjectStore, PutResult } from './object-store.ts';
import { processTag } from '../platform/leftovers.ts';

/** Folder under the root where uploads are written before they are renamed into place. */
const INCOMING = '.incoming';
/** Folder under the root holding one JSON sidecar per object (content type, metadata, sha256). */
const META = '.meta';

interface Sidecar {
  contentType: string;
  sizeBytes: number;
  sha256: string;
  metadata: Record<string, string>;
  storedAt: string;
}

const TYPE_BY_EXTENSION: Record<string, string> = {
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.flac': 'audio/flac',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.json': 'application/json',
};

function isCode(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === 'object' && error !== null && codes.includes((error as NodeJS.ErrnoException).code ?? '')
  );
}

/**
 * Object store on a local folder (the default). Objects are plain files under `root/<key>`, so an operator can
 * back them up or inspect them with ordinary tools. A put streams into `root/.incoming/`, hashing on the way,
 * flushes the file to disk and renames it into place: readers see either nothing or the complete object.
 */
export class FsObjectStore implements ObjectStore {
  readonly kind = 'fs' as const;
  readonly root: string;
  /** Where puts are written before they are complete; what a killed process left here is swept at start-up. */
  get incomingDir(): string {
    return path.join(this.root, INCOMING);
  }

  constructor(options: { root: string }) {
    this.root = path.resolve(options.root);
  }

  /** Absolute path of the object of a key; refuses keys that could leave the root. */
  private objectPath(key: string): string {
    assertSafeObjectKey(key);
    const full = path.resolve(this.root, ...key.split('/'));
    if (!full.startsWith(this.root.endsWith(path.sep) ? this.root : this.root + path.sep)) {
      throw new EscuchaError('BAD_REQUEST', 'unsafe object key: resolves outside the store');
    }
    return full;
  }

  private sidecarPath(key: string): string {
    return path.join(this.root, META, ...key.split('/')) + '.json';
  }

  private failure(action: string, error: unknown): EscuchaError {
    if (isDiskFull(error)) {
      return new EscuchaError('DISK_FULL', 'the local object store is out of space; nothing was stored', {
        cause: error,
      });
    }
    const message = `local storage ${this.root}: ${action} failed: ${errorMessage(error)}`;
    return new EscuchaError('STORAGE_ERROR', message, { cause: error });
  }

  async put(
    key: string,
    body: Readable,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<PutResult> {
    let target: string;
    try {
      target = this.objectPath(key);
    } catch (error) {
      body.destroy();
      throw error;
    }
    const incoming = path.join(this.root, INCOMING);
    const token = `${processTag()}-${randomBytes(12).toString('hex')}`;
    const tmpData = path.join(incoming, `${token}.data`);
    const tmpMeta = path.join(incoming, `${token}.meta`);
    try {
      await mkdir(incoming, { recursive: true });
    } catch (error) {
      body.destroy();
      throw this.failure('creating the incoming folder', error);
    }
    const hasher = new HashingStream();
    // flush: the descriptor is fsynced before it is closed, so the rename below publishes durable bytes.
    const sink = createWriteStream(tmpData, { flags: 'wx', mode: 0o640, flush: true });
    // pipeline() destroys every stream with the first error, so remember which side failed first.
    let failedFirst: 'source' | 'store' | undefined;
    body.once('error', () => (failedFirst ??= 'source'));
    sink.once('error', () => (failedFirst ??= 'store'));
    try {
      await pipeline(body, hasher, sink);
      const sidecar: Sidecar = {
        contentType: options.contentType,
        sizeBytes: hasher.sizeBytes,
        sha256: hasher.sha256,
        metadata: { ...options.metadata },
        storedAt: new Date().toISOString(),
      };
      await writeFile(tmpMeta, JSON.stringify(sidecar), { flag: 'wx', mode: 0o640, flush: true });
      // Sidecar first: an object file is never visible without its content type.
      await this.renameIntoPlace(tmpMeta, this.sidecarPath(key));
      await this.renameIntoPlace(tmpData, target);
      return { key, sizeBytes: sidecar.sizeBytes, sha256: sidecar.sha256 };
    } catch (error) {
      await Promise.all([unlink(tmpData).catch(() => undefined), unlink(tmpMeta).catch(() => undefined)]);
      // A failing body (the transcoder, an upload) keeps its own error: the store itself did nothing wrong.
      if (error instanceof EscuchaError || failedFirst === 'source' || (!failedFirst && body.errored))
        throw error;
      throw this.failure(`writing ${key}`, error);
    }
  }

  /** mkdir -p the parent and rename; retried because delete() prunes empty folders concurrently. */
  private async renameIntoPlace(from: string, to: string): Promise<void> {
    const dir = path.dirname(to);
    for (let attempt = 1; ; attempt++) {
      await mkdir(dir, { recursive: true });
      try {
        await rename(from, to);
        break;
      } catch (error) {
        if (!isCode(error, 'ENOENT') || attempt >= 5) throw error;
      }
    }
    await syncDirectory(dir);
  }

  async head(key: string): Promise<ObjectInfo> {
    const file = this.objectPath(key);
    let size: number;
    let version: string;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new EscuchaError('OBJECT_NOT_FOUND', `object ${key} not found`);
      size = info.size;
      version = `${info.size}-${info.mtimeMs}-${info.ctimeMs}`;
    } catch (error) {
      if (error instanceof EscuchaError) throw error;
      if (isCode(error, 'ENOENT', 'ENOTDIR'))
        throw new EscuchaError('OBJECT_NOT_FOUND', `object ${key} not found`);
      throw this.failure(`reading ${key}`, error);
    }
    const sidecar = await this.readSidecar(key);
    return {
      key,
      sizeBytes: size,
      version,
      contentType:
        sidecar?.contentType ??
        TYPE_BY_EXTENSION[path.extname(file).toLowerCase()] ??
        'application/octet-stream',
    };
  }

  private async readSidecar(key: string): Promise<Sidecar | undefined> {
    try {
      return JSON.parse(await readFile(this.sidecarPath(key), 'utf8')) as Sidecar;
    } catch {
      return undefined;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.objectPath(key);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) {
        throw new EscuchaError('OBJECT_NOT_FOUND', `object ${key} not found`);
      }
      throw this.failure(`opening ${key}`, error);
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new EscuchaError('OBJECT_NOT_FOUND', `object ${key} not found`);
      const size = info.size;
      if (!range) return handle.createReadStream();
      const { start, end } = checkRange(range, size, key);
      return handle.createReadStream({ start, end });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.objectPath(key);
    const sidecar = this.sidecarPath(key);
    try {
      await unlink(file);
    } catch (error) {
      if (!isCode(error, 'ENOENT', 'ENOTDIR')) throw this.failure(`deleting ${key}`, error);
    }
    await unlink(sidecar).catch(() => undefined);
    await this.pruneEmpty(path.dirname(file), this.root);
    await this.pruneEmpty(path.dirname(sidecar), path.join(this.root, META));
  }

  /** Removes now-empty date/call folders up to (not including) the stop folder. */
  private async pruneEmpty(dir: string, stop: string): Promise<void> {
    let current = dir;
    while (current.startsWith(stop + path.sep)) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = path.dirname(current);
    }
  }

  async check(): Promise<void> {
    const probe = path.join(this.root, INCOMING, `check-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(path.dirname(probe), { recursive: true });
      await writeFile(probe, 'ok', { flag: 'wx' });
      await unlink(probe);
    } catch (error) {
      throw new EscuchaError(
        'STORAGE_UNAVAILABLE',
        `local storage folder ${this.root} is not writable: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }
}

/** Validates an inclusive range against the object size; `end` past the last byte is clamped, as HTTP does. */
export function checkRange(range: ByteRange, size: number, key: string): ByteRange {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new EscuchaError('BAD_REQUEST', `invalid byte range ${start}-${end}`);
  }
  if (start >= size) {
    throw new EscuchaError(
      'RANGE_NOT_SATISFIABLE',
      `range ${start}-${end} is outside the ${size}-byte object ${key}`,
    );
  }
  return { start, end: Math.min(end, size - 1) };
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable. Some platforms cannot open folders; the data is already flushed there.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

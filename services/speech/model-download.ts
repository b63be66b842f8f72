import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { EscuchaError, errorMessage } from '../platform/errors.ts';

const execFileAsync = promisify(execFile);

export interface FetchProgress {
  receivedBytes: number;
  totalBytes: number | null;
}

export interface Downloaded {
  sha256: string;
  /** Subresource-integrity form of the sha512 (`sha512-…`), as the npm registry publishes it. */
  integrity: string;
  sizeBytes: number;
}

/**
 * Streams `url` to `file`, hashing on the way (sha256 and sha512). `fail` turns a reason into the error to throw,
 * so the caller can say what to do instead.
 */
export async function download(
  url: string,
  file: string,
  options: {
    fetchImpl: typeof fetch;
    onProgress?: ((p: FetchProgress) => void) | undefined;
    fail: (reason: string, cause?: unknown) => Error;
  },
): Promise<Downloaded> {
  const { fail } = options;
  let response: Response;
  try {
    response = await options.fetchImpl(url, { redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw fail(cause ? errorMessage(cause) : errorMessage(error), error);
  }
  if (!response.ok || !response.body) {
    throw fail(`HTTP ${response.status} ${response.statusText}`.trim());
  }
  const length = Number(response.headers.get('content-length'));
  const totalBytes = Number.isFinite(length) && length > 0 ? length : null;
  const sha256 = createHash('sha256');
  const sha512 = createHash('sha512');
  let receivedBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sha256.update(chunk);
      sha512.update(chunk);
      receivedBytes += chunk.length;
      options.onProgress?.({ receivedBytes, totalBytes });
      cb(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
      meter,
      createWriteStream(file),
    );
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw fail(
      `the transfer broke off after ${receivedBytes} bytes (${cause ? errorMessage(cause) : errorMessage(error)})`,
      error,
    );
  }
  if (totalBytes !== null && receivedBytes !== totalBytes) {
    throw fail(`received ${receivedBytes} of ${totalBytes} bytes`);
  }
  return {
    sha256: sha256.digest('hex'),
    integrity: `sha512-${sha512.digest('base64')}`,
    sizeBytes: receivedBytes,
  };
}

/** Unpacks a .tar.bz2 or .tgz with the system `tar`. */
export async function extractArchive(
  archiveFile: string,
  dir: string,
  compression: 'bzip2' | 'gzip',
  tarPath = 'tar',
): Promise<void> {
  try {
    await execFileAsync(
      tarPath,
      [compression === 'bzip2' ? '-xjf' : '-xzf', archiveFile, '-C', dir, '--no-same-owner'],
      { maxBuffer: 4 * 1024 * 1024 },
    );
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new EscuchaError(
        'TOOL_MISSING',
        `tar not found: install tar${compression === 'bzip2' ? ' and bzip2 (apt-get install tar bzip2)' : ' (apt-get install tar)'}`,
        { cause: error },
      );
    }
    throw new EscuchaError(
      'MODEL_INVALID',
      `cannot unpack ${archiveFile}: ${(e.stderr ?? e.message).trim()}`,
      {
        cause: error,
      },
    );
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { EscuchaError } from '../../platform/errors.ts';
import { processTag } from '../../platform/leftovers.ts';

export interface ReceivedUpload {
  filePath: string;
  sizeBytes: number;
  filename: string | undefined;
  fields: Record<string, string>;
  /** Removes the spooled file. */
  cleanup(): Promise<void>;
}

const MAX_FIELD_BYTES = 8 * 1024 * 1024;

/**
 * Streams a multipart upload: the `file` part goes straight to a temp file on disk (never whole in memory),
 * the other parts are small text fields. Enforces the size limit while streaming (413).
 */
export async function receiveUpload(
  req: Request,
  options: { tmpDir: string; maxBytes: number },
): Promise<ReceivedUpload> {
  const type = req.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    throw new EscuchaError(
      'UNSUPPORTED_MEDIA',
      'send the recording as multipart/form-data with a "file" part and an optional "metadata" JSON part',
    );
  }
  const declared = Number(req.get('content-length') ?? 0);
  if (declared > options.maxBytes + MAX_FIELD_BYTES) {
    req.resume();
    throw new EscuchaError(
      'PAYLOAD_TOO_LARGE',
      `the upload is larger than the limit of ${options.maxBytes} bytes`,
    );
  }
  await mkdir(options.tmpDir, { recursive: true });
  const filePath = path.join(options.tmpDir, `upload-${processTag()}-${randomUUID()}`);
  const cleanup = () => rm(filePath, { force: true });
  const fields: Record<string, string> = {};
  let filename: string | undefined;
  let sizeBytes = 0;
  let sawFile = false;
  let tooLarge = false;
  let fileWrite: Promise<void> | undefined;

  try {
    await new Promise<void>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({
          headers: req.headers,
          limits: { files: 1, fields: 20, fileSize: options.maxBytes, fieldSize: MAX_FIELD_BYTES, parts: 25 },
        });
      } catch (cause) {
        reject(new EscuchaError('BAD_REQUEST', `malformed multipart request: ${(cause as Error).message}`));
        return;
      }
      bb.on('file', (name, stream, info) => {
        if (name !== 'file' || sawFile) {
          stream.resume();
          return;
        }
        sawFile = true;
        filename = info.filename;
        stream.on('data', (chunk: Buffer) => {
          sizeBytes += chunk.length;
        });
        stream.on('limit', () => {
          tooLarge = true;
        });
        fileWrite = pipeline(stream, createWriteStream(filePath));
        fileWrite.catch(reject);
      });
      bb.on('field', (name, value, info) => {
        if (info.valueTruncated) {
          reject(
            new EscuchaError('PAYLOAD_TOO_LARGE', `field "${name}" is larger than ${MAX_FIELD_BYTES} bytes`),
          );
          return;
        }
        fields[name] = value;
      });
      bb.on('error', (error: Error) =>
        reject(new EscuchaError('BAD_REQUEST', `malformed multipart request: ${error.message}`)),
      );
      bb.on('close', () => resolve());
      req.on('aborted', () => reject(new EscuchaError('BAD_REQUEST', 'the client aborted the upload')));
      req.pipe(bb);
    });
    if (fileWrite) await fileWrite;
  } catch (error) {
    req.unpipe();
    req.resume();
    await cleanup();
    throw error;
  }
  if (tooLarge) {
    await cleanup();
    throw new EscuchaError(
      'PAYLOAD_TOO_LARGE',
      `the recording is larger than the limit of ${options.maxBytes} bytes`,
    );
  }
  if (!sawFile) {
    await cleanup();
    throw new EscuchaError('BAD_REQUEST', 'the multipart field "file" with the recording is missing');
  }
  return { filePath, sizeBytes, filename, fields, cleanup };
}

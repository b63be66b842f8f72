import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import { listenLow } from './ports.ts';
import path from 'node:path';

/**
 * A real S3-protocol server on loopback for integration tests: s3rver (a CommonJS Koa app, no type
 * declarations) behind our own HTTP server on a random free port, storing into a temp folder.
 *
 * s3rver 3.7 does not implement AbortMultipartUpload (it answers 405); this server implements it the way S3
 * does, by deleting the upload's parts, so tests can check that a failed upload leaves nothing behind.
 * Every request is recorded (method, URL, headers) so tests can see what the client sent.
 */

interface S3rverInstance {
  configureBuckets(): Promise<unknown>;
  getMiddleware(): (req: IncomingMessage, res: ServerResponse) => void;
  logger?: { close(): void };
}
type S3rverConstructor = new (options: {
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const require = createRequire(import.meta.url);

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface S3TestServer {
  /** e.g. http://127.0.0.1:41234 (use path-style addressing). */
  endpoint: string;
  bucket: string;
  /** Access key pair s3rver accepts (it checks no signatures, but the SDK must sign with something). */
  accessKeyId: string;
  secretAccessKey: string;
  requests: RecordedRequest[];
  /** Ids of multipart uploads started and neither completed nor aborted. */
  pendingUploads(): Promise<string[]>;
  /** An outage: stops listening (connections refused) until `resume`, keeping the stored objects. */
  suspend(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3Server(options: { bucket?: string } = {}): Promise<S3TestServer> {
  const S3rver = require('s3rver') as S3rverConstructor;
  const bucket = options.bucket ?? 'escucha-test';
  const directory = await mkdtemp(path.join(os.tmpdir(), 'escucha-s3rver-'));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  const handle = s3rver.getMiddleware();
  const uploadsDir = path.join(directory, bucket, '._S3rver_uploads');
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'DELETE' && uploadId !== null) {
      void abortUpload(uploadId, res);
      return;
    }
    handle(req, res);
  });

  async function abortUpload(uploadId: string, res: ServerResponse): Promise<void> {
    if (!/^[0-9a-f]{8,64}$/.test(uploadId)) {
      res.writeHead(400).end();
      return;
    }
    const dir = path.join(uploadsDir, uploadId);
    const exists = await readdir(dir).then(
      () => true,
      () => false,
    );
    if (!exists) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code></Error>');
      return;
    }
    await rm(dir, { recursive: true, force: true });
    res.writeHead(204).end();
  }

  // Below the ephemeral range: resume() listens on the same port again after suspend().
  const port = await listenLow(server);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requests,
    pendingUploads: async () => readdir(uploadsDir).catch(() => []),
    suspend: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    resume: async () => {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      s3rver.logger?.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  type PutObjectCommandInput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../platform/config.ts';
import { EscuchaError, errorMessage } from '../platform/errors.ts';
import { HashingStream } from './hashing.ts';
import { assertSafeObjectKey } from './object-key.ts';
import type { ByteRange, ObjectInfo, ObjectStore, PutResult } from './object-store.ts';

export type S3StoreConfig = Config['s3'];

export interface S3StoreOptions {
  /** Attempts per request, first included (SDK default 3). */
  maxAttempts?: number;
  /** Milliseconds to wait for a TCP connection before the attempt fails. */
  connectionTimeoutMs?: number;
  /** Milliseconds a socket may sit idle mid-request before the attempt fails. */
  socketTimeoutMs?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
]);
const NETWORK_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'NetworkingError',
  'RequestTimeoutException',
]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

function asSdkError(error: unknown): SdkError {
  return typeof error === 'object' && error !== null ? (error as SdkError) : {};
}

function statusOf(error: unknown): number | undefined {
  return asSdkError(error).$metadata?.httpStatusCode;
}

/** True for failures to reach the endpoint at all (refused, reset, DNS, timeouts), and for 5xx answers. */
function isUnavailable(error: unknown): boolean {
  const e = asSdkError(error);
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if (e.name && NETWORK_NAMES.has(e.name)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isUnavailable(inner))) return true;
  const status = statusOf(error);
  return status !== undefined && status >= 500;
}

function isNotFound(error: unknown): boolean {
  const e = asSdkError(error);
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || statusOf(error) === 404;
}

/** True when a Content-Range answer starts where asked and ends no later (S3 clamps the end to the size). */
function rangeHonoured(contentRange: string | undefined, range: ByteRange): boolean {
  const m = /^bytes (\d+)-(\d+)\/(?:\d+|\*)$/.exec(contentRange ?? '');
  return m !== null && Number(m[1]) === range.start && Number(m[2]) <= range.end;
}

/** S3 metadata travels as HTTP headers: keep values printable ASCII. */
function headerSafe(metadata: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!metadata) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    out[k.toLowerCase()] = /^[\x20-\x7e]*$/.test(v) ? v : encodeURIComponent(v);
  }
  return out;
}

/**
 * Object store on AWS S3 or any S3-compatible service (MinIO, Ceph, s3rver in tests). Uploads stream through a
 * sha256 transform into a multipart upload (`@aws-sdk/lib-storage`), so memory stays at about
 * partSize × queueSize whatever the recording length. An object becomes visible only when the multipart upload
 * completes; a failed upload is aborted, which removes its parts.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly where: string;
  private readonly partSize: number;

  constructor(
    private readonly config: S3StoreConfig,
    options: S3StoreOptions = {},
  ) {
    this.bucket = config.bucket;
    this.partSize = config.partSizeMb * 1024 * 1024;
    this.where = `S3 endpoint ${config.endpoint ?? `AWS (${config.region})`} bucket ${config.bucket}`;
    const clientConfig: S3ClientConfig = {
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      // Checksums only where S3 requires them: many S3-compatible stores (and s3rver) mishandle the
      // aws-chunked trailing-checksum encoding the SDK uses by default. Integrity is covered by our own sha256.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 5_000,
        socketTimeout: options.socketTimeoutMs ?? 120_000,
      },
    };
    if (config.endpoint) clientConfig.endpoint = config.endpoint;
    if (config.accessKeyId && config.secretAccessKey) {
      clientConfig.credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey };
    }
    this.client = new S3Client(clientConfig);
  }

  /** Turns an SDK failure into an EscuchaError that names the endpoint and bucket. */
  private toError(error: unknown, action: string, key?: string): EscuchaError {
    if (error instanceof EscuchaError) return error;
    const e = asSdkError(error);
    const detail = e.message || e.name || e.code || errorMessage(error);
    if (key !== undefined && isNotFound(error)) {
      return new EscuchaError('OBJECT_NOT_FOUND', `object ${key} not found in bucket ${this.bucket}`, {
        cause: error,
      });
    }
    if (e.name === 'InvalidRange' || statusOf(error) === 416) {
      return new EscuchaError('RANGE_NOT_SATISFIABLE', `${action}: ${detail}`, { cause: error });
    }
    if (e.name === 'NoSuchBucket') {
      return new EscuchaError('STORAGE_UNAVAILABLE', `${this.where}: the bucket does not exist (${action})`, {
        cause: error,
      });
    }
    if (isUnavailable(error)) {
      return new EscuchaError('STORAGE_UNAVAILABLE', `${this.where} is unreachable (${action}): ${detail}`, {
        cause: error,
      });
    }
    return new EscuchaError('STORAGE_ERROR', `${this.where}: ${action} failed: ${detail}`, { cause: error });
  }

  private encryption(): Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'> {
    switch (this.config.serverSideEncryption) {
      case 'AES256':
        return { ServerSideEncryption: 'AES256' };
      case 'aws:kms':
        return this.config.kmsKeyId
          ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.config.kmsKeyId }
          : { ServerSideEncryption: 'aws:kms' };
      default:
        return {};
    }
  }

  async put(
    key: string,
    body: Readable,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<PutResult> {
    try {
      assertSafeObjectKey(key);
    } catch (error) {
      body.destroy();
      throw error;
    }
    const hasher = new HashingStream();
    // pipeline() destroys both streams with the first error; remember whether the body failed before we did.
    let settled = false;
    let sourceFailed = false;
    body.once('error', () => {
      if (!settled) sourceFailed = true;
    });
    const piping = pipeline(body, hasher);
    piping.catch(() => undefined);
    const metadata = headerSafe(options.metadata);
    const upload = new Upload({
      client: this.client,
      partSize: this.partSize,
      queueSize: 4,
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: hasher,
        ContentType: options.contentType,
        ...(metadata ? { Metadata: metadata } : {}),
        ...this.encryption(),
      },
    });
    try {
      await upload.done();
      await piping;
    } catch (error) {
      const fromSource = sourceFailed;
      settled = true;
      hasher.destroy();
      // A failing body (the transcoder, an upload) keeps its own error; the abort of the parts already ran.
      if (fromSource) throw body.errored ?? error;
      throw this.toError(error, `uploading ${key}`, undefined);
    }
    settled = true;
    return { key, sizeBytes: hasher.sizeBytes, sha256: hasher.sha256 };
  }

  async head(key: string): Promise<ObjectInfo> {
    assertSafeObjectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        sizeBytes: out.ContentLength ?? 0,
        contentType: out.ContentType ?? 'application/octet-stream',
        version: `${out.ContentLength ?? 0}-${out.ETag ?? ''}-${out.LastModified?.getTime() ?? ''}`,
      };
    } catch (error) {
      throw this.toError(error, `reading ${key}`, key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeObjectKey(key);
    if (range) {
      const { start, end } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
        throw new EscuchaError('BAD_REQUEST', `invalid byte range ${start}-${end}`);
      }
    }
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      );
      if (!(out.Body instanceof Readable)) {
        throw new EscuchaError(
          'STORAGE_ERROR',
          `${this.where}: GetObject returned no readable body for ${key}`,
        );
      }
      if (range && !rangeHonoured(out.ContentRange, range)) {
        // Some S3-compatible servers ignore ranges they do not parse; never pass other bytes off as the range.
        out.Body.destroy();
        throw new EscuchaError(
          'STORAGE_ERROR',
          `${this.where}: asked for bytes ${range.start}-${range.end} of ${key} but got ${out.ContentRange ?? 'the whole object'}`,
        );
      }
      return out.Body;
    } catch (error) {
      throw this.toError(error, `reading ${key}`, key);
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeObjectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.toError(error, `deleting ${key}`);
    }
  }

  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isNotFound(error)) throw this.checkError(error);
      if (!this.config.createBucket) {
        throw new EscuchaError(
          'STORAGE_UNAVAILABLE',
          `${this.where}: the bucket does not exist (create it, or set ESCUCHA_S3_CREATE_BUCKET=true)`,
          { cause: error },
        );
      }
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const name = asSdkError(error).name;
      if (name === 'BucketAlreadyOwnedByYou' || name === 'BucketAlreadyExists') return;
      throw this.checkError(error);
    }
  }

  private checkError(error: unknown): EscuchaError {
    const status = statusOf(error);
    if (status === 403 || status === 401) {
      return new EscuchaError(
        'STORAGE_UNAVAILABLE',
        `${this.where}: access denied (check the S3 credentials)`,
        {
          cause: error,
        },
      );
    }
    const mapped = this.toError(error, 'checking the bucket');
    return mapped.code === 'STORAGE_UNAVAILABLE'
      ? mapped
      : new EscuchaError('STORAGE_UNAVAILABLE', mapped.message, { cause: error });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

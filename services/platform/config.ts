import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EscuchaError } from './errors.ts';

/**
 * Escucha's configuration, validated once at start-up into a typed, frozen object. Sources, in increasing
 * precedence: defaults, an optional JSON config file (ESCUCHA_CONFIG or --config), environment variables.
 * Nothing else in the code base reads process.env.
 */

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ARCHIVE_FORMATS = ['opus', 'flac', 'wav', 'mp3'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

const archiveSchema = z
  .object({
    format: z.enum(ARCHIVE_FORMATS).default('opus'),
    /** Total bitrate for lossy formats. Opus speech at 16 kHz stays intelligible down to ~12 kbps for two channels. */
    bitrateKbps: int(12, 256).default(16),
    /** Speech recognition needs at least 16 kHz. */
    sampleRate: z.coerce
      .number()
      .int()
      .refine((v) => [16000, 22050, 24000, 32000, 44100, 48000].includes(v), {
        message: 'must be one of 16000, 22050, 24000, 32000, 44100, 48000 (ASR needs at least 16 kHz)',
      })
      .default(16000),
    /** Opus encoder effort 0–10: lower is faster. 5 keeps speech quality at the default bitrate. */
    opusComplexity: int(0, 10).default(5),
  })
  .superRefine((a, ctx) => {
    if (a.format === 'mp3' && a.bitrateKbps < 32) {
      ctx.addIssue({ code: 'custom', path: ['bitrateKbps'], message: 'mp3 needs at least 32 kbps' });
    }
  });

const s3Schema = z.object({
  endpoint: z.string().url().optional(),
  bucket: z.string().min(3).default('escucha'),
  region: z.string().default('us-east-1'),
  accessKeyId: z.string().optional(),
  secretAccessKey: z.string().optional(),
  forcePathStyle: bool.default(false),
  /** Server-side encryption requested on every object: none, AES256 (SSE-S3) or aws:kms (SSE-KMS). */
  serverSideEncryption: z.enum(['none', 'AES256', 'aws:kms']).default('none'),
  kmsKeyId: z.string().optional(),
  partSizeMb: int(5, 512).default(8),
  /** Create the bucket at start-up when it does not exist (MinIO, local test servers). */
  createBucket: bool.default(false),
});

const configSchema = z
  .object({
    dataDir: z.string().default('./var'),
    host: z.string().default('127.0.0.1'),
    port: int(0, 65535).default(8080),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    databaseUrl: z.string().optional(),
    /** Port of the embedded PostgreSQL; 0 picks a free one and records it in the data dir. */
    embeddedPgPort: int(0, 65535).default(0),
    storage: z.enum(['fs', 's3']).default('fs'),
    storageDir: z.string().optional(),
    tmpDir: z.string().optional(),
    s3: s3Schema.default(s3Schema.parse({})),
    archive: archiveSchema.default(archiveSchema.parse({})),
    uploadMaxMb: int(1, 100_000).default(2048),
    /** Number of recordings transcoded at the same time by this process; default one per core. */
    ingestConcurrency: int(0, 64).default(0),
  })
  .superRefine((c, ctx) => {
    if (c.storage === 's3' && c.s3.serverSideEncryption === 'aws:kms' && !c.s3.kmsKeyId) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3', 'kmsKeyId'],
        message: 'aws:kms encryption needs a KMS key id',
      });
    }
    if (Boolean(c.s3.accessKeyId) !== Boolean(c.s3.secretAccessKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['s3', 'secretAccessKey'],
        message:
          'set both access key id and secret access key, or neither (to use the default AWS credential chain)',
      });
    }
  });

type ParsedConfig = z.infer<typeof configSchema>;

export interface Config extends Omit<ParsedConfig, 'dataDir' | 'storageDir' | 'tmpDir'> {
  /** Absolute paths. */
  readonly dataDir: string;
  readonly storageDir: string;
  readonly tmpDir: string;
  readonly embeddedPgDir: string;
}

/** Environment variable → config path. */
export const ENV_MAP: Record<string, string> = {
  ESCUCHA_DATA_DIR: 'dataDir',
  ESCUCHA_HOST: 'host',
  ESCUCHA_PORT: 'port',
  ESCUCHA_LOG_LEVEL: 'logLevel',
  DATABASE_URL: 'databaseUrl',
  ESCUCHA_EMBEDDED_PG_PORT: 'embeddedPgPort',
  ESCUCHA_STORAGE: 'storage',
  ESCUCHA_STORAGE_DIR: 'storageDir',
  ESCUCHA_TMP_DIR: 'tmpDir',
  ESCUCHA_S3_ENDPOINT: 's3.endpoint',
  ESCUCHA_S3_BUCKET: 's3.bucket',
  ESCUCHA_S3_REGION: 's3.region',
  ESCUCHA_S3_ACCESS_KEY_ID: 's3.accessKeyId',
  ESCUCHA_S3_SECRET_ACCESS_KEY: 's3.secretAccessKey',
  ESCUCHA_S3_FORCE_PATH_STYLE: 's3.forcePathStyle',
  ESCUCHA_S3_SSE: 's3.serverSideEncryption',
  ESCUCHA_S3_KMS_KEY_ID: 's3.kmsKeyId',
  ESCUCHA_S3_PART_SIZE_MB: 's3.partSizeMb',
  ESCUCHA_S3_CREATE_BUCKET: 's3.createBucket',
  ESCUCHA_ARCHIVE_FORMAT: 'archive.format',
  ESCUCHA_ARCHIVE_BITRATE_KBPS: 'archive.bitrateKbps',
  ESCUCHA_ARCHIVE_SAMPLE_RATE: 'archive.sampleRate',
  ESCUCHA_ARCHIVE_OPUS_COMPLEXITY: 'archive.opusComplexity',
  ESCUCHA_UPLOAD_MAX_MB: 'uploadMaxMb',
  ESCUCHA_INGEST_CONCURRENCY: 'ingestConcurrency',
};

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof prev === 'object' && prev !== null
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** Path of a JSON config file; defaults to env ESCUCHA_CONFIG. */
  file?: string;
  /** Programmatic overrides (tests, CLI flags); highest precedence. */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  let raw: Record<string, unknown> = {};
  const file = options.file ?? env.ESCUCHA_CONFIG;
  if (file) {
    try {
      raw = JSON.parse(readFileSync(path.resolve(cwd, file), 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        `cannot read config file ${file}: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, dotted] of Object.entries(ENV_MAP)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(fromEnv, dotted, value);
  }
  raw = deepMerge(deepMerge(raw, fromEnv), options.overrides ?? {});
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const key = i.path.join('.');
      const envName = Object.entries(ENV_MAP).find(([, p]) => p === key)?.[0];
      return `${envName ?? key}: ${i.message}`;
    });
    throw new EscuchaError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  const c = parsed.data;
  const dataDir = path.resolve(cwd, c.dataDir);
  const config: Config = {
    ...c,
    dataDir,
    storageDir: path.resolve(cwd, c.storageDir ?? path.join(dataDir, 'objects')),
    tmpDir: path.resolve(cwd, c.tmpDir ?? path.join(dataDir, 'tmp')),
    embeddedPgDir: path.join(dataDir, 'postgres'),
  };
  return deepFreeze(config);
}

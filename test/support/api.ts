import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Express } from 'express';
import type { ArchiveService } from '../../services/archive/archive.service.ts';
import type { ArchivedHook } from '../../services/archive/archive.service.ts';
import type { ArchiveProfile } from '../../services/archive/audio.types.ts';
import { FsObjectStore } from '../../services/archive/fs.store.ts';
import type { ObjectStore } from '../../services/archive/object-store.ts';
import { createApp, type PeopleServices } from '../../services/api/app.ts';
import type { ApiKeyRepository } from '../../services/api/auth/api-key.repository.ts';
import type { LoginPolicy } from '../../services/api/auth/auth.service.ts';
import type { PasswordCost } from '../../services/api/auth/password.hasher.ts';
import { buildServices, type Services } from '../../services/composition.ts';
import type { Pipeline } from '../../services/pipeline/pipeline.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApi<S extends ObjectStore = ObjectStore> {
  app: Express;
  adminKey: string;
  database: TestDatabase;
  /** Everything the app was built from, as `escucha serve` builds it. */
  services: Services<Pipeline | null>;
  /** The people-facing services (accounts, audit, retention, training, integrity). */
  accounts: PeopleServices;
  keys: ApiKeyRepository;
  store: S;
  storeDir: string;
  tmpDir: string;
  /** A temporary folder removed by close (the store's and tmpDir's parent). */
  root: string;
  archive: ArchiveService;
  close(): Promise<void>;
}

export interface TestApiOptions<S extends ObjectStore> {
  /** Default: a local object store under root. */
  store?: S;
  profile?: ArchiveProfile;
  /** Whole megabytes (the configuration's unit). */
  uploadMaxBytes?: number;
  /** A database the caller made and drops (default: a fresh one, dropped by close). */
  database?: TestDatabase;
  /** A job queue the caller made and started (default: none: nothing is enqueued). */
  pipeline?: Pipeline;
  onArchived?: ArchivedHook;
  passwordCost?: PasswordCost;
  loginPolicy?: Partial<LoginPolicy>;
  /** The built web UI to serve; null for none (default: the one in services/web/dist, as serve does). */
  webDir?: string | null;
  trustProxy?: string;
  /** The promise ledger's clock (default the system's). */
  now?: () => Date;
  /** Webhook delivery settings (config `webhooks`; default the config's). */
  webhooks?: Record<string, number>;
}

export const DEFAULT_PROFILE: ArchiveProfile = {
  format: 'opus',
  bitrateKbps: 16,
  sampleRate: 16000,
  opusComplexity: 5,
};

/**
 * The real API, built by the composition root as `escucha serve` builds it, over a fresh database, a local object
 * store in a temp folder (or the given one) and real ffmpeg, with an admin API key.
 */
export async function createTestApi<S extends ObjectStore = FsObjectStore>(
  options: TestApiOptions<S> = {},
): Promise<TestApi<S>> {
  const database = options.database ?? (await createTestDatabase());
  const root = await mkdtemp(path.join('/tmp', 'escucha-api-'));
  const storeDir = path.join(root, 'objects');
  const tmpDir = path.join(root, 'tmp');
  const store = options.store ?? (new FsObjectStore({ root: storeDir }) as unknown as S);
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: root,
      storageDir: storeDir,
      tmpDir,
      archive: options.profile ?? DEFAULT_PROFILE,
      uploadMaxMb: Math.round((options.uploadMaxBytes ?? 50 * 1024 * 1024) / (1024 * 1024)),
      ...(options.trustProxy ? { auth: { trustProxy: options.trustProxy } } : {}),
      ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    },
  });
  const services = await buildServices(config, {
    logger: silentLogger(),
    database: database.handle,
    store,
    pipeline: options.pipeline ?? null,
    ...(options.onArchived ? { onArchived: options.onArchived } : {}),
    ingestConcurrency: 2,
    keyDir: null,
    version: 'test',
    ...(options.passwordCost ? { passwordCost: options.passwordCost } : {}),
    ...(options.loginPolicy ? { loginPolicy: options.loginPolicy } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const app = createApp({
    ...services.api,
    logger: services.logger,
    ...(options.webDir !== undefined ? { webDir: options.webDir } : {}),
  });
  const { key } = await services.people.keys.create('admin', 'test');
  return {
    app,
    adminKey: key,
    database,
    services,
    accounts: services.people,
    keys: services.people.keys,
    store,
    storeDir,
    tmpDir,
    root,
    archive: services.archive,
    close: async () => {
      await services.close();
      await store.close();
      if (!options.database) await database.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Express } from 'express';
import { ArchiveService } from '../../services/archive/archive.service.ts';
import { FfmpegAudioTool } from '../../services/archive/audio.ffmpeg.ts';
import type { ArchiveProfile } from '../../services/archive/audio.types.ts';
import { CallRepository } from '../../services/archive/call.repository.ts';
import { FsObjectStore } from '../../services/archive/fs.store.ts';
import type { ObjectStore } from '../../services/archive/object-store.ts';
import { createApp } from '../../services/api/app.ts';
import { ApiKeyRepository } from '../../services/api/auth/api-keys.ts';
import { CallQueryRepository } from '../../services/api/calls/call-query.repository.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApi {
  app: Express;
  adminKey: string;
  database: TestDatabase;
  store: ObjectStore;
  storeDir: string;
  tmpDir: string;
  archive: ArchiveService;
  close(): Promise<void>;
}

export const DEFAULT_PROFILE: ArchiveProfile = {
  format: 'opus',
  bitrateKbps: 16,
  sampleRate: 16000,
  opusComplexity: 5,
};

/** The real API over a fresh database, a local object store in a temp folder and real ffmpeg. */
export async function createTestApi(
  options: { store?: ObjectStore; profile?: ArchiveProfile; uploadMaxBytes?: number } = {},
): Promise<TestApi> {
  const database = await createTestDatabase();
  const root = await mkdtemp(path.join('/tmp', 'escucha-api-'));
  const storeDir = path.join(root, 'objects');
  const tmpDir = path.join(root, 'tmp');
  const store = options.store ?? new FsObjectStore({ root: storeDir });
  const logger = silentLogger();
  const archive = new ArchiveService({
    calls: new CallRepository(database.handle.db),
    store,
    audio: new FfmpegAudioTool(),
    profile: options.profile ?? DEFAULT_PROFILE,
    logger,
    concurrency: 2,
  });
  const keys = new ApiKeyRepository(database.handle.db);
  const app = createApp({
    db: database.handle.db,
    logger,
    archive,
    queries: new CallQueryRepository(database.handle.db),
    keys,
    store,
    tmpDir,
    uploadMaxBytes: options.uploadMaxBytes ?? 50 * 1024 * 1024,
    version: 'test',
  });
  const { key } = await keys.create('admin', 'test');
  return {
    app,
    adminKey: key,
    database,
    store,
    storeDir,
    tmpDir,
    archive,
    close: async () => {
      await store.close();
      await database.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

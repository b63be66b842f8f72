import os from 'node:os';
import { ArchiveService, type ArchivedHook } from '../archive/archive.service.ts';
import { FfmpegAudioTool } from '../archive/audio.ffmpeg.ts';
import { CallRepository } from '../archive/call.repository.ts';
import type { ObjectStore } from '../archive/object-store.ts';
import { createObjectStore } from '../archive/store.factory.ts';
import { ApiKeyRepository } from '../api/auth/api-keys.ts';
import { CallQueryRepository } from '../api/calls/call-query.repository.ts';
import { OutcomeRepository } from '../analysis/outcome.repository.ts';
import { jobQueueReady, Pipeline } from '../pipeline/pipeline.ts';
import { TranscriptRepository } from '../transcripts/transcript.repository.ts';
import type { Config } from '../platform/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { FsObjectStore } from '../archive/fs.store.ts';
import { sweepLeftovers } from '../platform/leftovers.ts';
import { packageVersion } from '../platform/package-path.ts';

/** The composition root: every client and service of a process is created here, once, from the config. */
export interface AppContext {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  store: ObjectStore;
  archive: ArchiveService;
  queries: CallQueryRepository;
  keys: ApiKeyRepository;
  pipeline: Pipeline;
  outcomes: OutcomeRepository;
  transcripts: TranscriptRepository;
  version: string;
  close(): Promise<void>;
}

/** The job queue; with `store`, a job's failure is put down to an object-store outage only while the store is down. */
export function createPipeline(
  config: Config,
  database: DatabaseHandle,
  logger: Logger,
  store?: ObjectStore,
): Pipeline {
  return new Pipeline({
    db: database.db,
    pool: database.pool,
    logger: logger.child({ component: 'pipeline' }),
    retryLimit: config.pipeline.retryLimit,
    retryDelaySeconds: config.pipeline.retryDelaySeconds,
    expireInSeconds: config.pipeline.expireInSeconds,
    maintenanceIntervalSeconds: config.pipeline.maintenanceIntervalSeconds,
    pollingIntervalSeconds: config.pipeline.pollingIntervalSeconds,
    ...(store ? { checkStore: () => store.check() } : {}),
  });
}

/**
 * What the database's owner does before Escucha connects: the migrations, then the job queue's schema and queues
 * (a least-privileged role can make neither).
 */
export async function setUpDatabase(
  config: Config,
  owner: DatabaseHandle,
  logger: Logger,
): Promise<string[]> {
  const applied = await migrateToLatest(owner.db, logger);
  if (applied.length === 0 && (await jobQueueReady(owner.db))) return applied;
  const pipeline = createPipeline(config, owner, logger);
  await pipeline.start();
  await pipeline.stop();
  return applied;
}

/**
 * The database as every command but `migrate` uses it: set up by its owner, then connected as the application role
 * (on the embedded PostgreSQL; on an external one, as DATABASE_URL says).
 */
export async function openDatabaseOnly(config: Config, logger: Logger): Promise<DatabaseHandle> {
  return openDatabase(config, logger, {
    as: 'app',
    setUp: async (owner) => {
      await setUpDatabase(config, owner, logger);
    },
  });
}

export async function createContext(
  config: Config,
  logger: Logger,
  options: { onArchived?: ArchivedHook } = {},
): Promise<AppContext> {
  const database = await openDatabaseOnly(config, logger);
  const store = await createObjectStore(config);
  try {
    await store.check();
  } catch (error) {
    await database.close();
    throw error;
  }
  // What a process killed mid-upload, mid-clip or mid-store left behind (an hour old or more: others may be writing).
  await sweepLeftovers({
    tmpDir: config.tmpDir,
    ...(store.inner instanceof FsObjectStore ? { incomingDir: store.inner.incomingDir } : {}),
    logger,
  });
  const pipeline = createPipeline(config, database, logger, store);
  try {
    await pipeline.start();
  } catch (error) {
    await store.close();
    await database.close();
    throw error;
  }
  const transcripts = new TranscriptRepository(database.db);
  const audio = new FfmpegAudioTool();
  const archive = new ArchiveService({
    calls: new CallRepository(database.db),
    store,
    audio,
    profile: config.archive,
    logger: logger.child({ component: 'archive' }),
    concurrency: config.ingestConcurrency || Math.max(1, os.availableParallelism()),
    // The first analysis job is enqueued in the transaction that stores the call.
    onArchived: options.onArchived ?? pipeline.enqueueFirst,
    transcripts: (trx, callId, transcript) => transcripts.storeUpload(trx, callId, transcript),
  });
  return {
    config,
    logger,
    database,
    store,
    archive,
    queries: new CallQueryRepository(database.db),
    keys: new ApiKeyRepository(database.db),
    pipeline,
    outcomes: new OutcomeRepository(database.db),
    transcripts,
    version: packageVersion(),
    close: async () => {
      await pipeline.stop();
      await store.close();
      await database.close();
    },
  };
}

import { Pipeline, type PipelineOptions } from '../../services/pipeline/pipeline.ts';
import type { StageName } from '../../services/analysis/stages.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import type { TestDatabase } from './database.ts';

/** A pipeline on a test database with quick polling and one retry, for tests of the job queue's behaviour. */
export function testPipeline(
  database: TestDatabase,
  order: StageName[],
  options: Partial<PipelineOptions> = {},
): Pipeline {
  return new Pipeline({
    db: database.handle.db,
    pool: database.handle.pool,
    logger: silentLogger(),
    order,
    retryLimit: 1,
    retryDelaySeconds: 1,
    expireInSeconds: 60,
    maintenanceIntervalSeconds: 60,
    pollingIntervalSeconds: 0.5,
    ...options,
  });
}

/** An empty call row (what a stage job needs to refer to). */
export async function seedCall(database: TestDatabase): Promise<string> {
  const { id } = await database.handle.db
    .insertInto('calls')
    .values({ started_at: new Date(), ended_at: new Date(), duration_ms: 0, source: 'seed', custom: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

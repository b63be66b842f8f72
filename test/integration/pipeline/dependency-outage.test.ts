import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName, type StageName } from '../../../services/pipeline/jobs.ts';
import { Pipeline, type StageHandler } from '../../../services/pipeline/pipeline.ts';
import { EscuchaError } from '../../../services/platform/errors.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/**
 * A stage that meets an unavailable dependency (object store, database) more times than its retries allow still
 * finishes once the dependency is back, on the same job and with its retries untouched; a failure of the stage's
 * own still uses them up and fails it.
 */
describe('pipeline jobs through a dependency outage', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  const runs = new Map<string, number>();
  let storeDownFor = new Map<string, number>();

  const handler: StageHandler<'vad'> = {
    stage: 'vad',
    version: 1,
    run: async ({ callId }) => {
      const n = (runs.get(callId) ?? 0) + 1;
      runs.set(callId, n);
      if (callId === broken) throw new EscuchaError('INVALID_AUDIO', 'no audio stream');
      if (n <= (storeDownFor.get(callId) ?? 0)) {
        const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
          code: 'ECONNREFUSED',
        });
        if (n % 2 === 0) throw refused; // as a lost database connection looks
        throw new EscuchaError('STORAGE_UNAVAILABLE', 'S3 endpoint is unreachable (reading a.ogg)', {
          cause: refused,
        });
      }
      return { status: 'done' };
    },
  };
  let broken = '';

  async function newCall(): Promise<string> {
    const { id } = await database.handle.db
      .insertInto('calls')
      .values({ started_at: new Date(), ended_at: new Date(), duration_ms: 0, source: 'seed', custom: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    pipeline = new Pipeline({
      db: database.handle.db,
      pool: database.handle.pool,
      logger: silentLogger(),
      order: ['vad'],
      retryLimit: 1,
      retryDelaySeconds: 1,
      expireInSeconds: 60,
      maintenanceIntervalSeconds: 60,
      pollingIntervalSeconds: 0.5,
    });
    await pipeline.work([handler as StageHandler], () => 1);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await database?.drop();
  });

  async function jobOf(callId: string, stage: StageName = 'vad', timeoutMs = 30_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await database.handle.pool.query<{
        state: string;
        retry_count: number;
        n: number;
      }>(
        `select state::text, retry_count, count(*) over ()::int as n from pgboss.job
          where name = $1 and data->>'callId' = $2`,
        [queueName(stage), callId],
      );
      const row = rows[0];
      if (row && (row.state === 'completed' || row.state === 'failed')) return { ...row, jobs: row.n };
      if (Date.now() > until) throw new Error(`job of ${callId} did not finish: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('waits out the outage without using a retry, then completes the one job once', async () => {
    const callId = await newCall();
    storeDownFor = new Map([[callId, 4]]); // four attempts meet the outage; the queue allows two
    await pipeline.enqueue('vad', { callId });
    const job = await jobOf(callId);
    expect(job).toMatchObject({ state: 'completed', retry_count: 0, jobs: 1 });
    expect(runs.get(callId)).toBe(5);
    const outcome = await database.handle.db
      .selectFrom('analysis_outcomes')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirstOrThrow();
    expect(outcome.status).toBe('done');
  });

  it('still fails a stage whose own error persists past its retries', async () => {
    broken = await newCall();
    await pipeline.enqueue('vad', { callId: broken });
    const job = await jobOf(broken);
    expect(job.state).toBe('failed');
    expect(runs.get(broken)).toBe(2);
    const outcome = await database.handle.db
      .selectFrom('analysis_outcomes')
      .selectAll()
      .where('call_id', '=', broken)
      .executeTakeFirstOrThrow();
    expect(outcome).toMatchObject({ status: 'failed', error_code: 'INVALID_AUDIO' });
  });
});

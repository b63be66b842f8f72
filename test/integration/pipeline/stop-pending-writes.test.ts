import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName } from '../../../services/pipeline/jobs.ts';
import type { Pipeline, StageHandler } from '../../../services/pipeline/pipeline.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedCall, testPipeline } from '../../support/pipeline.ts';

/**
 * The job queue records a failed job without awaiting that write, so a pipeline stopped right after a stage failed
 * could hand back before the write ended, and the caller close the pool under it (an unhandled "Cannot use a pool
 * after calling end on the pool" in a CI run). Stopping waits for those writes: here one is held back by a row lock.
 */
describe('stopping the pipeline while the queue records a failed job', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const failNow = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    database = await createTestDatabase();
    pipeline = testPipeline(database, ['vad'], { retryLimit: 0 });
    const failing = {
      stage: 'vad',
      version: 1,
      run: async () => {
        started();
        await failNow;
        throw new Error('the stage failed');
      },
    } as unknown as StageHandler;
    await pipeline.work([failing], () => 1);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await database?.drop();
  });

  it('hands back only once the failure is written', async () => {
    const callId = await seedCall(database);
    await pipeline.enqueue('vad', { callId });
    await running;
    const [job] = (
      await database.handle.pool.query<{ id: string }>(`select id from pgboss.job where name = $1`, [
        queueName('vad'),
      ])
    ).rows;
    // hold the job's row so that the queue's write of its failure waits
    const lock = await database.handle.pool.connect();
    try {
      await lock.query('begin');
      await lock.query('select id from pgboss.job where id = $1 for update', [job!.id]);
      release();
      let stopped = false;
      const stopping = pipeline.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 2_000));
      expect(stopped).toBe(false);
      await lock.query('commit');
      await stopping;
      expect(stopped).toBe(true);
    } finally {
      lock.release();
    }
    const { rows } = await database.handle.pool.query<{ state: string }>(
      `select state::text from pgboss.job where id = $1`,
      [job!.id],
    );
    expect(rows[0]!.state).toBe('failed');
  }, 60_000);
});

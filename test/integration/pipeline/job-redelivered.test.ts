import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName } from '../../../services/pipeline/jobs.ts';
import type { Pipeline, StageHandler } from '../../../services/pipeline/pipeline.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedCall, testPipeline } from '../../support/pipeline.ts';

/**
 * A worker can die after its stage's outcome and the next stage's job are committed but before the queue marks its
 * job completed; the job then expires and is delivered again. Running it again would queue the rest of the
 * pipeline a second time (seen once in a CI run of the production-shape test, where a worker is killed mid-run).
 */
describe('a stage job delivered again after its run was committed', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  const runs = new Map<string, number>();
  const counting = (stage: 'vad' | 'language'): StageHandler =>
    ({
      stage,
      version: 1,
      run: async ({ callId }: { callId: string }) => {
        runs.set(`${stage}:${callId}`, (runs.get(`${stage}:${callId}`) ?? 0) + 1);
        return { status: 'done' };
      },
    }) as StageHandler;

  beforeAll(async () => {
    database = await createTestDatabase();
    pipeline = testPipeline(database, ['vad', 'language']);
    await pipeline.work([counting('vad'), counting('language')], () => 1);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await database?.drop();
  });

  const jobs = async (stage: 'vad' | 'language', callId: string) =>
    (
      await database.handle.pool.query<{ id: string; state: string }>(
        `select id, state::text from pgboss.job where name = $1 and data->>'callId' = $2`,
        [queueName(stage), callId],
      )
    ).rows;
  const until = async (what: string, done: () => Promise<boolean>) => {
    for (const end = Date.now() + 30_000; !(await done());) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('is completed without running the stage again or queueing the next one twice', async () => {
    const callId = await seedCall(database);
    await pipeline.enqueue('vad', { callId });
    await until('both stages', async () =>
      (await jobs('language', callId)).some((j) => j.state === 'completed'),
    );
    expect([runs.get(`vad:${callId}`), runs.get(`language:${callId}`)]).toEqual([1, 1]);

    // The vad job comes back as an expired job the queue retries does (its worker "died" before completing it).
    const [vad] = await jobs('vad', callId);
    await database.handle.pool.query(
      `update pgboss.job set state = 'retry', completed_on = null, start_after = now() where id = $1`,
      [vad!.id],
    );
    await until('the vad job to complete again', async () =>
      (await jobs('vad', callId)).every((j) => j.state === 'completed'),
    );
    // Time for a duplicate language job to be queued and run, were there one.
    await new Promise((r) => setTimeout(r, 1500));
    expect([runs.get(`vad:${callId}`), runs.get(`language:${callId}`)]).toEqual([1, 1]);
    expect(await jobs('language', callId)).toHaveLength(1);
  });
});

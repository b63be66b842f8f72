import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName, type StageName } from '../../../services/pipeline/jobs.ts';
import type { Pipeline, StageHandler } from '../../../services/pipeline/pipeline.ts';
import { EscuchaError } from '../../../services/platform/errors.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { seedCall, testPipeline } from '../../support/pipeline.ts';

/**
 * A stage that meets an unavailable dependency (here the object store) more times than its retries allow still
 * finishes once the dependency is back, on the same job and with its retries untouched; a failure of the stage's
 * own, or one that only looks like an outage while the dependency answers, still uses them up and fails it.
 */
describe('pipeline jobs through a dependency outage', () => {
  let database: TestDatabase;
  let pipeline: Pipeline;
  const runs = new Map<string, number>();
  let storeDown = false;
  const kinds = new Map<string, 'store' | 'broken' | 'looks-like-database'>();
  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  const unreachable = () =>
    new EscuchaError('STORAGE_UNAVAILABLE', 'S3 endpoint is unreachable (reading a.ogg)', {
      cause: refused(),
    });

  const handler: StageHandler<'vad'> = {
    stage: 'vad',
    version: 1,
    run: async ({ callId }) => {
      runs.set(callId, (runs.get(callId) ?? 0) + 1);
      const kind = kinds.get(callId);
      if (kind === 'broken') throw new EscuchaError('INVALID_AUDIO', 'no audio stream');
      // A network error code from something other than the database, which answers meanwhile.
      if (kind === 'looks-like-database') throw refused();
      if (kind === 'store' && storeDown) throw unreachable();
      return { status: 'done' };
    },
  };

  async function newCall(kind: 'store' | 'broken' | 'looks-like-database'): Promise<string> {
    const id = await seedCall(database);
    kinds.set(id, kind);
    return id;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    pipeline = testPipeline(database, ['vad'], {
      checkStore: async () => {
        if (storeDown) throw unreachable();
      },
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
      const { rows } = await database.handle.pool.query<{ state: string; retry_count: number; n: number }>(
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

  const outcomeOf = (callId: string) =>
    database.handle.db
      .selectFrom('analysis_outcomes')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirstOrThrow();

  it('waits out the outage without using a retry, then completes the one job once', async () => {
    const callId = await newCall('store');
    storeDown = true;
    await pipeline.enqueue('vad', { callId });
    // Four attempts meet the outage; the queue allows two.
    const until = Date.now() + 30_000;
    while ((runs.get(callId) ?? 0) < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(runs.get(callId)).toBe(4);
    const waiting = await outcomeOf(callId);
    expect(waiting).toMatchObject({ status: 'pending', error_code: 'STORAGE_UNAVAILABLE' });
    expect(waiting.reason).toMatch(/^waiting for the object store: /);
    storeDown = false;
    const job = await jobOf(callId);
    expect(job).toMatchObject({ state: 'completed', retry_count: 0, jobs: 1 });
    expect(runs.get(callId)).toBe(5);
    expect((await outcomeOf(callId)).status).toBe('done');
  });

  it('still fails a stage whose own error persists past its retries', async () => {
    const callId = await newCall('broken');
    await pipeline.enqueue('vad', { callId });
    expect((await jobOf(callId)).state).toBe('failed');
    expect(runs.get(callId)).toBe(2);
    expect(await outcomeOf(callId)).toMatchObject({ status: 'failed', error_code: 'INVALID_AUDIO' });
  });

  it('counts an error that only looks like a database outage, while the database answers, as an attempt', async () => {
    const callId = await newCall('looks-like-database');
    await pipeline.enqueue('vad', { callId });
    expect((await jobOf(callId)).state).toBe('failed');
    expect(runs.get(callId)).toBe(2);
    expect(await outcomeOf(callId)).toMatchObject({ status: 'failed', error_code: 'INTERNAL' });
  });
});

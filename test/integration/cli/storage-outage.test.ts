import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { BIN, embeddedClient, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';
import { startS3Server, type S3TestServer } from '../../support/s3-server.ts';

const exec = promisify(execFile);

/** Several times what the job queue's retries cover with the settings below (about 1 + 2 s of backoff). */
const OUTAGE_MS = 20_000;

/**
 * Fault injection on `escucha serve` archiving to S3: the object store goes away for 20 s while calls are being
 * analysed, longer than the jobs' retries with backoff last (ESCUCHA_JOB_RETRY_LIMIT=2, first delay 1 s). The
 * process must stay up, report itself unhealthy while the store is away, and once the store is back finish every
 * stage of every call exactly once: an outage of a dependency does not use up a job's retries.
 */
describe('escucha serve through a long object-store outage', () => {
  let s3: S3TestServer;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let serve: ServeProcess;
  let key: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    ({ dir, env } = await serveEnv('escucha-s3-outage-', {
      ESCUCHA_SIP_PORT: '0',
      ESCUCHA_HEP_PORT: '0',
      ESCUCHA_ASR_MODEL: 'fixture',
      ESCUCHA_STORAGE: 's3',
      ESCUCHA_S3_ENDPOINT: s3.endpoint,
      ESCUCHA_S3_BUCKET: s3.bucket,
      ESCUCHA_S3_ACCESS_KEY_ID: s3.accessKeyId,
      ESCUCHA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      ESCUCHA_S3_FORCE_PATH_STYLE: 'true',
      ESCUCHA_JOB_RETRY_LIMIT: '2',
      ESCUCHA_JOB_RETRY_DELAY_SECONDS: '1',
      ESCUCHA_JOB_POLLING_SECONDS: '0.5',
    }));
    serve = await startServe(env, 90_000);
    key = (await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env })).stdout
      .trim()
      .split('\n')
      .pop()!;
  });

  afterAll(async () => {
    await serve?.stop();
    await s3?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const auth = () => ({ Authorization: `Bearer ${key}` });
  const get = (p: string, init?: RequestInit) =>
    fetch(`${serve.url}${p}`, init).catch((error: unknown) => {
      throw new Error(`${p}: ${String(error)}; serve exit ${serve.exitCode()}, output:\n${serve.output()}`);
    });

  async function upload(file: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([await readFile(file)]), path.basename(file));
    const res = await get('/api/v1/recordings', { method: 'POST', body: form, headers: auth() });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function stagesOf(callId: string, until: number) {
    for (;;) {
      const res = await get(`/api/v1/calls/${callId}/analysis`, { headers: auth() });
      if (res.status === 200) {
        const stages = ((await res.json()) as { stages: { stage: string; status: string }[] }).stages;
        // Finished, or failed (which leaves the stages after it never queued).
        if (stages.every((s) => s.status === 'done' || s.status === 'skipped')) return stages;
        if (stages.some((s) => s.status === 'failed')) return stages;
        if (Date.now() > until)
          throw new Error(`analysis of ${callId} did not finish: ${JSON.stringify(stages)}`);
      } else if (Date.now() > until) {
        throw new Error(`analysis of ${callId} answered ${res.status}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('stays up, answers 503 while the store is down, and analyses every call once after it is back', async () => {
    const audio = await makeFixture(dir, 'wav-ulaw', { seconds: 4, channels: 2, sampleRate: 8000 });
    const calls = [await upload(audio), await upload(audio), await upload(audio)];

    // The store goes away as the calls' first stages start reading their recordings.
    await s3.suspend();
    const health = new Set<number>();
    const down = Date.now();
    try {
      while (Date.now() - down < OUTAGE_MS) {
        const res = await get('/api/v1/health');
        health.add(res.status);
        if (res.status === 503) {
          const body = (await res.json()) as { checks: { storage: string } };
          expect(body.checks.storage).not.toBe('ok');
        }
        expect(serve.exitCode(), serve.output()).toBeNull();
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await s3.resume();
    }
    expect(health, 'health answers while the store was down').toEqual(new Set([503]));
    // The outage reached the pipeline: some stage met the store away (otherwise this test proves nothing).
    expect(serve.output()).toContain('STORAGE_UNAVAILABLE');

    const until = Date.now() + 50_000;
    for (const id of calls) {
      const stages = await stagesOf(id, until);
      expect(
        stages.filter((s) => s.status !== 'done' && s.status !== 'skipped'),
        JSON.stringify(stages),
      ).toEqual([]);
    }
    expect((await get('/api/v1/health')).status).toBe(200);

    // Exactly once: one job per call and stage, completed; nothing failed, nothing dead-lettered.
    const db = await embeddedClient(env.ESCUCHA_DATA_DIR!);
    try {
      const jobs = await db.query<{ name: string; call: string; n: number; states: string[] }>(
        `select name, data->>'callId' as call, count(*)::int as n, array_agg(distinct state::text) as states
           from pgboss.job where data->>'callId' = any($1) group by 1, 2`,
        [calls],
      );
      expect(new Set(jobs.rows.map((r) => r.call))).toEqual(new Set(calls));
      expect(jobs.rows.length).toBeGreaterThanOrEqual(calls.length * 3);
      expect(jobs.rows.filter((r) => r.n !== 1 || r.states.join() !== 'completed')).toEqual([]);
    } finally {
      await db.end();
    }
    expect(serve.exitCode(), serve.output()).toBeNull();
  }, 150_000);
});

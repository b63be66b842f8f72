import { once } from 'node:events';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { BIN, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';

const exec = promisify(execFile);

/**
 * The production shape: two API processes and two worker processes on one separately run PostgreSQL and one object
 * store, as operators run them; one API and one worker are killed (SIGKILL) while calls are being uploaded and
 * analysed. Every call uploaded with a 201 is analysed, each stage once, none failed, nothing lost.
 */
describe('two APIs and two workers, one of each killed mid-run', () => {
  let database: TestDatabase;
  let dir: string;
  let base: NodeJS.ProcessEnv;
  const serves: ServeProcess[] = [];
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ dir, env: base } = await serveEnv('escucha-production-shape-', {
      DATABASE_URL: database.url,
      ESCUCHA_STORAGE: 'fs',
      ESCUCHA_SIP_PORT: '0',
      ESCUCHA_HEP_PORT: '0',
      ESCUCHA_WORKERS_IN_SERVE: 'false',
      ESCUCHA_ASR_MODEL: 'fixture',
      ESCUCHA_JOB_RETRY_DELAY_SECONDS: '1',
      ESCUCHA_JOB_EXPIRE_SECONDS: '10',
      ESCUCHA_JOB_MAINTENANCE_SECONDS: '1',
      ESCUCHA_JOB_POLLING_SECONDS: '0.5',
    }));
    base.ESCUCHA_STORAGE_DIR = path.join(dir, 'objects');
  });

  afterAll(async () => {
    for (const s of serves) await s.stop();
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Each process has its own data directory (temp files, audit anchor); database and objects are shared. */
  const envFor = (name: string) => ({ ...base, ESCUCHA_DATA_DIR: path.join(dir, name) });

  function startWorker(name: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, [BIN, 'worker'], {
      env: envFor(name),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.push(child);
    let out = '';
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('worker running stages')) resolve(child);
      });
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}):\n${out}`)));
    });
  }

  it('analyses every call once, whichever processes die', async () => {
    const [api1, api2] = [await startServe(envFor('api1'), 90_000), await startServe(envFor('api2'), 90_000)];
    serves.push(api1, api2);
    // Worker A alone at first, so the job it is killed holding can only be finished by B after it expires.
    const workerA = await startWorker('worker-a');
    const key = (
      await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env: envFor('cli') })
    ).stdout
      .trim()
      .split('\n')
      .pop()!;
    const auth = { Authorization: `Bearer ${key}` };
    const audio = await makeFixture(dir, 'wav-ulaw', { seconds: 4, channels: 2, sampleRate: 8000 });
    const bytes = await readFile(audio);

    const uploaded: string[] = [];
    for (let i = 0; i < 8; i++) {
      const api = i % 2 === 0 ? api1 : api2;
      if (api.child.exitCode !== null || api.child.signalCode !== null) continue;
      const form = new FormData();
      form.append('file', new Blob([bytes]), `call-${i}.wav`);
      const res = await fetch(`${api.url}/api/v1/recordings`, { method: 'POST', body: form, headers: auth });
      expect(res.status, await res.clone().text()).toBe(201);
      uploaded.push(((await res.json()) as { id: string }).id);
      // Mid-run: the first worker dies while it holds a job, then the second starts; the second API dies after its
      // second upload.
      if (i === 2) {
        let holding = false;
        for (const until = Date.now() + 20_000; !holding && Date.now() < until;) {
          const running = await database.handle.pool.query(
            `select count(*)::int as n from analysis_outcomes where status = 'running'`,
          );
          holding = running.rows[0].n > 0;
          if (!holding) await new Promise((r) => setTimeout(r, 20));
        }
        expect(holding, 'worker A never held a job').toBe(true);
        workerA.kill('SIGKILL');
        await startWorker('worker-b');
      }
      if (i === 3) {
        // wait for its exit: the next upload must see the API dead, not race a process still going down (it once
        // accepted the connection and reset it under load)
        const gone = once(api2.child, 'exit');
        api2.child.kill('SIGKILL');
        await gone;
      }
    }
    expect(uploaded.length).toBe(6); // the killed API's later uploads were not made

    // Every call is analysed through the surviving API and worker.
    const until = Date.now() + 180_000;
    for (const id of uploaded) {
      for (;;) {
        const res = await fetch(`${api1.url}/api/v1/calls/${id}/analysis`, { headers: auth });
        expect(res.status).toBe(200);
        const stages = ((await res.json()) as { stages: { stage: string; status: string }[] }).stages;
        if (stages.every((s) => ['done', 'skipped', 'failed'].includes(s.status))) {
          expect(
            stages.filter((s) => s.status === 'failed'),
            JSON.stringify(stages),
          ).toEqual([]);
          break;
        }
        if (Date.now() > until) throw new Error(`call ${id} not analysed: ${JSON.stringify(stages)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }

    // Once each: one job per call and stage, completed; transcripts not doubled.
    const jobs = await database.handle.pool.query<{
      name: string;
      call: string;
      n: number;
      states: string[];
    }>(
      `select name, data->>'callId' as call, count(*)::int as n, array_agg(distinct state::text) as states
         from pgboss.job where data->>'callId' = any($1) group by 1, 2`,
      [uploaded],
    );
    expect(jobs.rows.length).toBeGreaterThan(uploaded.length);
    expect(jobs.rows.filter((r) => r.n !== 1 || r.states.join() !== 'completed')).toEqual([]);
    // The job worker A died holding was run again, by B, after it expired.
    const retried = await database.handle.pool.query(
      `select count(*)::int as n from pgboss.job where data->>'callId' = any($1) and retry_count > 0`,
      [uploaded],
    );
    expect(retried.rows[0].n).toBeGreaterThan(0);
    const segments = await database.handle.pool.query(
      `select count(*)::int as n, count(distinct (call_id, channel, start_ms))::int as d
         from transcript_segments where call_id = any($1)`,
      [uploaded],
    );
    expect(segments.rows[0].n).toBe(segments.rows[0].d);
    const calls = await database.handle.pool.query('select count(*)::int as n from calls');
    expect(calls.rows[0].n).toBe(uploaded.length);
  }, 300_000);
});

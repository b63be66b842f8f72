import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { BIN, embeddedClient, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';

const exec = promisify(execFile);

/**
 * Fault injection on `escucha serve` with default settings (embedded PostgreSQL, workers in the process): the
 * database is killed while calls are being analysed. The process must stay up, answer 503 (never 500) while the
 * database is away, start it again by itself, and finish every call's analysis exactly once afterwards.
 */
describe('escucha serve through a database outage', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let serve: ServeProcess;
  let url: string;
  let key: string;
  let output: () => string = () => '';
  let exitCode: () => number | null = () => null;

  async function start(): Promise<void> {
    serve = await startServe(env, 90_000);
    url = serve.url;
    output = serve.output;
    exitCode = serve.exitCode;
  }

  const postmasterPid = async () =>
    Number((await readFile(path.join(dir, 'var', 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);

  beforeAll(async () => {
    ({ dir, env } = await serveEnv('escucha-outage-', {
      ESCUCHA_SIP_PORT: '0',
      ESCUCHA_HEP_PORT: '0',
      ESCUCHA_ASR_MODEL: 'fixture',
      ESCUCHA_JOB_RETRY_DELAY_SECONDS: '1',
    }));
    await start();
    key = (await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env })).stdout
      .trim()
      .split('\n')
      .pop()!;
  });

  afterAll(async () => {
    await serve.stop();
    // A serve killed with SIGKILL leaves its PostgreSQL running; the next one used it without owning it.
    const pid = await postmasterPid().catch(() => 0);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch {
        // stopped
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  const auth = () => ({ Authorization: `Bearer ${key}` });

  async function upload(file: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([await readFile(file)]), path.basename(file));
    const res = await fetch(`${url}/api/v1/recordings`, { method: 'POST', body: form, headers: auth() });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  async function stagesOf(callId: string, timeoutMs: number) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${url}/api/v1/calls/${callId}/analysis`, { headers: auth() });
      if (res.status === 200) {
        const stages = ((await res.json()) as { stages: { stage: string; status: string }[] }).stages;
        if (stages.every((s) => ['done', 'skipped', 'failed'].includes(s.status))) return stages;
        if (Date.now() > until)
          throw new Error(`analysis of ${callId} did not finish: ${JSON.stringify(stages)}`);
      } else if (Date.now() > until) {
        throw new Error(`analysis of ${callId} answered ${res.status}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('keeps serving, answers 503 while the database is down, and finishes every call after it is back', async () => {
    const audio = await makeFixture(dir, 'wav-ulaw', { seconds: 4, channels: 2, sampleRate: 8000 });
    const calls = [await upload(audio), await upload(audio), await upload(audio)];

    // Kill the database as the calls are being analysed (every process of it, as a crash would).
    process.kill(await postmasterPid(), 'SIGKILL');

    const seen = { health: new Set<number>(), calls: new Set<number>() };
    const until = Date.now() + 60_000;
    let healthy = false;
    const get = (path: string, init?: RequestInit) =>
      fetch(`${url}${path}`, init).catch((error: unknown) => {
        throw new Error(`${path}: ${String(error)}; serve exit ${exitCode()}, output:\n${output()}`);
      });
    while (Date.now() < until) {
      const health = await get('/api/v1/health');
      seen.health.add(health.status);
      const list = await get('/api/v1/calls', { headers: auth() });
      seen.calls.add(list.status);
      if (list.status === 503) expect((await list.json()).error.code, output()).toBe('DATABASE_UNAVAILABLE');
      if (health.status === 200 && list.status === 200 && seen.health.has(503)) {
        healthy = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(exitCode(), output()).toBeNull();
    expect(healthy, `health answers seen: ${[...seen.health].join(', ')}`).toBe(true);
    expect(seen.health).toContain(503);
    expect(seen.calls, 'a request needing the database while it was down').toContain(503);
    expect(
      [...seen.calls].every((s) => s === 200 || s === 503),
      [...seen.calls].join(', '),
    ).toBe(true);

    // Every call analysed (no stage failed, nothing left queued), and a new call goes through as before.
    calls.push(await upload(audio));
    for (const id of calls) {
      const stages = await stagesOf(id, 120_000);
      expect(
        stages.filter((s) => s.status === 'failed'),
        JSON.stringify(stages),
      ).toEqual([]);
    }
    const list = await fetch(`${url}/api/v1/calls?limit=100`, { headers: auth() });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(4);
    // Exactly once: one completed job per call and stage, whatever was in flight when the database died.
    const db = await embeddedClient(env.ESCUCHA_DATA_DIR!);
    try {
      const jobs = await db.query<{ name: string; n: number; states: string[] }>(
        `select name, data->>'callId' as call, count(*)::int as n, array_agg(distinct state::text) as states
           from pgboss.job where data->>'callId' = any($1) group by 1, 2`,
        [calls],
      );
      expect(jobs.rows.length).toBeGreaterThanOrEqual(calls.length * 3);
      expect(jobs.rows.filter((r) => r.n !== 1 || r.states.join() !== 'completed')).toEqual([]);
    } finally {
      await db.end();
    }
    expect(exitCode(), output()).toBeNull();
  }, 240_000);

  it('after a kill -9 mid-upload, the next start removes the partial upload and serves again', async () => {
    const tmp = path.join(dir, 'var', 'tmp');
    const uploads = async () =>
      (await readdir(tmp).catch(() => [] as string[])).filter((n) => n.startsWith('upload-'));
    const before = await uploads();
    // An upload that never finishes: the headers and part of a large file, then nothing.
    const { hostname, port } = new URL(url);
    const boundary = 'escucha-test-boundary';
    const req = httpRequest({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port),
      method: 'POST',
      path: '/api/v1/recordings',
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(50 * 1024 * 1024),
      },
    });
    req.on('error', () => undefined);
    let answer = '';
    req.on('response', (res) => {
      answer = `${res.statusCode}`;
      res.on('data', (c: Buffer) => (answer += c.toString()));
    });
    req.write(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="call.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
    );
    req.write(Buffer.alloc(2 * 1024 * 1024, 1));
    const until = Date.now() + 20_000;
    while ((await uploads()).length === before.length && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await uploads()).length, `${answer} ${(await readdir(path.join(dir, 'var'))).join(',')}`).toBe(
      before.length + 1,
    );
    const exited = new Promise((resolve) => serve.child.once('exit', resolve));
    serve.child.kill('SIGKILL');
    await exited;
    req.destroy();
    expect((await uploads()).length).toBe(before.length + 1);

    await start();
    expect(await uploads()).toEqual([]);
    const health = await fetch(`${url}/api/v1/health`);
    expect(health.status).toBe(200);
  }, 120_000);
});

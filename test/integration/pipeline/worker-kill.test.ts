import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallMetadata } from '../../../models/call.ts';
import { ArchiveService } from '../../../services/archive/archive.service.ts';
import { FfmpegAudioTool } from '../../../services/archive/audio.ffmpeg.ts';
import { CallRepository } from '../../../services/archive/call.repository.ts';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import { Pipeline } from '../../../services/pipeline/pipeline.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { requireTools, synthesizeCall, type Line } from '../speech/synthetic-speech.ts';
import { requireFixtureModel } from './speech-harness.ts';

const BIN = fileURLToPath(new URL('../../../bin/escucha.js', import.meta.url));

/** `escucha worker` as its own process, as operators run it. */
function startWorker(
  env: Record<string, string>,
  name: string,
): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker running stages')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) =>
      reject(new Error(`worker ${name} exited (${code}) before it was ready:\n${out}`)),
    );
  });
  return { child, ready, output: () => out };
}

describe('escucha worker', () => {
  let database: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    requireFixtureModel();
    await requireTools('espeak-ng', 'sox', 'ffmpeg');
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-worker-kill-'));
    env = {
      DATABASE_URL: database.url,
      ESCUCHA_DATA_DIR: dir,
      ESCUCHA_STORAGE: 'fs',
      ESCUCHA_STORAGE_DIR: path.join(dir, 'objects'),
      ESCUCHA_MODELS_DIR: path.join(dir, 'models'),
      ESCUCHA_ASR_MODEL: 'fixture',
      ESCUCHA_ASR_WORKERS: '1',
      ESCUCHA_WORKER_CONCURRENCY: '1',
      ESCUCHA_LANGUAGES: 'es,en',
      ESCUCHA_JOB_RETRY_LIMIT: '3',
      ESCUCHA_JOB_RETRY_DELAY_SECONDS: '1',
      ESCUCHA_JOB_EXPIRE_SECONDS: '8',
      ESCUCHA_JOB_MAINTENANCE_SECONDS: '1',
      ESCUCHA_JOB_POLLING_SECONDS: '0.5',
      ESCUCHA_LOG_LEVEL: 'warn',
    };
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('retries a transcription whose worker was killed on another worker, and stores the transcript once', async () => {
    const a = startWorker(env, 'A');
    children.push(a.child);
    await a.ready;

    // Archive a call the way the API does, into the same database, storage and queues the workers use.
    const logger = silentLogger();
    const pipeline = new Pipeline({
      db: database.handle.db,
      pool: database.handle.pool,
      logger,
      order: ['vad', 'language', 'transcribe'],
      retryLimit: 3,
      retryDelaySeconds: 1,
      expireInSeconds: 8,
      maintenanceIntervalSeconds: 1,
      pollingIntervalSeconds: 0.5,
    });
    await pipeline.start();
    const store = new FsObjectStore({ root: env.ESCUCHA_STORAGE_DIR! });
    const archive = new ArchiveService({
      calls: new CallRepository(database.handle.db),
      store,
      audio: new FfmpegAudioTool(),
      profile: { format: 'opus', bitrateKbps: 16, sampleRate: 16000, opusComplexity: 5 },
      logger,
      concurrency: 1,
      onArchived: pipeline.enqueueFirst,
    });
    const agent: Line[] = [];
    const customer: Line[] = [];
    for (let k = 0; k < 8; k++) {
      agent.push({
        text: 'le informamos que esta llamada está siendo grabada por calidad',
        voice: 'es',
        at: k * 10 + 0.5,
      });
      customer.push({ text: 'voy a hacer el pago el próximo viernes', voice: 'es', at: k * 10 + 6 });
    }
    const wav = path.join(dir, 'call.wav');
    await synthesizeCall(wav, { left: agent, right: customer }, 80);
    const { callId } = await archive.ingest({
      filePath: wav,
      sizeBytes: (await stat(wav)).size,
      metadata: { language: 'es' } as CallMetadata,
      source: 'upload',
    });

    // Kill worker A while its transcription job is running.
    let jobId: string | null = null;
    const until = Date.now() + 90_000;
    for (;;) {
      const o = await database.handle.db
        .selectFrom('analysis_outcomes')
        .select(['status', 'job_id'])
        .where('call_id', '=', callId)
        .where('stage', '=', 'transcribe')
        .executeTakeFirst();
      if (o?.status === 'running') {
        a.child.kill('SIGKILL');
        jobId = o.job_id;
        break;
      }
      if (o?.status === 'done' || Date.now() > until)
        throw new Error(`could not catch the job running: ${JSON.stringify(o)}\n${a.output()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => a.child.once('exit', r));
    const killedState = await database.handle.pool.query('SELECT state FROM pgboss.job WHERE id = $1', [
      jobId,
    ]);
    expect(killedState.rows[0]?.state).toBe('active'); // A died holding it

    const b = startWorker(env, 'B');
    children.push(b.child);
    await b.ready;

    let outcome;
    for (;;) {
      outcome = await database.handle.db
        .selectFrom('analysis_outcomes')
        .selectAll()
        .where('call_id', '=', callId)
        .where('stage', '=', 'transcribe')
        .executeTakeFirstOrThrow();
      if (outcome.status === 'done' || outcome.status === 'failed') break;
      if (Date.now() > until + 60_000)
        throw new Error(`not retried: ${JSON.stringify(outcome)}\n${b.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(outcome.status).toBe('done');
    expect(outcome.model).toBe('fixture (test-only)');
    expect(outcome.attempts).toBeGreaterThanOrEqual(2);
    // On a loaded machine B's run can outlast the expiry too (pg-boss 10 has no heartbeat), and the job is run
    // once more; it still ends completed, and the transcript is stored once (below).
    let job;
    for (const deadline = Date.now() + 90_000; ;) {
      job = await database.handle.pool.query('SELECT state, retry_count FROM pgboss.job WHERE id = $1', [
        jobId,
      ]);
      if (job.rows[0]?.state !== 'retry' && job.rows[0]?.state !== 'active') break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(job.rows[0]).toMatchObject({ state: 'completed' });
    expect(job.rows[0].retry_count).toBeGreaterThanOrEqual(1);

    const counts = await database.handle.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT (channel, start_ms))::int AS distinct_n,
              count(*) FILTER (WHERE party = 'agent' AND text LIKE '%grabada%')::int AS disclosures
         FROM transcript_segments WHERE call_id = $1`,
      [callId],
    );
    expect(counts.rows[0].n).toBeGreaterThan(0);
    expect(counts.rows[0].n).toBe(counts.rows[0].distinct_n);
    expect(counts.rows[0].disclosures).toBe(8);
    const speech = await database.handle.pool.query(
      'SELECT count(*)::int AS n FROM speech_segments WHERE call_id = $1',
      [callId],
    );
    expect(counts.rows[0].n).toBeLessThanOrEqual(speech.rows[0].n);

    b.child.kill('SIGTERM');
    await new Promise((r) => b.child.once('exit', r));
    await pipeline.stop();
    await store.close();
  }, 360_000);
});

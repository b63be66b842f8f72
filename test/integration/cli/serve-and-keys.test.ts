import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { BIN, embeddedClient, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';

const exec = promisify(execFile);

/** `escucha serve` as users run it, on its own data dir with the embedded PostgreSQL; other commands beside it. */
describe('escucha serve', () => {
  let dir: string;
  let serve: ServeProcess;
  let url: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ dir, env } = await serveEnv('escucha-cli-'));
    serve = await startServe(env, 90_000);
    url = serve.url;
  });

  const embeddedDb = () => embeddedClient(env.ESCUCHA_DATA_DIR!);

  afterAll(async () => {
    await serve.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers health without a key and refuses the API without one', async () => {
    const health = await fetch(`${url}/api/v1/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', checks: { database: 'ok', storage: 'ok' } });
    expect((await fetch(`${url}/api/v1/calls`)).status).toBe(401);
  });

  it('creates a key with `keys create` on the running embedded database, printed on the last line', async () => {
    const { stdout } = await exec(
      process.execPath,
      [BIN, 'keys', 'create', '--role', 'admin', '--name', 'test'],
      { env },
    );
    const key = stdout.trim().split('\n').pop()!;
    expect(key).toMatch(/^esk_[0-9a-f]{8}_/);
    const res = await fetch(`${url}/api/v1/calls`, { headers: { Authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [], nextCursor: null });
  });

  it('imports a folder with CSV metadata, and the calls are searchable through the running API', async () => {
    const audioDir = path.join(dir, 'recordings');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(audioDir);
    const a = await makeFixture(audioDir, 'wav-ulaw', { seconds: 1.5, channels: 2, sampleRate: 8000 });
    const b = await makeFixture(audioDir, 'mp3', { seconds: 2, channels: 1, sampleRate: 22050 });
    const csv = path.join(dir, 'calls.csv');
    await writeFile(
      csv,
      `file,agentId,campaign,disposition,daysPastDue,custom.tier\n${path.basename(a)},A7,late-stage,PTP,45,gold\n${path.basename(b)},A8,early-stage,NO_ANSWER,3,silver\n`,
    );
    const { stdout } = await exec(
      process.execPath,
      [BIN, 'import', audioDir, '--metadata', csv, '--no-progress'],
      { env },
    );
    expect(stdout).toMatch(/imported 2, already archived 0, failed 0/);
    const again = await exec(
      process.execPath,
      [BIN, 'import', audioDir, '--metadata', csv, '--no-progress'],
      { env },
    );
    expect(again.stdout).toMatch(/imported 2/); // no externalId in the CSV: each import is a new call

    const key = (
      await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'qa_supervisor'], { env })
    ).stdout
      .trim()
      .split('\n')
      .pop()!;
    const res = await fetch(`${url}/api/v1/calls?campaign=late-stage&custom.tier=gold&minDaysPastDue=40`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    const body = (await res.json()) as { items: { agentId: string; disposition: string }[] };
    expect(body.items).toHaveLength(2);
    expect(body.items.every((i) => i.agentId === 'A7' && i.disposition === 'PTP')).toBe(true);
  });

  it('refuses an upload from a key without the ingest role', async () => {
    const key = (await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'trainer'], { env })).stdout
      .trim()
      .split('\n')
      .pop()!;
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(10)]), 'x.wav');
    const res = await fetch(`${url}/api/v1/recordings`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(403);
  });

  it('fails with a message naming the variable when the config is wrong', async () => {
    const result = await exec(process.execPath, [BIN, 'migrate'], {
      env: { ...env, ESCUCHA_STORAGE: 'tape' },
    }).catch((e: { stderr: string; code: number }) => e);
    expect((result as { code: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/CONFIG_INVALID.*ESCUCHA_STORAGE/);
  });

  it('anchors the audit log outside the database, so removing its newest entries is detected', async () => {
    const key = (await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env })).stdout
      .trim()
      .split('\n')
      .pop()!;
    // Audited actions: searches.
    for (let i = 0; i < 3; i++) {
      await fetch(`${url}/api/v1/calls?campaign=anchor-${i}`, {
        headers: { Authorization: `Bearer ${key}` },
      });
    }
    const anchorFile = path.join(env.ESCUCHA_DATA_DIR!, 'audit-anchor.json');
    const db = await embeddedDb();
    try {
      const head = (await db.query<{ id: string }>('select max(id)::text as id from audit_log')).rows[0]!.id;
      const until = Date.now() + 15_000;
      for (;;) {
        const anchored = await readFile(anchorFile, 'utf8').then(
          (t) => (JSON.parse(t) as { lastId: string }).lastId,
          () => '0',
        );
        if (BigInt(anchored) >= BigInt(head)) break;
        if (Date.now() > until)
          throw new Error(`the audit head ${head} was not anchored (anchor at ${anchored})`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const intact = await exec(process.execPath, [BIN, 'audit', 'verify'], { env });
      expect(intact.stdout).toMatch(/audit log intact: \d+ entries.*anchored outside the database/);

      // Someone with database rights removes the newest entries, triggers and all: the chain left is intact.
      await db.query('alter table audit_log disable trigger audit_log_append_only');
      await db.query('delete from audit_log where id > (select max(id) - 2 from audit_log)');
      await db.query('alter table audit_log enable trigger audit_log_append_only');
      const altered = await exec(process.execPath, [BIN, 'audit', 'verify'], { env }).catch(
        (e: { stderr: string; code: number }) => e,
      );
      expect((altered as { code: number }).code).toBe(1);
      expect((altered as { stderr: string }).stderr).toMatch(
        /audit log ALTERED: entry \d+, anchored at .* is no longer in the log/,
      );
      // The API's verify says the same, and the anchor did not move back.
      const res = await fetch(`${url}/api/v1/audit/verify`, { headers: { Authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { ok: boolean; anchor: { state: string } };
      expect(body.ok).toBe(false);
      expect(body.anchor.state).toBe('missing');
    } finally {
      await db.end();
    }
  });

  it('`archive verify` re-hashes stored recordings and names one altered in the store (exit 1)', async () => {
    const all = await exec(process.execPath, [BIN, 'archive', 'verify', '--all'], { env });
    expect(all.stdout).toMatch(/^(\d+) recordings checked .*: all match what was archived/m);
    const db = await embeddedDb();
    let key: string;
    try {
      key = (await db.query<{ object_key: string }>('select object_key from recordings limit 1')).rows[0]!
        .object_key;
    } finally {
      await db.end();
    }
    const file = path.join(env.ESCUCHA_DATA_DIR!, 'objects', ...key.split('/'));
    const bytes = await readFile(file);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(file, bytes);
    const bad = await exec(process.execPath, [BIN, 'archive', 'verify', '--all'], { env }).catch(
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toContain(`MISMATCH`);
    expect((bad as { stderr: string }).stderr).toContain(key);
    expect((bad as { stdout: string }).stdout).toMatch(/1 do not; they are flagged/);
  });

  it('stops on SIGTERM in order, its embedded database last: no session ended under the shutdown', async () => {
    const pidFile = path.join(env.ESCUCHA_DATA_DIR!, 'postgres', 'postmaster.pid');
    const postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    expect(() => process.kill(postmaster, 0)).not.toThrow();
    const before = serve.output().length;
    await serve.stop();
    expect(serve.exitCode()).toBe(0);
    // What it logged while stopping (warnings and errors at this log level).
    expect(serve.output().slice(before)).not.toMatch(/57P0[1-3]|terminating connection|ended by the server/);
    expect(() => process.kill(postmaster, 0)).toThrow();
  });
});

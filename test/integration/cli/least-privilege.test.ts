import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { BIN, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';

const exec = promisify(execFile);

/**
 * The production shape on an external PostgreSQL: the owner role migrates and grants, and `escucha serve` runs as a
 * login role that is not the owner nor a superuser. Everything works through it, and it cannot remove or change
 * audit entries, nor switch off the triggers that protect them.
 */
describe('escucha on an external PostgreSQL with a least-privileged role', () => {
  const suffix = randomBytes(4).toString('hex');
  const owner = { name: `esc_owner_${suffix}`, password: randomBytes(12).toString('hex') };
  const app = { name: `esc_app_${suffix}`, password: randomBytes(12).toString('hex') };
  const database = `esc_lp_${suffix}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let serve: ServeProcess | undefined;
  const urlFor = (role: { name: string; password: string }) => {
    const url = new URL(inject('pgAdminUrl'));
    url.username = role.name;
    url.password = role.password;
    url.pathname = `/${database}`;
    return url.toString();
  };

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE ROLE ${owner.name} LOGIN PASSWORD '${owner.password}'`);
    await admin.query(`CREATE ROLE ${app.name} LOGIN PASSWORD '${app.password}'`);
    await admin.query(`CREATE DATABASE ${database} OWNER ${owner.name}`);
    ({ dir, env } = await serveEnv('escucha-least-privilege-', {
      ESCUCHA_SIP_PORT: '0',
      ESCUCHA_HEP_PORT: '0',
      ESCUCHA_ASR_MODEL: 'fixture',
    }));
  });

  afterAll(async () => {
    await serve?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${app.name}`);
    await admin.query(`DROP ROLE IF EXISTS ${owner.name}`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates as the owner, serves as the app role, and the app role cannot touch the audit trail', async () => {
    const migrated = await exec(process.execPath, [BIN, 'migrate', '--grant', app.name], {
      env: { ...env, DATABASE_URL: urlFor(owner) },
    });
    expect(migrated.stdout).toContain(`granted ${app.name}`);

    const appEnv = { ...env, DATABASE_URL: urlFor(app) };
    serve = await startServe(appEnv, 90_000);
    const key = (
      await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env: appEnv })
    ).stdout
      .trim()
      .split('\n')
      .pop()!;
    const auth = { Authorization: `Bearer ${key}` };
    const audio = await makeFixture(dir, 'wav-ulaw', { seconds: 3, channels: 2, sampleRate: 8000 });
    const form = new FormData();
    form.append('file', new Blob([await readFile(audio)]), 'call.wav');
    const uploaded = await fetch(`${serve.url}/api/v1/recordings`, {
      method: 'POST',
      body: form,
      headers: auth,
    });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };

    // The analysis runs through the app role (job queue included) to the end.
    const until = Date.now() + 120_000;
    let stages: { stage: string; status: string; reason: string | null }[] = [];
    for (;;) {
      const res = await fetch(`${serve.url}/api/v1/calls/${id}/analysis`, { headers: auth });
      expect(res.status).toBe(200);
      stages = ((await res.json()) as { stages: typeof stages }).stages;
      if (stages.every((s) => ['done', 'skipped', 'failed'].includes(s.status))) break;
      if (Date.now() > until) throw new Error(`analysis did not finish: ${JSON.stringify(stages)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(
      stages.filter((s) => s.status === 'failed'),
      JSON.stringify(stages),
    ).toEqual([]);
    const audio200 = await fetch(`${serve.url}/api/v1/calls/${id}/audio`, { headers: auth });
    expect(audio200.status).toBe(200);

    // As the app role: reading and appending the audit log work, nothing else on it does.
    const client = new pg.Client({ connectionString: urlFor(app) });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>('select count(*)::text as n from audit_log');
      expect(Number(rows[0]!.n)).toBeGreaterThan(0);
      const refused: string[] = [];
      for (const statement of [
        'delete from audit_log',
        'update audit_log set action = $$x$$',
        'truncate audit_log',
        'alter table audit_log disable trigger audit_log_append_only',
        'drop table audit_log',
      ]) {
        const error = await client.query(statement).then(
          () => null,
          (e: { code?: string }) => e,
        );
        refused.push(`${statement}: ${error?.code ?? 'ALLOWED'}`);
      }
      // 42501: insufficient privilege (must be owner, or permission denied).
      expect(refused).toEqual([
        'delete from audit_log: 42501',
        'update audit_log set action = $$x$$: 42501',
        'truncate audit_log: 42501',
        'alter table audit_log disable trigger audit_log_append_only: 42501',
        'drop table audit_log: 42501',
      ]);
      // Refused by privilege, not only by the append-only triggers an owner could switch off.
      const privileges = await client.query<Record<string, boolean>>(
        `select ${['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']
          .map((p) => `has_table_privilege(current_user, 'audit_log', '${p}') as "${p}"`)
          .join(', ')}`,
      );
      expect(privileges.rows[0]).toEqual({
        SELECT: true,
        INSERT: true,
        UPDATE: false,
        DELETE: false,
        TRUNCATE: false,
      });
      const calls = await client.query<{ d: boolean }>(
        `select has_table_privilege(current_user, 'calls', 'DELETE') as d`,
      );
      expect(calls.rows[0]!.d).toBe(true); // retention deletes calls
      const superuser = await client.query<{ rolsuper: boolean }>(
        'select rolsuper from pg_roles where rolname = current_user',
      );
      expect(superuser.rows[0]!.rolsuper).toBe(false);
    } finally {
      await client.end();
    }
    const verify = await exec(process.execPath, [BIN, 'audit', 'verify'], { env: appEnv });
    expect(verify.stdout).toMatch(/audit log intact/);
  }, 240_000);
});

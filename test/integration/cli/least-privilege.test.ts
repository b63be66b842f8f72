import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { startEmbeddedPostgres } from '../../../services/platform/embedded-postgres.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { BIN, embeddedClient, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';

const exec = promisify(execFile);

/** An admin key, a call uploaded through the API and analysed to the end (job queue included), its audio played. */
async function uploadAndAnalyse(serve: ServeProcess, env: NodeJS.ProcessEnv, dir: string): Promise<string> {
  const key = (await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env })).stdout
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
  return id;
}

/**
 * As the application role: reading and appending the audit log work (the app appended its own entries, `listen`
 * among them), nothing else on it does; it is no superuser and owns nothing.
 */
async function expectLeastPrivileged(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ n: string }>(
    `select count(*)::text as n from audit_log where action = 'listen'`,
  );
  expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  const refused: string[] = [];
  for (const statement of [
    'delete from audit_log',
    'delete from audit_log where id = (select max(id) from audit_log)',
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
    'delete from audit_log where id = (select max(id) from audit_log): 42501',
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
  const role = await client.query<{ rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>(
    'select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = current_user',
  );
  expect(role.rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
  const owned = await client.query<{ name: string }>(
    `select c.relname as name from pg_class c where pg_get_userbyid(c.relowner) = current_user
     union all select nspname from pg_namespace where pg_get_userbyid(nspowner) = current_user`,
  );
  expect(owned.rows).toEqual([]);
}

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
    await uploadAndAnalyse(serve, appEnv, dir);

    const client = new pg.Client({ connectionString: urlFor(app) });
    await client.connect();
    try {
      await expectLeastPrivileged(client);
    } finally {
      await client.end();
    }
    const verify = await exec(process.execPath, [BIN, 'audit', 'verify'], { env: appEnv });
    expect(verify.stdout).toMatch(/audit log intact/);
  }, 240_000);
});

/**
 * The same shape on the embedded PostgreSQL: Escucha migrates as the cluster's owner and runs as its application role,
 * whose password it keeps in postgres.json. A data dir from before that role existed gets it at its next start.
 */
describe('escucha on the embedded PostgreSQL runs as a least-privileged application role', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    ({ dir, env } = await serveEnv('escucha-embedded-roles-', {
      ESCUCHA_SIP_PORT: '0',
      ESCUCHA_HEP_PORT: '0',
      ESCUCHA_ASR_MODEL: 'fixture',
      ESCUCHA_JOB_MAINTENANCE_SECONDS: '1', // the job queue's upkeep runs as the application role too
    }));
  });

  afterAll(async () => {
    await serve?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades a data dir without the role, serves as it, and the role cannot touch the audit trail', async () => {
    const dataDir = env.ESCUCHA_DATA_DIR!;
    const stateFile = path.join(dataDir, 'postgres.json');
    // A data dir as an earlier version left it: migrated by the cluster's owner, no application role, and its
    // postgres.json holding the owner's credentials only.
    const earlier = await startEmbeddedPostgres({
      dataDir,
      pgDir: path.join(dataDir, 'postgres'),
      port: 0,
      logger: silentLogger(),
    });
    try {
      const migrated = await exec(process.execPath, [BIN, 'migrate'], { env });
      expect(migrated.stdout).toMatch(/applied: /);
      const owner = await embeddedClient(dataDir);
      try {
        await owner.query('DROP OWNED BY escucha_app');
        await owner.query('DROP ROLE escucha_app');
      } finally {
        await owner.end();
      }
      const {
        appUser: _u,
        appPassword: _p,
        ...ownerOnly
      } = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
      await writeFile(stateFile, JSON.stringify(ownerOnly), { mode: 0o600 });
    } finally {
      await earlier.stop();
    }

    serve = await startServe(env, 90_000);
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as {
      port: number;
      user: string;
      appUser: string;
      appPassword: string;
    };
    expect(state.appUser).toBe('escucha_app');
    expect(state.appPassword.length).toBeGreaterThanOrEqual(24);
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);

    await uploadAndAnalyse(serve, env, dir);

    const app = new pg.Client({
      host: '127.0.0.1',
      port: state.port,
      user: state.appUser,
      password: state.appPassword,
      database: 'escucha',
    });
    await app.connect();
    try {
      await expectLeastPrivileged(app);
    } finally {
      await app.end();
    }
    // Every connection serve holds (API, workers, job queue) is the application role's; the owner owns the tables.
    const owner = await embeddedClient(dataDir);
    try {
      const sessions = await owner.query<{ usename: string }>(
        `select distinct usename from pg_stat_activity
          where datname = 'escucha' and backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      expect(sessions.rows).toEqual([{ usename: 'escucha_app' }]);
      const audit = await owner.query<{ owner: string }>(
        `select tableowner as owner from pg_tables where tablename = 'audit_log'`,
      );
      expect(audit.rows).toEqual([{ owner: state.user }]);
    } finally {
      await owner.end();
    }

    const verify = await exec(process.execPath, [BIN, 'audit', 'verify'], { env });
    expect(verify.stdout).toMatch(/audit log intact/);
    const migrate = await exec(process.execPath, [BIN, 'migrate'], { env });
    expect(migrate.stdout).toContain('database is up to date');
    expect(serve.output()).not.toContain(state.appPassword);
    expect(serve.output()).not.toMatch(/job queue error|permission denied/);
  }, 240_000);
});

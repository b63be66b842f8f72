import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../../services/api/auth/password.hasher.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const exec = promisify(execFile);
const BIN = path.resolve('bin/escucha.js');

/** `escucha users …`, `escucha demo`, `escucha retention run`, `escucha audit verify` on a real database. */
describe('escucha users, demo, retention and audit commands', () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[]) => exec(process.execPath, [BIN, ...args], { env });
  const fail = (args: string[]) =>
    run(args).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
  const row = (username: string) =>
    database.handle.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      ...process.env,
      DATABASE_URL: database.url,
      ESCUCHA_LOG_LEVEL: 'warn',
      ESCUCHA_DATA_DIR: '/tmp/escucha-cli-unused',
    };
  });
  afterAll(async () => {
    await database.drop();
  });

  it('adds a user with a generated password printed once, hashed with argon2id', async () => {
    const { stdout } = await run([
      'users',
      'add',
      'Marta',
      '--role',
      'compliance_officer',
      '--name',
      'Marta Díaz',
      '--teams',
      'a, b',
    ]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('created compliance_officer marta');
    const password = lines.pop()!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{18}$/);
    const user = await row('marta');
    expect(user).toMatchObject({ display_name: 'Marta Díaz', teams: ['a', 'b'], role: 'compliance_officer' });
    expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await new PasswordHasher().verify(user.password_hash, password)).toBe(true);
    const dup = await fail(['users', 'add', 'marta', '--role', 'trainer']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/CONFLICT/);
    const agent = await fail(['users', 'add', 'carolina', '--role', 'agent']);
    expect(agent.stderr).toMatch(/--agent-id/);
  });

  it('changes a password, disables and enables a user, and lists users', async () => {
    await run(['users', 'add', 'jorge', '--role', 'trainer', '--password', 'a-long-password-1']);
    const before = (await row('jorge')).password_hash;
    const { stdout } = await run(['users', 'passwd', 'jorge', '--password', 'another-password-2']);
    expect(stdout).toMatch(/password of jorge changed/);
    const after = await row('jorge');
    expect(after.password_hash).not.toBe(before);
    expect(await new PasswordHasher().verify(after.password_hash, 'another-password-2')).toBe(true);
    await run(['users', 'disable', 'jorge']);
    expect((await row('jorge')).disabled).toBe(true);
    const list = await run(['users', 'list']);
    expect(list.stdout).toMatch(/^jorge\ttrainer\tdisabled\t/m);
    await run(['users', 'enable', 'jorge']);
    expect((await row('jorge')).disabled).toBe(false);
    expect((await fail(['users', 'passwd', 'nobody'])).stderr).toMatch(/NOT_FOUND/);
  });

  it('creates one demo user per role, keeps their passwords when run again unless --reset-passwords', async () => {
    const first = await run(['demo', '--no-calls']);
    const parse = (out: string) =>
      Object.fromEntries(
        out
          .split('\n')
          .map((l) => /^\s+(\w+)\s+(demo-[\w-]+)\s+(\S+)$/.exec(l))
          .filter((m) => m !== null)
          .map((m) => [m[1], { username: m[2], password: m[3] }]),
      );
    const a = parse(first.stdout);
    expect(Object.keys(a).sort()).toEqual([
      'admin',
      'agent',
      'compliance_officer',
      'qa_supervisor',
      'trainer',
    ]);
    expect(first.stdout).toMatch(/^Sign in at http:\/\/127\.0\.0\.1:8080\/ /m);
    expect((await row('demo-agent')).agent_id).toBe('A0042');

    const again = await run(['demo', '--no-calls']);
    expect(parse(again.stdout)).toEqual({});
    expect(again.stdout).toMatch(/^\s+admin\s+demo-admin\s+\(password unchanged\)$/m);
    expect(again.stdout).toMatch(/--reset-passwords/);
    expect(await new PasswordHasher().verify((await row('demo-admin')).password_hash, a.admin.password)).toBe(
      true,
    );

    const b = parse((await run(['demo', '--no-calls', '--reset-passwords'])).stdout);
    expect(Object.keys(b)).toHaveLength(5);
    expect(b.admin.password).not.toBe(a.admin.password);
    expect(await new PasswordHasher().verify((await row('demo-admin')).password_hash, b.admin.password)).toBe(
      true,
    );
  });

  it('imports the agent roster from a CSV file, all rows or none', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-roster-'));
    try {
      const bad = path.join(dir, 'bad.csv');
      await writeFile(bad, 'agent_id,name,team\nA1,Ana,norte\n,Sin id,sur\n');
      const refused = await fail(['agents', 'import', bad]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${bad}:3: no agent_id`);
      const good = path.join(dir, 'roster.csv');
      await writeFile(good, 'agent_id,name,team,campaign\nA1,Ana Gómez,norte,mora-30\nA2,,sur,\n');
      expect((await run(['agents', 'import', good])).stdout).toMatch(/^2 agents imported/);
      const rows = await database.handle.db
        .selectFrom('agent_roster')
        .select(['agent_id', 'name', 'team', 'campaign'])
        .orderBy('agent_id')
        .execute();
      expect(rows).toEqual([
        { agent_id: 'A1', name: 'Ana Gómez', team: 'norte', campaign: 'mora-30' },
        { agent_id: 'A2', name: null, team: 'sur', campaign: null },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs retention from the command line and verifies the audit trail it wrote', async () => {
    const dry = await run(['retention', 'run', '--dry-run']);
    expect(dry.stdout).toMatch(/0 expired, 0 to delete, 0 on legal hold, 0 failed/);
    const verify = await run(['audit', 'verify']);
    expect(verify.stdout).toMatch(/audit log intact: \d+ entries/);
    const actions = await database.handle.db.selectFrom('audit_log').select('action').orderBy('id').execute();
    expect(actions.map((a) => a.action)).toContain('retention_dry_run');
    expect(actions.map((a) => a.action)).toContain('user_create');
  });
});

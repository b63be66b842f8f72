import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The server's keys: 32 random bytes, hex, in a file of the data directory that only its owner reads, made on first
 * use (the first process to write it wins; the others read it). One file per purpose, so no key signs two kinds of
 * thing; deleting a file replaces its key and invalidates only what it signed.
 */
export async function loadOrCreateKey(dir: string, name: string): Promise<Buffer> {
  const file = path.join(dir, name);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error; // another process made it first
      },
    );
  }
  return Buffer.from((await readFile(file, 'utf8')).trim(), 'hex');
}

import { readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from './logger.ts';

/**
 * Names this process's temporary files carry (`<host>.<pid>`), so that a later process can tell a leftover of a
 * process that no longer runs on this host (removed at once) from work in progress elsewhere.
 */
export function processTag(): string {
  return `${os.hostname().replace(/[^A-Za-z0-9-]/g, '_')}.${process.pid}`;
}

function writerGone(name: string): boolean | undefined {
  const host = os.hostname().replace(/[^A-Za-z0-9-]/g, '_');
  const at = name.indexOf(`${host}.`);
  if (at < 0 || (at > 0 && name[at - 1] !== '-')) return undefined;
  const m = /^(\d+)-/.exec(name.slice(at + host.length + 1));
  if (!m) return undefined;
  const pid = Number(m[1]);
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Files a process leaves behind when it is killed mid-work: uploads being received (`upload-*`), clips being cut
 * (`clip-*`), captures being imported (`import-pcap-*`) in the temp folder, and objects being written into the local
 * store (`.incoming/`). Another process on the same data dir may be writing its own right now: an entry is removed
 * when its name says a process of this host wrote it and that process is gone, or else when it has not been
 * modified for `olderThanMs` (a file being written is modified all the time).
 */
export const TEMP_PREFIXES = ['upload-', 'clip-', 'import-pcap-'] as const;

export interface SweepResult {
  removed: string[];
  bytes: number;
}

async function sweepFolder(
  dir: string,
  keep: (name: string) => boolean,
  olderThanMs: number,
  now: number,
  into: SweepResult,
): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // nothing there yet
  }
  for (const name of names) {
    if (keep(name)) continue;
    const full = path.join(dir, name);
    const info = await stat(full).catch(() => undefined);
    if (!info) continue;
    const gone = writerGone(name);
    if (gone === false) continue;
    if (gone === undefined && now - info.mtimeMs < olderThanMs) continue;
    const size = info.isDirectory() ? await folderBytes(full) : info.size;
    await rm(full, { recursive: true, force: true });
    into.removed.push(full);
    into.bytes += size;
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory()
      ? await folderBytes(full)
      : ((await stat(full).catch(() => undefined))?.size ?? 0);
  }
  return total;
}

/** Removes crash leftovers at start-up and says what went in the log. */
export async function sweepLeftovers(options: {
  tmpDir: string;
  /** The local object store's incoming folder, when storage is local. */
  incomingDir?: string;
  olderThanMs?: number;
  logger: Logger;
  now?: number;
}): Promise<SweepResult> {
  const olderThanMs = options.olderThanMs ?? 60 * 60_000;
  const now = options.now ?? Date.now();
  const result: SweepResult = { removed: [], bytes: 0 };
  await sweepFolder(
    options.tmpDir,
    (name) => !TEMP_PREFIXES.some((p) => name.startsWith(p)),
    olderThanMs,
    now,
    result,
  );
  if (options.incomingDir) await sweepFolder(options.incomingDir, () => false, olderThanMs, now, result);
  if (result.removed.length > 0) {
    options.logger.warn(
      { files: result.removed.length, bytes: result.bytes, examples: result.removed.slice(0, 5) },
      'removed files left behind by an interrupted process (uploads, clips, imports, objects being stored)',
    );
  }
  return result;
}

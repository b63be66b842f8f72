import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadOrCreateKey } from '../../platform/key-file.ts';
import type { Logger } from '../../platform/logger.ts';
import { PeriodicTask } from '../../platform/periodic.ts';

/**
 * The audit chain's head kept outside the database: the last entry's id and hash, signed (HMAC-SHA256) with a key
 * that lives beside it in the data directory, written by the serving process every few seconds. The hash chain
 * shows an entry altered or removed from the middle; only this shows the newest entries removed (someone with
 * database rights deleting the tail leaves a shorter chain that is intact). `audit verify` requires the anchored
 * entry to be in the chain with the anchored hash. The anchor never moves back: a head below it is reported, not
 * written.
 */

export interface AnchorPoint {
  lastId: string;
  lastHash: string;
  anchoredAt: string;
}

export type AnchorRead =
  { state: 'none' } | { state: 'valid'; point: AnchorPoint } | { state: 'tampered'; reason: string };

const KEY_FILE = 'audit-anchor.key';
const ANCHOR_FILE = 'audit-anchor.json';

export class AuditAnchor {
  private key: Buffer | undefined;
  private periodic: PeriodicTask | undefined;
  private reportedLoss = false;

  constructor(
    private readonly dir: string,
    private readonly logger?: Logger,
  ) {}

  get file(): string {
    return path.join(this.dir, ANCHOR_FILE);
  }

  private async signingKey(): Promise<Buffer> {
    this.key ??= await loadOrCreateKey(this.dir, KEY_FILE);
    return this.key;
  }

  private async mac(point: AnchorPoint): Promise<string> {
    return createHmac('sha256', await this.signingKey())
      .update(`${point.lastId}\n${point.lastHash}\n${point.anchoredAt}`)
      .digest('hex');
  }

  async read(): Promise<AnchorRead> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' };
      throw error;
    }
    let parsed: Partial<AnchorPoint & { mac: string }>;
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return { state: 'tampered', reason: 'the anchor file is not valid JSON' };
    }
    const { lastId, lastHash, anchoredAt, mac } = parsed;
    if (
      typeof lastId !== 'string' ||
      typeof lastHash !== 'string' ||
      typeof anchoredAt !== 'string' ||
      !mac
    ) {
      return { state: 'tampered', reason: 'the anchor file lacks its fields' };
    }
    const point = { lastId, lastHash, anchoredAt };
    const expected = Buffer.from(await this.mac(point), 'hex');
    const found = Buffer.from(String(mac), 'hex');
    if (expected.length !== found.length || !timingSafeEqual(expected, found)) {
      return { state: 'tampered', reason: 'the anchor file does not match its signature' };
    }
    return { state: 'valid', point };
  }

  /** Moves the anchor to `head` when it is past the current one (`current`: the anchor as just read, if it was). */
  async advance(head: { id: string; hash: string }, current?: AnchorRead): Promise<boolean> {
    const now = current ?? (await this.read());
    if (now.state === 'valid' && BigInt(now.point.lastId) >= BigInt(head.id)) return false;
    if (now.state === 'tampered') return false; // kept for verify to report
    const point: AnchorPoint = { lastId: head.id, lastHash: head.hash, anchoredAt: new Date().toISOString() };
    const body = JSON.stringify({ ...point, mac: await this.mac(point) }, null, 2);
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, body, { mode: 0o600 });
    await rename(tmp, this.file);
    return true;
  }

  /**
   * Every `intervalMs`, anchors the chain's current head (read with `head`); when the anchored entry is no longer
   * there (`hashOf` gives another hash or none), logs an alert and keeps the anchor.
   */
  start(
    source: {
      head(): Promise<{ id: string; hash: string } | undefined>;
      hashOf(id: string): Promise<string | undefined>;
    },
    intervalMs = 2000,
  ): void {
    const tick = async () => {
      const head = await source.head();
      const current = await this.read();
      if (current.state === 'valid') {
        const { lastId, lastHash } = current.point;
        if (head?.id === lastId && head.hash === lastHash) return; // nothing new since the last tick
        if ((await source.hashOf(lastId)) !== lastHash) {
          if (!this.reportedLoss) {
            this.logger?.error(
              { anchoredId: lastId },
              'AUDIT LOG ALTERED: the last anchored entry is gone or changed (run escucha audit verify)',
            );
          }
          this.reportedLoss = true;
          return;
        }
      }
      if (head) await this.advance(head, current);
    };
    this.periodic = new PeriodicTask(
      () =>
        tick().catch((error: unknown) => this.logger?.warn({ err: error }, 'could not anchor the audit log')),
      { intervalMs, firstDelayMs: intervalMs },
    );
    this.periodic.start();
  }

  async stop(): Promise<void> {
    await this.periodic?.stop();
  }
}

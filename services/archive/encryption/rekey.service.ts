import { errorMessage, isEscuchaError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { EncryptedObjectStore } from './encrypted.store.ts';
import type { RekeyRecording, RekeyRepository } from './rekey.repository.ts';

export interface RekeyReport {
  /** Recordings looked at. */
  checked: number;
  /** Stored unencrypted before, encrypted now. */
  encrypted: number;
  /** Wrapped by an older master key before, by the current one now. */
  rewrapped: number;
  /** Already under the current master key. */
  current: number;
  problems: { objectKey: string; detail: string }[];
}

/**
 * `escucha archive rekey`: brings every stored recording under the current master key, so an older key can be
 * retired and recordings stored before encryption was turned on are encrypted. Re-wrapping rewrites an object's
 * header only. Safe to interrupt and run again: each object is replaced whole (the store's put is atomic), and an
 * object whose recording was deleted meanwhile (retention) is not brought back.
 */
export class RekeyService {
  constructor(
    private readonly deps: { recordings: RekeyRepository; store: EncryptedObjectStore; logger: Logger },
  ) {}

  async run(onProgress?: (report: RekeyReport) => void): Promise<RekeyReport> {
    const report: RekeyReport = { checked: 0, encrypted: 0, rewrapped: 0, current: 0, problems: [] };
    let afterId: string | null = null;
    for (;;) {
      const rows = await this.deps.recordings.page(afterId, 500);
      for (const row of rows) {
        await this.one(row, report);
        report.checked++;
        onProgress?.(report);
      }
      if (rows.length < 500) return report;
      afterId = rows.at(-1)!.id;
    }
  }

  private async one(row: RekeyRecording, report: RekeyReport): Promise<void> {
    try {
      const outcome = await this.deps.store.rekey(row.objectKey);
      report[outcome.action]++;
      if (outcome.action === 'current') return;
      if (!(await this.deps.recordings.exists(row.id))) {
        await this.deps.store.delete(row.objectKey); // deleted by retention while it was being rewritten
        return;
      }
      if (outcome.action === 'encrypted' && outcome.sha256 !== row.sha256.trim()) {
        report.problems.push({
          objectKey: row.objectKey,
          detail: `encrypted, but its bytes did not match what was archived (sha256 ${outcome.sha256}); run escucha archive verify`,
        });
      }
    } catch (error) {
      if (isEscuchaError(error, 'STORAGE_UNAVAILABLE') || isEscuchaError(error, 'DATABASE_UNAVAILABLE'))
        throw error;
      const detail = isEscuchaError(error, 'OBJECT_NOT_FOUND')
        ? 'the object is not in the store'
        : errorMessage(error);
      report.problems.push({ objectKey: row.objectKey, detail });
      this.deps.logger.error(
        { objectKey: row.objectKey, err: error },
        'rekey: an object could not be re-keyed',
      );
    }
  }
}

import { createHash } from 'node:crypto';
import type { RecordingRow } from '../../models/database.ts';
import { errorMessage, EscuchaError, isEscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { PeriodicTask } from '../platform/periodic.ts';
import type { ObjectStore } from './object-store.ts';
import type { RecordingIntegrityRepository } from './recording-integrity.repository.ts';

/**
 * Stored recordings checked against the sha256 computed when they were archived: on demand (`escucha archive
 * verify`), on a daily sample inside serve, and before a recording is played when it has not been checked for a
 * day. A mismatch or an unreadable object is recorded on the recording (`integrity_error`), logged as an alert, and
 * playback of it is refused (RECORDING_CORRUPT) until it is restored and verified again.
 */

export interface IntegrityProblem {
  recordingId: string;
  callId: string;
  kind: string;
  objectKey: string;
  problem: 'mismatch' | 'missing' | 'unreadable';
  detail: string;
}

export interface IntegrityReport {
  checked: number;
  bytes: number;
  problems: IntegrityProblem[];
}

export class IntegrityService {
  /** Recording id and object version checked and found right by this process. */
  private readonly verified = new Set<string>();

  constructor(
    private readonly deps: {
      recordings: RecordingIntegrityRepository;
      store: ObjectStore;
      logger: Logger;
      /** Told of every problem found (the audit trail). */
      onProblem?: (problem: IntegrityProblem) => Promise<void>;
    },
  ) {}

  /** Re-hashes one stored object; records the outcome on the recording. */
  async check(recording: RecordingRow): Promise<IntegrityProblem | null> {
    let problem: IntegrityProblem | null = null;
    const base = {
      recordingId: recording.id,
      callId: recording.call_id,
      kind: recording.kind,
      objectKey: recording.object_key,
    };
    try {
      const hash = createHash('sha256');
      const body = await this.deps.store.get(recording.object_key);
      for await (const chunk of body) hash.update(chunk as Buffer);
      const found = hash.digest('hex');
      if (found !== recording.sha256.trim()) {
        problem = {
          ...base,
          problem: 'mismatch',
          detail: `sha256 ${found}, archived as ${recording.sha256.trim()}`,
        };
      }
    } catch (error) {
      if (isEscuchaError(error, 'OBJECT_NOT_FOUND')) {
        problem = { ...base, problem: 'missing', detail: 'the object is not in the store' };
      } else if (
        isEscuchaError(error, 'STORAGE_UNAVAILABLE') ||
        isEscuchaError(error, 'ENCRYPTION_KEY_UNKNOWN')
      ) {
        throw error; // the store is down, or its key is not configured: nothing is known about the object
      } else {
        problem = { ...base, problem: 'unreadable', detail: errorMessage(error) };
      }
    }
    await this.deps.recordings.recordCheck(
      recording.id,
      problem ? `${problem.problem}: ${problem.detail}` : null,
    );
    if (problem) {
      this.deps.logger.error(
        problem,
        'RECORDING INTEGRITY: a stored recording does not match what was archived',
      );
      await this.deps.onProblem?.(problem);
    }
    return problem;
  }

  /**
   * Before playback: a recording known to be bad is refused; otherwise its object is re-hashed unless this process
   * already checked this very version of it (the store's version changes whenever the bytes are replaced or touched),
   * so a player's range requests cost one `stat`, and an object altered in place is caught at its next play.
   */
  async ensurePlayable(recording: RecordingRow): Promise<void> {
    let failed = recording.integrity_error !== null;
    if (!failed) {
      const info = await this.deps.store.head(recording.object_key).catch((error: unknown) => {
        if (isEscuchaError(error, 'OBJECT_NOT_FOUND')) return null;
        throw error;
      });
      const key = `${recording.id}|${info?.version ?? 'missing'}`;
      if (!info || !this.verified.has(key)) {
        failed = (await this.check(recording)) !== null;
        if (!failed) this.remember(key);
      }
    }
    if (failed) {
      throw new EscuchaError(
        'RECORDING_CORRUPT',
        `the stored ${recording.kind} recording of call ${recording.call_id} does not match what was archived; it is not played (restore it from a backup, then run escucha archive verify)`,
        { details: { callId: recording.call_id, kind: recording.kind } },
      );
    }
  }

  private remember(key: string): void {
    this.verified.add(key);
    if (this.verified.size > 20_000) this.verified.delete(this.verified.values().next().value!);
  }

  /** Checks `sample` recordings picked at random (default 100), or every one in id order (`all`). */
  async verify(options: { sample?: number; all?: boolean }): Promise<IntegrityReport> {
    const report: IntegrityReport = { checked: 0, bytes: 0, problems: [] };
    const pageSize = 500;
    let afterId: string | null = null;
    for (;;) {
      const rows: RecordingRow[] = options.all
        ? await this.deps.recordings.page(afterId, pageSize)
        : await this.deps.recordings.sample(options.sample ?? 100);
      for (const r of rows) {
        const problem = await this.check(r);
        report.checked++;
        report.bytes += Number(r.size_bytes);
        if (problem) report.problems.push(problem);
      }
      if (!options.all || rows.length < pageSize) return report;
      afterId = rows.at(-1)!.id;
    }
  }
}

/** Runs a sampled verification once a day inside serve (first run an hour after start-up). */
export class IntegrityScheduler extends PeriodicTask {
  constructor(
    service: IntegrityService,
    logger: Logger,
    options: { sample: number; intervalMs: number; firstDelayMs: number } = {
      sample: 100,
      intervalMs: 24 * 60 * 60_000,
      firstDelayMs: 60 * 60_000,
    },
  ) {
    super(async () => {
      try {
        const r = await service.verify({ sample: options.sample });
        logger.info(
          { checked: r.checked, problems: r.problems.length },
          'daily integrity check of a sample of stored recordings',
        );
      } catch (error) {
        logger.error({ err: error }, 'daily integrity check failed');
      }
    }, options);
  }
}

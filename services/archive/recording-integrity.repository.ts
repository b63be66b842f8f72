import { sql } from 'kysely';
import type { RecordingRow } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';

/** The recordings the integrity check reads, and where it records what it found. */
export class RecordingIntegrityRepository {
  constructor(private readonly db: Db) {}

  /** Recordings in id order after `afterId` (null: from the first). */
  page(afterId: string | null, limit: number): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .$if(afterId !== null, (q) => q.where('id', '>', afterId!))
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Recordings picked at random. */
  sample(size: number): Promise<RecordingRow[]> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .orderBy(sql`random()`)
      .limit(Math.max(0, size))
      .execute();
  }

  /** Marks a recording checked now, with its problem (`mismatch: …`) or none. */
  async recordCheck(recordingId: string, problem: string | null): Promise<void> {
    await this.db
      .updateTable('recordings')
      .set({ verified_at: new Date(), integrity_error: problem })
      .where('id', '=', recordingId)
      .execute();
  }
}

import type { Db } from '../../platform/database.ts';

/** A stored recording as re-keying sees it. */
export interface RekeyRecording {
  id: string;
  objectKey: string;
  sha256: string;
}

/** What `escucha archive rekey` reads of the recordings: pages of them in id order, and whether one still exists. */
export class RekeyRepository {
  constructor(private readonly db: Db) {}

  /** Up to `limit` recordings with an id after `afterId` (from the first when null), in id order. */
  async page(afterId: string | null, limit: number): Promise<RekeyRecording[]> {
    const rows = await this.db
      .selectFrom('recordings')
      .select(['id', 'object_key', 'sha256'])
      .$if(afterId !== null, (q) => q.where('id', '>', afterId!))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, objectKey: r.object_key, sha256: r.sha256 }));
  }

  /** Whether a recording is still there (retention may have deleted it meanwhile). */
  async exists(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('recordings').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }
}

import type { Selectable } from 'kysely';
import type { ClipsTable, CollectionsTable, RecordingRow } from '../../../models/database.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';

export interface Clip {
  id: string;
  callId: string;
  startMs: number;
  endMs: number;
  title: string;
  note: string | null;
  createdBy: string;
  createdAt: string;
}

export interface Collection {
  id: string;
  name: string;
  description: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  items?: number;
}

export interface CollectionItem {
  id: string;
  callId: string;
  clip: Clip | null;
  note: string | null;
  addedBy: string;
  addedAt: string;
  call: {
    startedAt: string;
    durationMs: number;
    agentId: string | null;
    agentName: string | null;
    team: string | null;
    language: string | null;
    campaign: string | null;
    disposition: string | null;
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(what: string, id: string): EscuchaError {
  return new EscuchaError('NOT_FOUND', `no ${what} ${id}`);
}

type ClipRow = Selectable<ClipsTable>;

function toCollection(r: Selectable<CollectionsTable>): Collection {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toClip(r: ClipRow): Clip {
  return {
    id: r.id,
    callId: r.call_id,
    startMs: r.start_ms,
    endMs: r.end_ms,
    title: r.title,
    note: r.note,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  };
}

/** The training library: collections of calls and clips (time ranges of a call) with notes. */
export class TrainingRepository {
  constructor(private readonly db: Db) {}

  async collections(): Promise<Collection[]> {
    const rows = await this.db
      .selectFrom('collections')
      .leftJoin('collection_items', 'collection_items.collection_id', 'collections.id')
      .selectAll('collections')
      .select((eb) => eb.fn.count<string>('collection_items.id').as('items'))
      .groupBy('collections.id')
      .orderBy('collections.name')
      .execute();
    return rows.map((r) => ({ ...toCollection(r), items: Number(r.items) }));
  }

  async collection(id: string): Promise<Collection> {
    const r = UUID.test(id)
      ? await this.db.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;
    if (!r) throw notFound('collection', id);
    return toCollection(r);
  }

  async createCollection(name: string, description: string | null, createdBy: string): Promise<Collection> {
    const r = await this.db
      .insertInto('collections')
      .values({ name, description, created_by: createdBy })
      .returning('id')
      .executeTakeFirstOrThrow();
    return this.collection(r.id);
  }

  async updateCollection(
    id: string,
    patch: { name?: string; description?: string | null },
  ): Promise<Collection> {
    await this.collection(id);
    await this.db
      .updateTable('collections')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .execute();
    return this.collection(id);
  }

  async deleteCollection(id: string): Promise<Collection> {
    const c = await this.collection(id);
    await this.db.deleteFrom('collections').where('id', '=', id).execute();
    return c;
  }

  async items(collectionId: string): Promise<CollectionItem[]> {
    const rows = await this.db
      .selectFrom('collection_items as i')
      .innerJoin('calls as c', 'c.id', 'i.call_id')
      .leftJoin('clips as k', 'k.id', 'i.clip_id')
      .select([
        'i.id',
        'i.call_id',
        'i.note',
        'i.added_by',
        'i.added_at',
        'c.started_at',
        'c.duration_ms',
        'c.agent_id',
        'c.agent_name',
        'c.team',
        'c.language',
        'c.campaign',
        'c.disposition',
        'k.id as clip_id',
        'k.start_ms',
        'k.end_ms',
        'k.title',
        'k.note as clip_note',
        'k.created_by as clip_created_by',
        'k.created_at as clip_created_at',
      ])
      .where('i.collection_id', '=', collectionId)
      .orderBy('i.added_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      callId: r.call_id,
      note: r.note,
      addedBy: r.added_by,
      addedAt: r.added_at.toISOString(),
      clip: r.clip_id
        ? toClip({
            id: r.clip_id,
            call_id: r.call_id,
            start_ms: r.start_ms!,
            end_ms: r.end_ms!,
            title: r.title!,
            note: r.clip_note,
            created_by: r.clip_created_by!,
            created_at: r.clip_created_at!,
          })
        : null,
      call: {
        startedAt: r.started_at.toISOString(),
        durationMs: r.duration_ms,
        agentId: r.agent_id,
        agentName: r.agent_name,
        team: r.team,
        language: r.language,
        campaign: r.campaign,
        disposition: r.disposition,
      },
    }));
  }

  async addItem(
    collectionId: string,
    item: { callId: string; clipId: string | null; note: string | null },
    addedBy: string,
  ): Promise<string> {
    await this.collection(collectionId);
    const r = await this.db
      .insertInto('collection_items')
      .values({
        collection_id: collectionId,
        call_id: item.callId,
        clip_id: item.clipId,
        note: item.note,
        added_by: addedBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await this.db
      .updateTable('collections')
      .set({ updated_at: new Date() })
      .where('id', '=', collectionId)
      .execute();
    return r.id;
  }

  async removeItem(collectionId: string, itemId: string): Promise<{ callId: string }> {
    if (!UUID.test(itemId)) throw notFound('collection item', itemId);
    const r = await this.db
      .deleteFrom('collection_items')
      .where('id', '=', itemId)
      .where('collection_id', '=', collectionId)
      .returning('call_id')
      .executeTakeFirst();
    if (!r) throw notFound('collection item', itemId);
    return { callId: r.call_id };
  }

  async clips(filter: { callId?: string; limit: number }): Promise<Clip[]> {
    const rows = await this.db
      .selectFrom('clips')
      .selectAll()
      .$if(filter.callId !== undefined, (qb) => qb.where('call_id', '=', filter.callId!))
      .orderBy('created_at', 'desc')
      .limit(filter.limit)
      .execute();
    return rows.map(toClip);
  }

  async clip(id: string): Promise<Clip> {
    const r = UUID.test(id)
      ? await this.db.selectFrom('clips').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;
    if (!r) throw notFound('clip', id);
    return toClip(r);
  }

  async createClip(c: Omit<Clip, 'id' | 'createdAt'>): Promise<Clip> {
    const r = await this.db
      .insertInto('clips')
      .values({
        call_id: c.callId,
        start_ms: c.startMs,
        end_ms: c.endMs,
        title: c.title,
        note: c.note,
        created_by: c.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toClip(r);
  }

  async deleteClip(id: string): Promise<Clip> {
    const clip = await this.clip(id);
    await this.db.deleteFrom('clips').where('id', '=', id).execute();
    return clip;
  }

  /** How long a call lasts (the call is known to exist: its access was checked). */
  async callDurationMs(callId: string): Promise<number> {
    const call = await this.db
      .selectFrom('calls')
      .select('duration_ms')
      .where('id', '=', callId)
      .executeTakeFirstOrThrow();
    return call.duration_ms;
  }

  /** The stored recordings of a call (original, redacted copy). */
  recordings(callId: string): Promise<RecordingRow[]> {
    return this.db.selectFrom('recordings').selectAll().where('call_id', '=', callId).execute();
  }

  /** The teams of the user who made something, or undefined when there is no such user. */
  async creatorTeams(userId: string): Promise<string[] | undefined> {
    const creator = await this.db
      .selectFrom('users')
      .select('teams')
      .where('id', '=', userId)
      .executeTakeFirst();
    return creator?.teams;
  }
}

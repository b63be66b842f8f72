import { callSearchSchema } from '../../../models/call.ts';
import { isUniqueViolation } from '../../archive/call.repository.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { parseOrThrow } from '../../platform/validation.ts';

export interface SavedSearch {
  id: string;
  name: string;
  query: Record<string, string>;
  createdAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Search parameters as GET /calls takes them (`custom.<field>` included) → the search schema's input. */
export function searchInput(query: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const custom: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (key.startsWith('custom.')) custom[key.slice('custom.'.length)] = value;
    else out[key] = value;
  }
  if (Object.keys(custom).length > 0) out.custom = custom;
  return out;
}

/** A saved query keeps only filters: paging and sorting belong to the page that shows it. */
export function cleanQuery(query: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (key === 'cursor' || key === 'limit' || value.trim() === '') continue;
    out[key] = value;
  }
  parseOrThrow(callSearchSchema, searchInput(out), 'INVALID_QUERY', 'invalid saved search');
  return out;
}

export class SavedSearchRepository {
  constructor(private readonly db: Db) {}

  async list(owner: string): Promise<SavedSearch[]> {
    const rows = await this.db
      .selectFrom('saved_searches')
      .selectAll()
      .where('owner', '=', owner)
      .orderBy('name')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      query: r.query,
      createdAt: r.created_at.toISOString(),
    }));
  }

  async get(id: string): Promise<(SavedSearch & { owner: string }) | undefined> {
    if (!UUID.test(id)) return undefined;
    const r = await this.db.selectFrom('saved_searches').selectAll().where('id', '=', id).executeTakeFirst();
    return (
      r && { id: r.id, owner: r.owner, name: r.name, query: r.query, createdAt: r.created_at.toISOString() }
    );
  }

  async create(owner: string, name: string, query: Record<string, string>): Promise<SavedSearch> {
    try {
      const r = await this.db
        .insertInto('saved_searches')
        .values({ owner, name, query: JSON.stringify(query) })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { id: r.id, name: r.name, query: r.query, createdAt: r.created_at.toISOString() };
    } catch (error) {
      if (isUniqueViolation(error))
        throw new EscuchaError('CONFLICT', `you already have a search named "${name}"`);
      throw error;
    }
  }

  async delete(owner: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const res = await this.db
      .deleteFrom('saved_searches')
      .where('id', '=', id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

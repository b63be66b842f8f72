import { Router } from 'express';
import { savedSearchInputSchema as newSchema } from '../contract/users.ts';
import { callSearchSchema } from '../../../models/call.ts';
import { isUniqueViolation } from '../../archive/call.repository.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import { principalRef } from '../auth/principal.ts';
import { parseOrThrow } from '../validation.ts';

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

/** Each person's saved searches (GET/POST /saved-searches, DELETE /saved-searches/:id). */
export function savedSearchesRouter(deps: { searches: SavedSearchRepository; auditor: Auditor }): Router {
  const router = Router();
  router.get('/saved-searches', async (req, res) => {
    res.json({ items: await deps.searches.list(principalRef(req.principal!)) });
  });
  router.post('/saved-searches', async (req, res) => {
    const body = parseOrThrow(newSchema, req.body, 'BAD_REQUEST', 'invalid saved search');
    const saved = await deps.searches.create(principalRef(req.principal!), body.name, cleanQuery(body.query));
    await deps.auditor.record(req, {
      action: 'saved_search_create',
      targetType: 'saved_search',
      targetId: saved.id,
      details: { name: saved.name, query: saved.query },
    });
    res.status(201).json(saved);
  });
  router.delete('/saved-searches/:id', async (req, res) => {
    if (!(await deps.searches.delete(principalRef(req.principal!), req.params.id))) {
      throw new EscuchaError('NOT_FOUND', `no saved search ${req.params.id}`);
    }
    await deps.auditor.record(req, {
      action: 'saved_search_delete',
      targetType: 'saved_search',
      targetId: req.params.id,
    });
    res.status(204).end();
  });
  return router;
}

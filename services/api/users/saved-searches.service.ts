import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import { principalRef } from '../../access/principal.ts';
import type { Caller } from '../../access/caller.ts';
import { cleanQuery, type SavedSearch, type SavedSearchRepository } from './saved-search.repository.ts';

/** Each person's saved searches: their own only, filters only (no paging), each change audited. */
export class SavedSearchService {
  constructor(private readonly deps: { searches: SavedSearchRepository; auditor: Auditor }) {}

  list(caller: Caller): Promise<SavedSearch[]> {
    return this.deps.searches.list(principalRef(caller.principal));
  }

  async create(caller: Caller, input: { name: string; query: Record<string, string> }): Promise<SavedSearch> {
    const saved = await this.deps.searches.create(
      principalRef(caller.principal),
      input.name,
      cleanQuery(input.query),
    );
    await this.deps.auditor.recordFor(caller, {
      action: 'saved_search_create',
      targetType: 'saved_search',
      targetId: saved.id,
      details: { name: saved.name, query: saved.query },
    });
    return saved;
  }

  async delete(caller: Caller, id: string): Promise<void> {
    if (!(await this.deps.searches.delete(principalRef(caller.principal), id))) {
      throw new EscuchaError('NOT_FOUND', `no saved search ${id}`);
    }
    await this.deps.auditor.recordFor(caller, {
      action: 'saved_search_delete',
      targetType: 'saved_search',
      targetId: id,
    });
  }
}

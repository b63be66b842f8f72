import type { Selectable } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Db } from './database.ts';
import { EscuchaError } from './errors.ts';

/** Tables of documents kept in numbered versions, one row per version (adherence scripts, evaluation forms). */
type VersionedTable = 'scripts' | 'evaluation_forms';

/**
 * A versioned document's row: the given version, or the latest; NOT_FOUND naming the document (`noun id [version n]`)
 * when there is none.
 */
export async function versionRow<T extends VersionedTable>(
  db: Db,
  table: T,
  noun: string,
  id: string,
  version?: number,
): Promise<Selectable<Database[T]>> {
  const from = db.selectFrom(table as VersionedTable);
  let q = from.selectAll().where('id', '=', id);
  q = version === undefined ? q.orderBy('version', 'desc').limit(1) : q.where('version', '=', version);
  const row = await q.executeTakeFirst();
  if (!row)
    throw new EscuchaError(
      'NOT_FOUND',
      `no ${noun} ${id}${version === undefined ? '' : ` version ${version}`}`,
    );
  return row as Selectable<Database[T]>;
}

/** Every version of a document, oldest first; NOT_FOUND when it has none. */
export async function versionRows<T extends VersionedTable>(
  db: Db,
  table: T,
  noun: string,
  id: string,
): Promise<Selectable<Database[T]>[]> {
  const rows = await db
    .selectFrom(table as VersionedTable)
    .selectAll()
    .where('id', '=', id)
    .orderBy('version')
    .execute();
  if (rows.length === 0) throw new EscuchaError('NOT_FOUND', `no ${noun} ${id}`);
  return rows as Selectable<Database[T]>[];
}

/**
 * The latest version number of a document, its row locked until the transaction ends (so two new versions cannot
 * take the same number); NOT_FOUND when there is no such document.
 */
export async function lockLatestVersion(
  trx: Db,
  table: VersionedTable,
  noun: string,
  id: string,
): Promise<number> {
  const last = await trx
    .selectFrom(table)
    .select(['version'])
    .where('id', '=', id)
    .orderBy('version', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  if (!last) throw new EscuchaError('NOT_FOUND', `no ${noun} ${id}`);
  return last.version;
}

import { sql, type Kysely } from 'kysely';

/**
 * Agent names are searched without regard to accents or case ("Gomez" finds "Gómez"): `escucha_fold(text)` is the
 * one definition of a folded name (unaccent, then lower). unaccent() is only STABLE (its dictionary could change);
 * the wrapper names the dictionary and the extension's schema, which makes it safe to declare IMMUTABLE, so it can
 * be constant-folded in a plan and used in an index.
 *
 * A search folds the few distinct agent names, not every call's (call-query.repository.ts, agentNamesLike), then
 * filters calls by the names found: a btree on (agent_name, started_at, id) gives those distinct names one index
 * descent each and the newest calls of one name in order. It replaces the trigram index on lower(agent_name): a
 * partial name matches tens of thousands of calls in a large archive, which a trigram index can only hand over
 * unordered, each then read and sorted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ schema: string }>`
    SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'unaccent'`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('the unaccent extension is not installed (migration 0001 creates it)');
  const unaccent = `${quoteIdent(schema)}.unaccent(${quoteLiteral(`${schema}.unaccent`)}::regdictionary, $1)`;
  await sql`
    CREATE FUNCTION escucha_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS ${sql.raw(`$$ SELECT lower(${unaccent}) $$`)}`.execute(db);
  await sql`DROP INDEX IF EXISTS calls_agent_name_trgm_idx`.execute(db);
  await sql`CREATE INDEX calls_agent_name_started_idx ON calls (agent_name, started_at DESC, id DESC)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS calls_agent_name_started_idx`.execute(db);
  await sql`DROP FUNCTION IF EXISTS escucha_fold(text)`.execute(db);
  await sql`CREATE INDEX calls_agent_name_trgm_idx ON calls USING gin (lower(agent_name) gin_trgm_ops)`.execute(
    db,
  );
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

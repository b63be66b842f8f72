import { sql, type Kysely } from 'kysely';

/**
 * Agent names are searched without regard to accents or case ("Gomez" finds "Gómez"): `escucha_fold(text)` is the
 * one definition of a folded name (unaccent, then lower), and a trigram index on the folded name serves
 * `escucha_fold(agent_name) LIKE '%…%'`. unaccent() is only STABLE (its dictionary could change), so an index
 * cannot use it directly; the wrapper names the dictionary and the extension's schema, which makes it safe to
 * declare IMMUTABLE. The trigram index on lower(agent_name) it replaces is dropped.
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
  await sql`CREATE INDEX calls_agent_name_fold_trgm_idx ON calls USING gin (escucha_fold(agent_name) gin_trgm_ops)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS calls_agent_name_fold_trgm_idx`.execute(db);
  await sql`DROP FUNCTION IF EXISTS escucha_fold(text)`.execute(db);
  await sql`CREATE INDEX calls_agent_name_trgm_idx ON calls USING gin (lower(agent_name) gin_trgm_ops)`.execute(
    db,
  );
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;

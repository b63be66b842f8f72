import { sql, type Kysely } from 'kysely';

/**
 * Search that stays fast at tens of millions of calls (call-query.repository.ts):
 *
 * - `agent_names`: every agent name in the archive once, with its folded form (escucha_fold, migration 0013) under a
 *   trigram index, kept by statement triggers on calls. A partial name ("sofia ram") is looked up there in well under
 *   a millisecond, however many calls the archive holds, instead of skipping through the calls index once per name.
 *   Names are only ever added: a name whose calls were all deleted matches no call.
 * - Indexes that carry the columns searches filter on beside the ones they are ordered by, so the first step of a
 *   search (which call ids, in order) is an index-only scan that skips non-matching entries without reading their
 *   rows: the duration on the time index and on the agent, team and campaign indexes ("a team's calls over 10
 *   minutes" read about 2,400 index entries and no row for 51 results, instead of 2,400 rows or a bitmap of every
 *   call of the team), and the agent name on the time index (a partial name that matches a few agents).
 * - An index-only scan reads a row only where its page is not yet marked all-visible by vacuum. Calls are mostly
 *   inserted, which autovacuum otherwise counts only after 20 % of the table is new (2 M calls at 10 M), so calls are
 *   vacuumed after every 20,000 new ones (cheap: vacuum skips pages already all-visible).
 *
 * Rebuilding the indexes locks calls against writes while it runs (about a minute per index at 10 M calls).
 */
const COVERED: [string, string][] = [
  ['calls_started_at_idx', '(started_at DESC, id DESC) INCLUDE (duration_ms, agent_name)'],
  ['calls_agent_id_started_idx', '(agent_id, started_at DESC, id DESC) INCLUDE (duration_ms)'],
  ['calls_team_started_idx', '(team, started_at DESC, id DESC) INCLUDE (duration_ms)'],
  ['calls_campaign_started_idx', '(campaign, started_at DESC, id DESC) INCLUDE (duration_ms)'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE agent_names (
      name text PRIMARY KEY,
      folded text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX agent_names_folded_trgm_idx ON agent_names USING gin (folded gin_trgm_ops)`.execute(
    db,
  );
  await sql`
    CREATE FUNCTION escucha_note_agent_names() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO agent_names (name, folded)
        SELECT DISTINCT agent_name, escucha_fold(agent_name) FROM new_calls WHERE agent_name IS NOT NULL
        ON CONFLICT (name) DO NOTHING;
      RETURN NULL;
    END $$`.execute(db);
  // One trigger per event: a trigger with transition tables fires for one event only.
  await sql`
    CREATE TRIGGER calls_agent_names_insert AFTER INSERT ON calls
    REFERENCING NEW TABLE AS new_calls FOR EACH STATEMENT EXECUTE FUNCTION escucha_note_agent_names()`.execute(
    db,
  );
  await sql`
    CREATE TRIGGER calls_agent_names_update AFTER UPDATE ON calls
    REFERENCING NEW TABLE AS new_calls FOR EACH STATEMENT EXECUTE FUNCTION escucha_note_agent_names()`.execute(
    db,
  );
  // The names already there, one descent of the (agent_name, started_at, id) index each (migration 0013).
  await sql`
    WITH RECURSIVE names (name) AS (
      (SELECT agent_name FROM calls WHERE agent_name IS NOT NULL ORDER BY agent_name LIMIT 1)
      UNION ALL
      SELECT (SELECT c.agent_name FROM calls c WHERE c.agent_name > n.name ORDER BY c.agent_name LIMIT 1)
      FROM names n WHERE n.name IS NOT NULL
    )
    INSERT INTO agent_names (name, folded) SELECT name, escucha_fold(name) FROM names WHERE name IS NOT NULL`.execute(
    db,
  );

  for (const [name, definition] of COVERED) {
    await sql.raw(`DROP INDEX ${name}`).execute(db);
    await sql.raw(`CREATE INDEX ${name} ON calls ${definition}`).execute(db);
  }
  await sql`
    ALTER TABLE calls SET (autovacuum_vacuum_insert_threshold = 20000, autovacuum_vacuum_insert_scale_factor = 0)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calls RESET (autovacuum_vacuum_insert_threshold, autovacuum_vacuum_insert_scale_factor)`.execute(
    db,
  );
  for (const [name, definition] of COVERED) {
    await sql.raw(`DROP INDEX ${name}`).execute(db);
    await sql.raw(`CREATE INDEX ${name} ON calls ${definition.replace(/ INCLUDE .*/, '')}`).execute(db);
  }
  await sql`DROP TRIGGER calls_agent_names_update ON calls`.execute(db);
  await sql`DROP TRIGGER calls_agent_names_insert ON calls`.execute(db);
  await sql`DROP FUNCTION escucha_note_agent_names()`.execute(db);
  await sql`DROP TABLE agent_names`.execute(db);
}

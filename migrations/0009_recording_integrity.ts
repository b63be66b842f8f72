import { sql, type Kysely } from 'kysely';

/**
 * Integrity of stored recordings: when each object was last re-hashed against its sha256 (`verified_at`), and what
 * was wrong the last time it did not match or could not be read (`integrity_error`, null when it matched).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE recordings
      ADD COLUMN verified_at timestamptz,
      ADD COLUMN integrity_error text`.execute(db);
  await sql`CREATE INDEX recordings_integrity_idx ON recordings (id) WHERE integrity_error IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX recordings_integrity_idx`.execute(db);
  await sql`ALTER TABLE recordings DROP COLUMN verified_at, DROP COLUMN integrity_error`.execute(db);
}

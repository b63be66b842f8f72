import { sql, type Kysely } from 'kysely';

/**
 * API key scopes: what a key may do within its role (`scopes`, null for keys made before scopes existed: their
 * role's whole access), and which calls it may see (`teams`, `languages`, like a user's call scope).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE api_keys
      ADD COLUMN scopes text[],
      ADD COLUMN teams text[] NOT NULL DEFAULT '{}',
      ADD COLUMN languages text[] NOT NULL DEFAULT '{}'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_keys DROP COLUMN scopes, DROP COLUMN teams, DROP COLUMN languages`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * The call's country (ISO 3166-1 alpha-2, upper case): which law its recording notices are judged against, and a
 * search filter. And a notice given after its profile's window is its own disclosure outcome, `late`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE calls ADD COLUMN country char(2) CHECK (country ~ '^[A-Z]{2}$')`.execute(db);
  await sql`CREATE INDEX calls_country_started_idx ON calls (country, started_at DESC, id DESC)`.execute(db);
  await sql`ALTER TABLE call_analysis DROP CONSTRAINT call_analysis_disclosure_outcome_check`.execute(db);
  await sql`
    ALTER TABLE call_analysis ADD CONSTRAINT call_analysis_disclosure_outcome_check
      CHECK (disclosure_outcome IN ('disclosed', 'late', 'partial', 'missing'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DELETE FROM call_analysis WHERE disclosure_outcome = 'late'`.execute(db);
  await sql`ALTER TABLE call_analysis DROP CONSTRAINT call_analysis_disclosure_outcome_check`.execute(db);
  await sql`
    ALTER TABLE call_analysis ADD CONSTRAINT call_analysis_disclosure_outcome_check
      CHECK (disclosure_outcome IN ('disclosed', 'partial', 'missing'))`.execute(db);
  await sql`DROP INDEX calls_country_started_idx`.execute(db);
  await sql`ALTER TABLE calls DROP COLUMN country`.execute(db);
}

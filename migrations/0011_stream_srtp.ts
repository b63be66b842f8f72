import { sql, type Kysely } from 'kysely';

/**
 * What SRTP decryption counted for each captured stream: the suite, packets decrypted, and those dropped for failed
 * authentication (tampered, or under another key), replay or a malformed header, and SRTCP that failed
 * authentication. Null for plain RTP.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE call_rtp_streams ADD COLUMN srtp jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE call_rtp_streams DROP COLUMN srtp`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Whether each captured RTP stream's audio is in the recording: `decoded`, or `not-decodable` (a codec Escucha
 * cannot decode, or one ffmpeg failed on: the call is kept with its metadata and silence for that stream).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE call_rtp_streams ADD COLUMN audio text NOT NULL DEFAULT 'decoded'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE call_rtp_streams DROP COLUMN audio`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * The live side of captured calls (services/live/), keyed by the capture id while the call is in progress (the
 * archived call is found through call_captures once it exists):
 * - live_transcripts: one row per call transcribed live: how many utterances were found, recognised and left out, and
 *   whether the call has ended with every utterance recognised (`complete`: the post-call transcribe stage then uses
 *   the lines instead of transcribing the call again);
 * - live_transcript_lines: each recognised utterance, its party and times on the call's clock;
 * - live_alerts: real-time alerts raised on the live transcript, with the scope facts of the call (agent, team,
 *   language) so they can be listed to whoever may see the call, and who acknowledged them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE live_transcripts (
      capture_id text PRIMARY KEY,
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      language text,
      model text,
      agent_id text,
      team text,
      utterances integer NOT NULL DEFAULT 0,
      recognised integer NOT NULL DEFAULT 0,
      dropped integer NOT NULL DEFAULT 0,
      complete boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE live_transcript_lines (
      id bigserial PRIMARY KEY,
      capture_id text NOT NULL REFERENCES live_transcripts (capture_id) ON DELETE CASCADE,
      channel smallint NOT NULL,
      party text NOT NULL CHECK (party IN ('agent', 'customer')),
      start_ms integer NOT NULL,
      end_ms integer NOT NULL,
      text text NOT NULL,
      language text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX live_transcript_lines_capture_idx ON live_transcript_lines (capture_id, start_ms)`.execute(
    db,
  );

  await sql`
    CREATE TABLE live_alerts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      capture_id text NOT NULL,
      call_id uuid REFERENCES calls (id) ON DELETE CASCADE,
      kind text NOT NULL,
      detail text NOT NULL,
      at_ms integer NOT NULL,
      raised_at timestamptz NOT NULL,
      agent_id text,
      team text,
      language text,
      acknowledged_by text,
      acknowledged_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX live_alerts_open_idx ON live_alerts ((acknowledged_at IS NULL), raised_at DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX live_alerts_capture_idx ON live_alerts (capture_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE live_alerts`.execute(db);
  await sql`DROP TABLE live_transcript_lines`.execute(db);
  await sql`DROP TABLE live_transcripts`.execute(db);
}

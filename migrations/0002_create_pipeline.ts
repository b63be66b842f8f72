import { sql, type Kysely } from 'kysely';

/** Per-call, per-stage outcomes of the analysis pipeline; transcripts with a full-text index per language. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE analysis_outcomes (
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      stage text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'skipped', 'failed')),
      reason text,
      error_code text,
      attempts integer NOT NULL DEFAULT 0,
      job_id text,
      model text,
      stage_version integer NOT NULL DEFAULT 1,
      queued_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      duration_ms integer,
      result jsonb,
      PRIMARY KEY (call_id, stage)
    )`.execute(db);
  await sql`CREATE INDEX analysis_outcomes_status_idx ON analysis_outcomes (stage, status)`.execute(db);

  await sql`
    CREATE TABLE transcripts (
      call_id uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
      language text,
      language_confidence real,
      language_low_confidence boolean NOT NULL DEFAULT false,
      language_method text,
      source text NOT NULL CHECK (source IN ('asr', 'upload')),
      model text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE transcript_segments (
      id bigserial PRIMARY KEY,
      call_id uuid NOT NULL REFERENCES transcripts (call_id) ON DELETE CASCADE,
      party text NOT NULL CHECK (party IN ('agent', 'customer', 'unknown')),
      channel smallint,
      start_ms integer NOT NULL,
      end_ms integer NOT NULL,
      text text NOT NULL,
      confidence real,
      words jsonb,
      ts_config regconfig NOT NULL,
      tsv tsvector NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX transcript_segments_call_idx ON transcript_segments (call_id, start_ms)`.execute(db);
  await sql`CREATE INDEX transcript_segments_tsv_idx ON transcript_segments USING gin (tsv)`.execute(db);

  // Voice activity per channel, as found by the VAD: the input of transcription and of talk metrics.
  await sql`
    CREATE TABLE speech_segments (
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      channel smallint NOT NULL,
      start_ms integer NOT NULL,
      end_ms integer NOT NULL,
      PRIMARY KEY (call_id, channel, start_ms)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE speech_segments, transcript_segments, transcripts, analysis_outcomes`.execute(db);
}

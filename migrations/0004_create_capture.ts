import { sql, type Kysely } from 'kysely';

/**
 * What network capture knows about a call beyond its audio: how it was captured (recovered after a crash,
 * truncated, one-way audio), per-stream RTP statistics, DTMF key presses and recording pauses.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE call_captures (
      call_id uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
      capture_id uuid NOT NULL UNIQUE,
      source text NOT NULL CHECK (source IN ('siprec', 'sip', 'pcap', 'hep')),
      recovered boolean NOT NULL DEFAULT false,
      truncated boolean NOT NULL DEFAULT false,
      one_way_audio boolean NOT NULL DEFAULT false,
      silent_channel smallint,
      one_way_reason text,
      sample_rate integer NOT NULL,
      notes jsonb NOT NULL DEFAULT '[]'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // Review queues look for the exceptions, so only those rows are indexed.
  await sql`CREATE INDEX call_captures_recovered_idx ON call_captures (call_id) WHERE recovered`.execute(db);
  await sql`CREATE INDEX call_captures_one_way_idx ON call_captures (call_id) WHERE one_way_audio`.execute(
    db,
  );

  await sql`
    CREATE TABLE call_rtp_streams (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      channel smallint NOT NULL CHECK (channel IN (0, 1)),
      label text,
      codec text NOT NULL,
      payload_type smallint,
      ssrcs bigint[] NOT NULL DEFAULT '{}',
      packets integer NOT NULL,
      expected integer NOT NULL,
      lost integer NOT NULL,
      loss_percent real NOT NULL,
      duplicated integer NOT NULL,
      out_of_order integer NOT NULL,
      late integer NOT NULL,
      jitter_ms real NOT NULL,
      max_jitter_ms real NOT NULL,
      r_factor real NOT NULL,
      mos real NOT NULL,
      start_ms integer NOT NULL,
      duration_ms integer NOT NULL,
      level_dbfs real,
      rtcp jsonb
    )`.execute(db);
  await sql`CREATE INDEX call_rtp_streams_call_idx ON call_rtp_streams (call_id)`.execute(db);
  await sql`CREATE INDEX call_rtp_streams_mos_idx ON call_rtp_streams (mos, call_id)`.execute(db);

  await sql`
    CREATE TABLE call_dtmf_events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      channel smallint NOT NULL CHECK (channel IN (0, 1)),
      digit text NOT NULL,
      start_ms integer NOT NULL,
      duration_ms integer NOT NULL,
      method text NOT NULL CHECK (method IN ('rfc4733', 'sip-info'))
    )`.execute(db);
  await sql`CREATE INDEX call_dtmf_events_call_idx ON call_dtmf_events (call_id, start_ms)`.execute(db);

  await sql`
    CREATE TABLE call_pauses (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      start_ms integer NOT NULL,
      end_ms integer NOT NULL CHECK (end_ms >= start_ms),
      reason text NOT NULL CHECK (reason IN ('inactive', 'info', 'hold'))
    )`.execute(db);
  await sql`CREATE INDEX call_pauses_call_idx ON call_pauses (call_id, start_ms)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['call_pauses', 'call_dtmf_events', 'call_rtp_streams', 'call_captures']) {
    await sql.raw(`DROP TABLE IF EXISTS ${table}`).execute(db);
  }
}

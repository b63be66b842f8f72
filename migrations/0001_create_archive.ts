import { sql, type Kysely } from 'kysely';

/** Calls, their recordings and participants, and API keys, with the indexes search needs at millions of rows. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE EXTENSION IF NOT EXISTS unaccent`.execute(db);

  await sql`
    CREATE TABLE calls (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      external_id text UNIQUE,
      started_at timestamptz NOT NULL,
      ended_at timestamptz NOT NULL,
      duration_ms integer NOT NULL CHECK (duration_ms >= 0),
      direction text CHECK (direction IN ('inbound', 'outbound')),
      caller_number text,
      callee_number text,
      agent_id text,
      agent_name text,
      team text,
      customer_ref text,
      reason text,
      disposition text,
      product text,
      campaign text,
      source text NOT NULL CHECK (source IN ('upload', 'siprec', 'sip', 'pcap', 'hep', 'seed')),
      sip_call_id text,
      language text,
      days_past_due integer,
      amount_due numeric(16, 2),
      currency char(3),
      region text,
      custom jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ended_at >= started_at)
    )`.execute(db);

  // Time first: every search is bounded or sorted by time. Each frequent equality filter gets (column, time, id)
  // so "agent X this week, newest first" is an index range scan that stops after one page.
  await sql`CREATE INDEX calls_started_at_idx ON calls (started_at DESC, id DESC)`.execute(db);
  for (const column of [
    'agent_id',
    'team',
    'campaign',
    'disposition',
    'product',
    'customer_ref',
    'reason',
    'region',
    'source',
    'language',
  ]) {
    await sql
      .raw(`CREATE INDEX calls_${column}_started_idx ON calls (${column}, started_at DESC, id DESC)`)
      .execute(db);
  }
  await sql`CREATE INDEX calls_duration_idx ON calls (duration_ms, id)`.execute(db);
  await sql`CREATE INDEX calls_days_past_due_idx ON calls (days_past_due, started_at DESC)`.execute(db);
  await sql`CREATE INDEX calls_sip_call_id_idx ON calls (sip_call_id) WHERE sip_call_id IS NOT NULL`.execute(
    db,
  );
  // Partial phone numbers and names: trigram GIN indexes serve LIKE '%...%'.
  await sql`CREATE INDEX calls_caller_trgm_idx ON calls USING gin (caller_number gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX calls_callee_trgm_idx ON calls USING gin (callee_number gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX calls_agent_name_trgm_idx ON calls USING gin (lower(agent_name) gin_trgm_ops)`.execute(
    db,
  );
  await sql`CREATE INDEX calls_custom_idx ON calls USING gin (custom jsonb_path_ops)`.execute(db);

  await sql`
    CREATE TABLE recordings (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      kind text NOT NULL CHECK (kind IN ('original', 'redacted')),
      storage text NOT NULL CHECK (storage IN ('fs', 's3')),
      object_key text NOT NULL UNIQUE,
      content_type text NOT NULL,
      format text NOT NULL,
      codec text NOT NULL,
      channels smallint NOT NULL CHECK (channels > 0),
      sample_rate integer NOT NULL,
      bitrate_kbps integer,
      duration_ms integer NOT NULL,
      size_bytes bigint NOT NULL,
      sha256 char(64) NOT NULL,
      source_format text,
      source_codec text,
      source_size_bytes bigint,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (call_id, kind)
    )`.execute(db);

  await sql`
    CREATE TABLE participants (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('agent', 'customer', 'other')),
      channel smallint,
      name text,
      number text,
      participant_ref text
    )`.execute(db);
  await sql`CREATE INDEX participants_call_idx ON participants (call_id)`.execute(db);

  await sql`
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      prefix text NOT NULL,
      key_hash char(64) NOT NULL UNIQUE,
      role text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE api_keys, participants, recordings, calls`.execute(db);
}

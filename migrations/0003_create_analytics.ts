import { sql, type Kysely } from 'kysely';

/**
 * Text analytics results and what people do with them:
 * - call_analysis: the latest result of the `analytics` stage per call (typed columns for search filters, the whole
 *   result with its evidence as jsonb), revision-numbered; earlier revisions are kept in call_analysis_history;
 * - call_keywords: keyword-category counts per party (filter `keyword` + `party`);
 * - redacted_transcripts: the transcript with PII replaced by typed placeholders, and the audio ranges muted;
 * - scripts: adherence scripts, every version kept;
 * - review_queues / review_items: what the `route` stage sends to supervisors, and their scorecards.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE call_analysis (
      call_id uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
      revision integer NOT NULL DEFAULT 1,
      analytics_version integer NOT NULL,
      language text NOT NULL,
      disclosure_profile text NOT NULL,
      disclosure_outcome text NOT NULL CHECK (disclosure_outcome IN ('disclosed', 'partial', 'missing')),
      adherence_script_id text,
      adherence_script_version integer,
      adherence_score real,
      adherence_passed boolean,
      promise_to_pay boolean NOT NULL DEFAULT false,
      promise_amount numeric,
      promise_currency text,
      promise_date date,
      classification text NOT NULL,
      violations text[] NOT NULL DEFAULT '{}',
      sentiment_overall text,
      sentiment_agent text,
      sentiment_agent_score real,
      sentiment_customer text,
      sentiment_customer_score real,
      pii_count integer NOT NULL DEFAULT 0,
      result jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX call_analysis_disclosure_idx ON call_analysis (disclosure_outcome)`.execute(db);
  await sql`CREATE INDEX call_analysis_adherence_idx ON call_analysis (adherence_score)`.execute(db);
  await sql`CREATE INDEX call_analysis_promise_idx ON call_analysis (call_id) WHERE promise_to_pay`.execute(
    db,
  );
  await sql`CREATE INDEX call_analysis_redacted_idx ON call_analysis (call_id) WHERE pii_count > 0`.execute(
    db,
  );
  await sql`CREATE INDEX call_analysis_sentiment_idx ON call_analysis (sentiment_customer, sentiment_agent)`.execute(
    db,
  );

  await sql`
    CREATE TABLE call_analysis_history (
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      revision integer NOT NULL,
      analytics_version integer NOT NULL,
      result jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (call_id, revision)
    )`.execute(db);

  await sql`
    CREATE TABLE call_keywords (
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      category text NOT NULL,
      party text NOT NULL CHECK (party IN ('agent', 'customer', 'unknown')),
      count integer NOT NULL CHECK (count > 0),
      PRIMARY KEY (call_id, category, party)
    )`.execute(db);
  await sql`CREATE INDEX call_keywords_category_idx ON call_keywords (category, party)`.execute(db);

  await sql`
    CREATE TABLE redacted_transcripts (
      call_id uuid PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
      segments jsonb NOT NULL,
      mute_ranges jsonb NOT NULL,
      pii_counts jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE scripts (
      id text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
      version integer NOT NULL CHECK (version >= 1),
      name text NOT NULL,
      language text NOT NULL,
      campaigns text[] NOT NULL,
      document jsonb NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (id, version)
    )`.execute(db);

  await sql`
    CREATE TABLE review_queues (
      id text PRIMARY KEY,
      kind text NOT NULL,
      language text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE review_items (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      queue_id text NOT NULL REFERENCES review_queues (id),
      reason text NOT NULL,
      priority smallint NOT NULL,
      status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'claimed', 'completed')),
      claimed_by text,
      claimed_at timestamptz,
      completed_by text,
      completed_at timestamptz,
      scorecard jsonb,
      comments text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // One item per call and queue that nobody finished yet: re-routing a call updates it instead of duplicating.
  await sql`CREATE UNIQUE INDEX review_items_pending_idx ON review_items (call_id, queue_id) WHERE status <> 'completed'`.execute(
    db,
  );
  await sql`CREATE INDEX review_items_queue_idx ON review_items (queue_id, status, priority, created_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'review_items',
    'review_queues',
    'scripts',
    'redacted_transcripts',
    'call_keywords',
    'call_analysis_history',
    'call_analysis',
  ]) {
    await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  }
}

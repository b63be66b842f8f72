import { sql, type Kysely } from 'kysely';

/**
 * Collections at scale (services/collections/):
 *
 * - The cells a statement on call_analysis or payment_promises touches are found with one lookup of the calls per
 *   row changed (an update's old and new call ids together, once each) instead of two, and not at all in a
 *   transaction that set `escucha.rollup_marks` to 'off': the whole-ledger recompute, which rewrites most of the
 *   ledger's rows, marks the summaries to be rebuilt instead (PromiseRepository.writeAllocations), once, rather than
 *   marking every cell a range of accounts touches (half its time went there).
 * - The ledger rewrites a promise's allocation (collected, kept_threshold, window_end, last_payment_at) in place. A
 *   b-tree index on window_end made every such update that moved the window (a whole recompute after the grace
 *   period changed) write a new entry in each of the table's indexes; a BRIN index on it (the windows follow the
 *   calls' order on disk, as promises are stored as calls are analysed) leaves those updates on their page (HOT),
 *   about four times faster per row on the development machine.
 * - collections_hourly: per local day and hour of day, the sums of collections_daily's hour-of-day rows of every
 *   agent, team, campaign and language together (with the number of agents that had calls in that hour), so that the
 *   best-time-to-call dashboard over the whole portfolio reads a few hundred rows a month instead of one per agent,
 *   day and hour. It is summed again from collections_daily, day by day, whenever those rows are
 *   (RollupRepository).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION collections_mark_call_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE tz text := (SELECT time_zone FROM collections_rollup_state);
    BEGIN
      IF current_setting('escucha.rollup_marks', true) = 'off' THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'INSERT' THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '')
        FROM calls c WHERE c.id IN (SELECT call_id FROM new_rows)
        ON CONFLICT DO NOTHING;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '')
        FROM calls c WHERE c.id IN (SELECT call_id FROM old_rows)
        ON CONFLICT DO NOTHING;
      ELSE
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '')
        FROM calls c WHERE c.id IN (SELECT call_id FROM new_rows UNION SELECT call_id FROM old_rows)
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);

  await sql`DROP INDEX IF EXISTS payment_promises_window_idx`.execute(db);
  await sql`CREATE INDEX payment_promises_window_brin ON payment_promises USING brin (window_end)`.execute(
    db,
  );

  await sql`
    CREATE TABLE collections_hourly (
      day date NOT NULL,
      hour text NOT NULL,
      calls integer NOT NULL,
      contacts integer NOT NULL,
      talk_ms bigint NOT NULL,
      agent_calls integer NOT NULL,
      agent_hours integer NOT NULL,
      promising integer NOT NULL,
      promises integer NOT NULL,
      amount numeric NOT NULL,
      collected numeric NOT NULL,
      kept integer NOT NULL,
      partial integer NOT NULL,
      broken integer NOT NULL,
      pending integer NOT NULL,
      currencies text,
      analysed integer NOT NULL,
      disclosed integer NOT NULL,
      adherence_sum double precision NOT NULL,
      adherence_n integer NOT NULL,
      forbidden integer NOT NULL,
      PRIMARY KEY (day, hour)
    )`.execute(db);
  // Summed at the next read.
  await sql`UPDATE collections_rollup_state SET built = false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS collections_hourly`.execute(db);
  await sql`DROP INDEX IF EXISTS payment_promises_window_brin`.execute(db);
  await sql`CREATE INDEX payment_promises_window_idx ON payment_promises (window_end) WHERE NOT voided`.execute(
    db,
  );
  await sql`
    CREATE OR REPLACE FUNCTION collections_mark_call_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE tz text := (SELECT time_zone FROM collections_rollup_state);
    BEGIN
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '')
        FROM calls c WHERE c.id IN (SELECT call_id FROM new_rows)
        ON CONFLICT DO NOTHING;
      END IF;
      IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '')
        FROM calls c WHERE c.id IN (SELECT call_id FROM old_rows)
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
}

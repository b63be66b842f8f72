import { sql, type Kysely } from 'kysely';

/**
 * Roll rates from summaries (services/collections/rollup.repository.ts) instead of every call of the period:
 *
 * - collections_roll_seen: per period kind ('day', 'week', 'month'), period (its first local day) and account, the
 *   account's last call in the period that carries days past due: its local day, its bucket (0 current … 5 181+)
 *   and its agent, team and campaign;
 * - collections_roll: per period kind and period, the accounts seen in that period and the next, counted by the
 *   local days of the two last calls, their two buckets and the agent, team and campaign of the first (read for the
 *   periods a day range cuts);
 * - collections_roll_totals: the same counts without the days (read for the periods a range holds whole);
 * - collections_roll_dirty: the accounts whose calls changed since (a statement-level trigger on calls adds them);
 *   the next read takes their transitions out of the counts, finds their last calls again and adds them back.
 *
 * Rebuilt with the other summaries (`built` false, `escucha payments rollup`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE collections_roll_seen (
      kind text NOT NULL,
      period date NOT NULL,
      account text NOT NULL,
      last_day date NOT NULL,
      idx smallint NOT NULL,
      agent_id text,
      team text,
      campaign text,
      PRIMARY KEY (account, kind, period)
    )`.execute(db);
  await sql`CREATE INDEX collections_roll_seen_period_idx ON collections_roll_seen (kind, period)`.execute(
    db,
  );
  await sql`
    CREATE TABLE collections_roll (
      kind text NOT NULL,
      period date NOT NULL,
      a_day date NOT NULL,
      b_day date NOT NULL,
      a_idx smallint NOT NULL,
      b_idx smallint NOT NULL,
      agent_id text,
      team text,
      campaign text,
      accounts integer NOT NULL,
      UNIQUE NULLS NOT DISTINCT (kind, period, a_day, b_day, a_idx, b_idx, agent_id, team, campaign)
    )`.execute(db);
  await sql`
    CREATE TABLE collections_roll_totals (
      kind text NOT NULL,
      period date NOT NULL,
      a_idx smallint NOT NULL,
      b_idx smallint NOT NULL,
      agent_id text,
      team text,
      campaign text,
      accounts integer NOT NULL,
      UNIQUE NULLS NOT DISTINCT (kind, period, a_idx, b_idx, agent_id, team, campaign)
    )`.execute(db);
  // The counts a refresh took down to nothing, deleted after it.
  await sql`CREATE INDEX collections_roll_zero_idx ON collections_roll (kind) WHERE accounts = 0`.execute(db);
  await sql`CREATE INDEX collections_roll_totals_zero_idx ON collections_roll_totals (kind) WHERE accounts = 0`.execute(
    db,
  );
  await sql`CREATE TABLE collections_roll_dirty (account text PRIMARY KEY)`.execute(db);
  await sql`CREATE INDEX calls_customer_ref_idx ON calls (customer_ref, started_at) WHERE customer_ref IS NOT NULL`.execute(
    db,
  );
  await sql`
    CREATE FUNCTION collections_mark_roll() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO collections_roll_dirty (account)
        SELECT DISTINCT customer_ref FROM new_rows WHERE customer_ref IS NOT NULL
        ON CONFLICT DO NOTHING;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO collections_roll_dirty (account)
        SELECT DISTINCT customer_ref FROM old_rows WHERE customer_ref IS NOT NULL
        ON CONFLICT DO NOTHING;
      ELSE
        INSERT INTO collections_roll_dirty (account)
        SELECT DISTINCT x.account
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.customer_ref), (o.customer_ref)) x(account)
        WHERE x.account IS NOT NULL
          AND (n.started_at, n.customer_ref, n.days_past_due, n.agent_id, n.team, n.campaign)
            IS DISTINCT FROM (o.started_at, o.customer_ref, o.days_past_due, o.agent_id, o.team, o.campaign)
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER calls_roll_ins AFTER INSERT ON calls REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION collections_mark_roll()`.execute(db);
  await sql`
    CREATE TRIGGER calls_roll_upd AFTER UPDATE ON calls REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION collections_mark_roll()`.execute(db);
  await sql`
    CREATE TRIGGER calls_roll_del AFTER DELETE ON calls REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION collections_mark_roll()`.execute(db);
  // Counted at the next read.
  await sql`UPDATE collections_rollup_state SET built = false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const event of ['ins', 'upd', 'del']) {
    await sql.raw(`DROP TRIGGER IF EXISTS calls_roll_${event} ON calls`).execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS collections_mark_roll()`.execute(db);
  await sql`DROP INDEX IF EXISTS calls_customer_ref_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS collections_roll_dirty`.execute(db);
  await sql`DROP TABLE IF EXISTS collections_roll_totals`.execute(db);
  await sql`DROP TABLE IF EXISTS collections_roll`.execute(db);
  await sql`DROP TABLE IF EXISTS collections_roll_seen`.execute(db);
}

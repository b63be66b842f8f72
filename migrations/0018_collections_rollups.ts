import { sql, type Kysely } from 'kysely';

/**
 * Pre-computed collections metrics (services/collections/rollup.repository.ts), so that the dashboards read a few
 * thousand summary rows instead of every call, analysis and promise of the period:
 *
 * - collections_daily: per local day (in the deployment's time zone), agent, team, campaign and language, the sums
 *   the metrics are made of (calls, contacts, talk time, agent-hours as a bit mask of hours, promises by status,
 *   amounts, conduct), once for the people (`dim` 'base') and once per portfolio segment or hour of day (`dim`
 *   'daysPastDue', 'amountDue', 'product', 'region', 'country', 'hourOfDay', with the segment in `seg`);
 * - collections_rollup_dirty: the cells (local day, agent) whose calls, analyses or promises changed since they
 *   were summed. Statement-level triggers on calls, call_analysis and payment_promises add them, in the writer's
 *   own transaction, so no writer has to know; the next read (or `escucha payments rollup`) sums those cells again;
 * - collections_rollup_state: the time zone the days are counted in and the day the promise statuses were taken
 *   on (pending ones become broken as days pass; the cells of the promises whose window ended since are summed
 *   again); `built` false makes the next read rebuild everything.
 *
 * A cell is the local day of `calls.started_at` and `coalesce(calls.agent_id, '')`: the index below finds a cell's
 * calls.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE collections_rollup_state (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      time_zone text NOT NULL,
      as_of date NOT NULL,
      built boolean NOT NULL DEFAULT false
    )`.execute(db);
  await sql`INSERT INTO collections_rollup_state (time_zone, as_of) VALUES ('UTC', current_date)`.execute(db);

  await sql`
    CREATE TABLE collections_rollup_dirty (
      day date NOT NULL,
      agent text NOT NULL,
      PRIMARY KEY (day, agent)
    )`.execute(db);

  await sql`
    CREATE TABLE collections_daily (
      day date NOT NULL,
      dim text NOT NULL,
      seg text,
      agent_id text,
      agent_name text,
      team text,
      campaign text,
      language text,
      calls integer NOT NULL,
      contacts integer NOT NULL,
      talk_ms bigint NOT NULL,
      agent_calls integer NOT NULL,
      hours integer NOT NULL,
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
      forbidden integer NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX collections_daily_dim_idx ON collections_daily (dim, day)`.execute(db);
  await sql`CREATE INDEX collections_daily_cell_idx ON collections_daily (day, (coalesce(agent_id, '')))`.execute(
    db,
  );
  // The ledger rewrites a promise's allocation in place: room in each page lets such updates stay on it (HOT).
  await sql`ALTER TABLE payment_promises SET (fillfactor = 85)`.execute(db);
  await sql`CREATE INDEX calls_collections_cell_idx ON calls ((coalesce(agent_id, '')), started_at)`.execute(
    db,
  );

  // Cells of the calls a statement touched. Transition tables: one trigger per event.
  await sql`
    CREATE FUNCTION collections_mark_calls() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE tz text := (SELECT time_zone FROM collections_rollup_state);
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '') FROM new_rows c
        ON CONFLICT DO NOTHING;
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '') FROM old_rows c
        ON CONFLICT DO NOTHING;
      ELSE
        -- Only what the metrics read: a call's other updates (pipeline, retention) leave its cell as it was.
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (x.started_at AT TIME ZONE tz)::date, coalesce(x.agent_id, '')
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.started_at, n.agent_id), (o.started_at, o.agent_id)) x(started_at, agent_id)
        WHERE (n.started_at, n.agent_id, n.agent_name, n.team, n.campaign, n.language, n.country, n.duration_ms,
               n.days_past_due, n.amount_due, n.product, n.region, n.customer_ref)
          IS DISTINCT FROM (o.started_at, o.agent_id, o.agent_name, o.team, o.campaign, o.language, o.country,
               o.duration_ms, o.days_past_due, o.amount_due, o.product, o.region, o.customer_ref)
        ON CONFLICT DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  // Analyses and promises: the cells of their calls (a deleted call marks its own cell).
  await sql`
    CREATE FUNCTION collections_mark_call_rows() RETURNS trigger LANGUAGE plpgsql AS $$
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
  for (const [table, fn] of [
    ['calls', 'collections_mark_calls'],
    ['call_analysis', 'collections_mark_call_rows'],
    ['payment_promises', 'collections_mark_call_rows'],
  ] as const) {
    await sql
      .raw(
        `CREATE TRIGGER ${table}_rollup_ins AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows
           FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_rollup_upd AFTER UPDATE ON ${table}
           REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER ${table}_rollup_del AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows
           FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['calls', 'call_analysis', 'payment_promises']) {
    for (const event of ['ins', 'upd', 'del']) {
      await sql.raw(`DROP TRIGGER IF EXISTS ${table}_rollup_${event} ON ${table}`).execute(db);
    }
  }
  await sql`DROP FUNCTION IF EXISTS collections_mark_calls()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS collections_mark_call_rows()`.execute(db);
  await sql`DROP INDEX IF EXISTS calls_collections_cell_idx`.execute(db);
  await sql`ALTER TABLE payment_promises RESET (fillfactor)`.execute(db);
  await sql`DROP TABLE IF EXISTS collections_daily`.execute(db);
  await sql`DROP TABLE IF EXISTS collections_rollup_dirty`.execute(db);
  await sql`DROP TABLE IF EXISTS collections_rollup_state`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Collections summary marks that a concurrent refresh cannot lose.
 *
 * The triggers of migrations 0018, 0021 and 0022 mark the summary cells (collections_rollup_dirty) and the roll
 * accounts (collections_roll_dirty) a statement changed with `ON CONFLICT DO NOTHING`. When the mark was already
 * there, the writer left it untouched and unlocked, so a refresh could take it (`DELETE … RETURNING`) and sum the
 * calls before the writer committed: the refresh did not see the change, and the change's mark was gone with the
 * refresh's. The marks are now written with `ON CONFLICT DO UPDATE`: the writer holds the mark's row until it commits,
 * a refresh that takes the mark waits for it and then sums what it committed; a refresh that took the mark first
 * makes the writer wait, after which the writer's mark is new and stays for the next refresh. Each statement marks in
 * the keys' order (a statement on calls: its accounts, then its cells), and a refresh locks the marks in that order
 * before it takes them (RollupRepository), so that single statements wait for each other rather than deadlock; a
 * writer's transaction of several statements can still deadlock with a refresh, which PostgreSQL breaks by ending
 * one of them (the refresh is tried again). A writer now also waits while a refresh holds the marks of its cells.
 *
 * collections_rollup_state.sums_built: false when a bulk write of the ledger marked the daily sums (not the roll,
 * which no promise changes) to be summed again whole; `built` still marks everything.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // A bulk write of the ledger marks only the daily sums for a rebuild (the roll does not read promises).
  await sql`ALTER TABLE collections_rollup_state ADD COLUMN sums_built boolean NOT NULL DEFAULT true`.execute(
    db,
  );
  await sql`UPDATE collections_rollup_state SET sums_built = built`.execute(db);
  await define(
    db,
    'DO UPDATE SET day = excluded.day',
    'DO UPDATE SET account = excluded.account',
    'ORDER BY 1, 2',
    'ORDER BY 1',
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE collections_rollup_state SET built = built AND sums_built`.execute(db);
  await sql`ALTER TABLE collections_rollup_state DROP COLUMN sums_built`.execute(db);
  await define(db, 'DO NOTHING', 'DO NOTHING', '', '');
}

async function define(
  db: Kysely<unknown>,
  onCell: string,
  onAccount: string,
  cellOrder: string,
  accountOrder: string,
): Promise<void> {
  const cell = sql.raw(`ON CONFLICT (day, agent) ${onCell}`);
  const account = sql.raw(`ON CONFLICT (account) ${onAccount}`);
  const byCell = sql.raw(cellOrder);
  const byAccount = sql.raw(accountOrder);
  await sql`
    CREATE OR REPLACE FUNCTION collections_mark_calls() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE tz text := (SELECT time_zone FROM collections_rollup_state);
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '') FROM new_rows c ${byCell}
        ${cell};
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '') FROM old_rows c ${byCell}
        ${cell};
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
        ${byCell}
        ${cell};
      END IF;
      RETURN NULL;
    END $$`.execute(db);
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
        FROM calls c WHERE c.id IN (SELECT call_id FROM new_rows) ${byCell}
        ${cell};
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '')
        FROM calls c WHERE c.id IN (SELECT call_id FROM old_rows) ${byCell}
        ${cell};
      ELSE
        INSERT INTO collections_rollup_dirty (day, agent)
        SELECT DISTINCT (c.started_at AT TIME ZONE tz)::date, coalesce(c.agent_id, '')
        FROM calls c WHERE c.id IN (SELECT call_id FROM new_rows UNION SELECT call_id FROM old_rows) ${byCell}
        ${cell};
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION collections_mark_roll() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO collections_roll_dirty (account)
        SELECT DISTINCT customer_ref FROM new_rows WHERE customer_ref IS NOT NULL ${byAccount}
        ${account};
      ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO collections_roll_dirty (account)
        SELECT DISTINCT customer_ref FROM old_rows WHERE customer_ref IS NOT NULL ${byAccount}
        ${account};
      ELSE
        INSERT INTO collections_roll_dirty (account)
        SELECT DISTINCT x.account
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.customer_ref), (o.customer_ref)) x(account)
        WHERE x.account IS NOT NULL
          AND (n.started_at, n.customer_ref, n.days_past_due, n.agent_id, n.team, n.campaign)
            IS DISTINCT FROM (o.started_at, o.customer_ref, o.days_past_due, o.agent_id, o.team, o.campaign)
        ${byAccount}
        ${account};
      END IF;
      RETURN NULL;
    END $$`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * The agent roster: who works which team and campaign, imported from the contact center's own list
 * (`escucha agents import`), so the live board shows agents with no call today as idle. Agents seen only in
 * capture metadata or archived calls need no row. Today's activity is read from `calls` through the indexes it has
 * (calls_started_at_idx for the day, calls_agent_id_started_idx for an agent's last call).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE agent_roster (
      agent_id text PRIMARY KEY CHECK (length(agent_id) BETWEEN 1 AND 100),
      name text,
      team text,
      campaign text,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX agent_roster_team_idx ON agent_roster (team)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE agent_roster`.execute(db);
}

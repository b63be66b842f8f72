import { sql, type Kysely } from 'kysely';

/**
 * Evaluation forms and the evaluations made with them:
 * - evaluation_forms: admin-managed forms (per campaign, or the default one when `campaign` is null), every version
 *   kept; questions (with their weights and analytics prefill) as jsonb;
 * - evaluations: one completed review of a call with the form version it used, the answers, the weighted score
 *   computed by the server and comments anchored to times in the call. Several evaluations of one call
 *   (calibration) are kept side by side.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE evaluation_forms (
      id text NOT NULL CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,99}$'),
      version integer NOT NULL CHECK (version >= 1),
      name text NOT NULL,
      campaign text,
      questions jsonb NOT NULL,
      active boolean NOT NULL DEFAULT true,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (id, version)
    )`.execute(db);
  await sql`CREATE INDEX evaluation_forms_campaign_idx ON evaluation_forms (campaign)`.execute(db);

  await sql`
    CREATE TABLE evaluations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      review_item_id uuid REFERENCES review_items (id) ON DELETE SET NULL,
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      form_id text NOT NULL,
      form_version integer NOT NULL,
      reviewer text NOT NULL,
      answers jsonb NOT NULL,
      score real NOT NULL CHECK (score >= 0 AND score <= 100),
      comments jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      FOREIGN KEY (form_id, form_version) REFERENCES evaluation_forms (id, version)
    )`.execute(db);
  await sql`CREATE INDEX evaluations_call_idx ON evaluations (call_id, created_at)`.execute(db);
  await sql`CREATE UNIQUE INDEX evaluations_item_idx ON evaluations (review_item_id) WHERE review_item_id IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS evaluations`.execute(db);
  await sql`DROP TABLE IF EXISTS evaluation_forms`.execute(db);
}

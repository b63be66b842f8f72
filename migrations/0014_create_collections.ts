import { sql, type Kysely } from 'kysely';

/**
 * Collections follow-up (services/collections/):
 * - payments: what the collections system says was paid, per account (a call's `customerRef`), unique by the
 *   collections system's own id (`external_id`), so importing the same payment again changes nothing;
 * - payment_promises: every promise to pay the analytics found in a call, tracked against the account's payments.
 *   `ordinal` is the promise's place among the call's promises, so that analysing the call again updates its rows
 *   instead of adding new ones. What the detector found (`detected_*`) is kept beside what counts (`amount`,
 *   `currency`, `due_date`), which a supervisor may correct (`corrected_*`: a corrected row is no longer changed by
 *   re-analysis). The ledger writes `collected` (the payments allocated to it), `kept_threshold` (the amount less the
 *   tolerance) and `window_end` (due date plus the grace period); whether it is pending, kept, partially kept or
 *   broken follows from those and the day asked about (services/collections/promise.repository.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE payments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      external_id text NOT NULL UNIQUE,
      account text NOT NULL,
      amount numeric(16, 2) NOT NULL CHECK (amount > 0),
      currency char(3) NOT NULL,
      paid_at timestamptz NOT NULL,
      channel text,
      source text NOT NULL CHECK (source IN ('api', 'file')),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX payments_account_idx ON payments (account, paid_at)`.execute(db);

  await sql`
    CREATE TABLE payment_promises (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      ordinal integer NOT NULL,
      account text,
      made_at timestamptz NOT NULL,
      kind text NOT NULL,
      moment_ms integer,
      quote text,
      detected_amount numeric(16, 2),
      detected_currency char(3),
      detected_due_date date,
      amount numeric(16, 2),
      currency char(3),
      due_date date NOT NULL,
      voided boolean NOT NULL DEFAULT false,
      corrected_at timestamptz,
      corrected_by text,
      correction_note text,
      collected numeric(16, 2) NOT NULL DEFAULT 0,
      kept_threshold numeric(16, 2),
      window_end date NOT NULL,
      last_payment_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (call_id, ordinal)
    )`.execute(db);
  await sql`CREATE INDEX payment_promises_account_idx ON payment_promises (account, due_date)`.execute(db);
  await sql`CREATE INDEX payment_promises_window_idx ON payment_promises (window_end) WHERE NOT voided`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS payment_promises`.execute(db);
  await sql`DROP TABLE IF EXISTS payments`.execute(db);
}

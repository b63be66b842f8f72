import { sql, type Kysely } from 'kysely';

/**
 * Webhooks (services/webhooks/):
 * - webhook_subscriptions: where events go (URL), which events, and the signing secret, stored encrypted
 *   (AES-256-GCM under the data directory's `webhook-secret.key`, services/webhooks/webhook.secrets.ts);
 * - webhook_events: every event published while a subscription wanted it, with the exact payload sent;
 * - webhook_deliveries: one per event and subscription: pending until delivered, or dead after its last attempt
 *   (the dead letters, delivered again by hand); `attempt_limit` is the attempt after which it is dead (raised by a
 *   manual redelivery), `locked_until` keeps two workers from sending the same delivery at once;
 * - webhook_attempts: the delivery log, one row per attempt (status code, duration, error).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      url text NOT NULL,
      events text[] NOT NULL,
      secret_sealed text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE webhook_events (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      type text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
      subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      attempt_limit integer NOT NULL,
      next_attempt_at timestamptz,
      locked_until timestamptz,
      last_status_code integer,
      last_error text,
      delivered_at timestamptz,
      dead_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (event_id, subscription_id)
    )`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status, created_at DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, created_at DESC)`.execute(
    db,
  );
  await sql`
    CREATE TABLE webhook_attempts (
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempt integer NOT NULL,
      started_at timestamptz NOT NULL,
      duration_ms integer NOT NULL,
      status_code integer,
      error text,
      PRIMARY KEY (delivery_id, attempt)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS webhook_attempts`.execute(db);
  await sql`DROP TABLE IF EXISTS webhook_deliveries`.execute(db);
  await sql`DROP TABLE IF EXISTS webhook_events`.execute(db);
  await sql`DROP TABLE IF EXISTS webhook_subscriptions`.execute(db);
}

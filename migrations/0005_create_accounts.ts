import { sql, type Kysely } from 'kysely';

/**
 * People and what they do: user accounts and their server-side sessions, the append-only audit log (hash-chained,
 * protected by triggers), saved searches, retention policies and legal holds with tombstones of deleted calls, and
 * the training library (collections of calls and clips).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      username text NOT NULL UNIQUE CHECK (username = lower(username) AND username ~ '^[a-z0-9._@-]{2,100}$'),
      email text,
      display_name text NOT NULL,
      password_hash text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'qa_supervisor', 'compliance_officer', 'trainer', 'agent')),
      languages text[] NOT NULL DEFAULT '{}',
      teams text[] NOT NULL DEFAULT '{}',
      agent_id text,
      disabled boolean NOT NULL DEFAULT false,
      failed_logins integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      last_login_at timestamptz,
      password_changed_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (role <> 'agent' OR agent_id IS NOT NULL)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_idx ON users (lower(email)) WHERE email IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      token_hash char(64) NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      client_ip text,
      user_agent text,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX sessions_user_idx ON sessions (user_id)`.execute(db);

  // The audit log: ids come from the sequence under an advisory lock, so the hash chain follows id order.
  await sql`
    CREATE TABLE audit_log (
      id bigint PRIMARY KEY,
      at timestamptz NOT NULL,
      actor_type text NOT NULL CHECK (actor_type IN ('user', 'key', 'system', 'anonymous')),
      actor_id text,
      actor_name text,
      actor_role text,
      action text NOT NULL,
      call_id uuid,
      target_type text,
      target_id text,
      client_ip text,
      user_agent text,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      prev_hash char(64) NOT NULL,
      hash char(64) NOT NULL UNIQUE
    )`.execute(db);
  await sql`CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id`.execute(db);
  await sql`CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`.execute(db);
  await sql`CREATE INDEX audit_log_call_idx ON audit_log (call_id, id DESC) WHERE call_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id DESC)`.execute(db);
  await sql`CREATE INDEX audit_log_action_idx ON audit_log (action, id DESC)`.execute(db);
  await sql`
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
  await sql`
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);

  await sql`
    CREATE TABLE saved_searches (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      owner text NOT NULL,
      name text NOT NULL,
      query jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (owner, name)
    )`.execute(db);

  await sql`
    CREATE TABLE retention_policies (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL UNIQUE,
      campaign text,
      disposition text,
      max_age_days integer CHECK (max_age_days IS NULL OR max_age_days >= 0),
      action text NOT NULL CHECK (action IN ('delete', 'keep')),
      enabled boolean NOT NULL DEFAULT true,
      created_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (action = 'keep' OR max_age_days IS NOT NULL)
    )`.execute(db);

  // A hold names one call, or a search (copied from a saved search) whose matching calls it protects.
  await sql`
    CREATE TABLE legal_holds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      call_id uuid,
      saved_search_id uuid,
      query jsonb,
      reason text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      released_at timestamptz,
      released_by text,
      release_reason text,
      CHECK ((call_id IS NULL) <> (query IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX legal_holds_call_idx ON legal_holds (call_id) WHERE released_at IS NULL`.execute(db);
  // Defence in depth: no code path may delete a call under an active hold.
  await sql`
    CREATE FUNCTION calls_refuse_held_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM legal_holds WHERE call_id = OLD.id AND released_at IS NULL) THEN
        RAISE EXCEPTION 'call % is under legal hold', OLD.id USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN OLD;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER calls_legal_hold BEFORE DELETE ON calls
      FOR EACH ROW EXECUTE FUNCTION calls_refuse_held_delete()`.execute(db);

  await sql`
    CREATE TABLE call_tombstones (
      call_id uuid PRIMARY KEY,
      external_id text,
      started_at timestamptz NOT NULL,
      campaign text,
      disposition text,
      policy_id uuid,
      policy_name text,
      reason text NOT NULL,
      object_keys text[] NOT NULL DEFAULT '{}',
      objects_deleted_at timestamptz,
      deleted_at timestamptz NOT NULL DEFAULT now(),
      deleted_by text NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE collections (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      description text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE clips (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      start_ms integer NOT NULL CHECK (start_ms >= 0),
      end_ms integer NOT NULL,
      title text NOT NULL,
      note text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (end_ms > start_ms)
    )`.execute(db);
  await sql`CREATE INDEX clips_call_idx ON clips (call_id)`.execute(db);
  await sql`
    CREATE TABLE collection_items (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      collection_id uuid NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      clip_id uuid REFERENCES clips (id) ON DELETE CASCADE,
      note text,
      added_by text NOT NULL,
      added_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX collection_items_collection_idx ON collection_items (collection_id, added_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS calls_legal_hold ON calls`.execute(db);
  await sql`DROP FUNCTION IF EXISTS calls_refuse_held_delete()`.execute(db);
  await sql`
    DROP TABLE collection_items, clips, collections, call_tombstones, legal_holds, retention_policies,
      saved_searches, audit_log, sessions, users`.execute(db);
  await sql`DROP FUNCTION IF EXISTS audit_log_refuse_change()`.execute(db);
}

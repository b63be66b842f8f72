import { sql, type Kysely } from 'kysely';

/**
 * recording_tones: the periodic recording tone (beep) the vad stage measures on each channel of a call's recording —
 * the frequency and period it looked for, the beeps found, and whether they are regular and last the whole call.
 * The analytics stage reads it for the disclosure check (ESCUCHA_RECORDING_TONE).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE recording_tones (
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      channel integer NOT NULL CHECK (channel >= 0),
      frequency_hz integer NOT NULL CHECK (frequency_hz > 0),
      interval_ms integer NOT NULL CHECK (interval_ms > 0),
      beeps jsonb NOT NULL,
      regular boolean NOT NULL,
      throughout boolean NOT NULL,
      mean_interval_ms integer,
      duration_ms integer NOT NULL CHECK (duration_ms >= 0),
      detected_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (call_id, channel)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE recording_tones`.execute(db);
}

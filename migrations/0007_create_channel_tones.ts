import { sql, type Kysely } from 'kysely';

/**
 * channel_tones: what the vad stage hears on each channel of a call's recording besides speech —
 * - the periodic recording tone (beep): the frequency and period looked for, the beeps found, and whether they are
 *   regular and last the whole call (read by the disclosure check, ESCUCHA_RECORDING_TONE);
 * - in-band key presses (DTMF tones in recordings made elsewhere): their times only, never the keys, muted in the
 *   redacted copy of the audio.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE channel_tones (
      call_id uuid NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
      channel integer NOT NULL CHECK (channel >= 0),
      frequency_hz integer NOT NULL CHECK (frequency_hz > 0),
      interval_ms integer NOT NULL CHECK (interval_ms > 0),
      beeps jsonb NOT NULL,
      regular boolean NOT NULL,
      throughout boolean NOT NULL,
      mean_interval_ms integer,
      duration_ms integer NOT NULL CHECK (duration_ms >= 0),
      key_presses jsonb NOT NULL DEFAULT '[]',
      detected_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (call_id, channel)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE channel_tones`.execute(db);
}

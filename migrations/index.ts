import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_create_archive.ts';
import * as m0002 from './0002_create_pipeline.ts';
import * as m0003 from './0003_create_analytics.ts';
import * as m0004 from './0004_create_capture.ts';
import * as m0005 from './0005_create_accounts.ts';
import * as m0006 from './0006_create_evaluations.ts';
import * as m0007 from './0007_create_channel_tones.ts';
import * as m0008 from './0008_api_key_scopes.ts';
import * as m0009 from './0009_recording_integrity.ts';
import * as m0010 from './0010_stream_audio.ts';
import * as m0011 from './0011_stream_srtp.ts';
import * as m0012 from './0012_call_country.ts';
import * as m0013 from './0013_folded_agent_name.ts';
import * as m0014 from './0014_create_collections.ts';
import * as m0015 from './0015_create_agent_roster.ts';
import * as m0016 from './0016_create_live_transcript.ts';
import * as m0017 from './0017_create_webhooks.ts';
import * as m0018 from './0018_collections_rollups.ts';
import * as m0019 from './0019_search_at_scale.ts';
import * as m0020 from './0020_number_digit_grams.ts';
import * as m0021 from './0021_collections_bulk_and_hourly.ts';
import * as m0022 from './0022_collections_roll.ts';
import * as m0023 from './0023_collections_marks_lock.ts';
import * as m0024 from './0024_collections_segments.ts';
import * as m0025 from './0025_collections_roll_steps.ts';
import * as m0026 from './0026_roll_scoped_covered.ts';

/** Every migration, in order. Append-only: never edit one that has shipped. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_create_archive': m0001,
  '0002_create_pipeline': m0002,
  '0003_create_analytics': m0003,
  '0004_create_capture': m0004,
  '0005_create_accounts': m0005,
  '0006_create_evaluations': m0006,
  '0007_create_channel_tones': m0007,
  '0008_api_key_scopes': m0008,
  '0009_recording_integrity': m0009,
  '0010_stream_audio': m0010,
  '0011_stream_srtp': m0011,
  '0012_call_country': m0012,
  '0013_folded_agent_name': m0013,
  '0014_create_collections': m0014,
  '0015_create_agent_roster': m0015,
  '0016_create_live_transcript': m0016,
  '0017_create_webhooks': m0017,
  '0018_collections_rollups': m0018,
  '0019_search_at_scale': m0019,
  '0020_number_digit_grams': m0020,
  '0021_collections_bulk_and_hourly': m0021,
  '0022_collections_roll': m0022,
  '0023_collections_marks_lock': m0023,
  '0024_collections_segments': m0024,
  '0025_collections_roll_steps': m0025,
  '0026_roll_scoped_covered': m0026,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};

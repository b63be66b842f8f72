import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely table types: the shape of the PostgreSQL schema built by migrations/. */

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;
/** numeric columns come back from pg as strings; written as number or string. */
export type Numeric = ColumnType<string, number | string, number | string>;

export const CALL_SOURCES = ['upload', 'siprec', 'sip', 'pcap', 'hep', 'seed'] as const;
export type CallSource = (typeof CALL_SOURCES)[number];
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const PARTICIPANT_ROLES = ['agent', 'customer', 'other'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];
export const API_ROLES = ['admin', 'qa_supervisor', 'compliance_officer', 'trainer', 'agent', 'ingest'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface CallsTable {
  id: Generated<string>;
  external_id: string | null;
  started_at: Timestamp;
  ended_at: Timestamp;
  duration_ms: number;
  direction: Direction | null;
  caller_number: string | null;
  callee_number: string | null;
  agent_id: string | null;
  agent_name: string | null;
  team: string | null;
  customer_ref: string | null;
  reason: string | null;
  disposition: string | null;
  product: string | null;
  campaign: string | null;
  source: CallSource;
  sip_call_id: string | null;
  language: string | null;
  days_past_due: number | null;
  amount_due: Numeric | null;
  currency: string | null;
  region: string | null;
  custom: Json<Record<string, unknown>>;
  created_at: Generated<Timestamp>;
}

export interface RecordingsTable {
  id: Generated<string>;
  call_id: string;
  /** original: the archived call audio; later kinds (redacted, clip) are derived objects. */
  kind: 'original' | 'redacted';
  storage: 'fs' | 's3';
  object_key: string;
  content_type: string;
  format: string;
  codec: string;
  channels: number;
  sample_rate: number;
  bitrate_kbps: number | null;
  duration_ms: number;
  size_bytes: ColumnType<string, number | bigint | string, number | bigint | string>;
  sha256: string;
  source_format: string | null;
  source_codec: string | null;
  source_size_bytes: ColumnType<string | null, number | bigint | string | null, number | bigint | string | null>;
  created_at: Generated<Timestamp>;
}

export interface ParticipantsTable {
  id: Generated<string>;
  call_id: string;
  role: ParticipantRole;
  channel: number | null;
  name: string | null;
  number: string | null;
  participant_ref: string | null;
}

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  prefix: string;
  key_hash: string;
  role: ApiRole;
  created_at: Generated<Timestamp>;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface Database {
  calls: CallsTable;
  recordings: RecordingsTable;
  participants: ParticipantsTable;
  api_keys: ApiKeysTable;
}

export type CallRow = Selectable<CallsTable>;
export type NewCall = Insertable<CallsTable>;
export type CallUpdate = Updateable<CallsTable>;
export type RecordingRow = Selectable<RecordingsTable>;
export type NewRecording = Insertable<RecordingsTable>;
export type ParticipantRow = Selectable<ParticipantsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;

import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { RtcpSummary, SrtpCounters, StreamAudio } from './call.ts';

/** Kysely table types: the shape of the PostgreSQL schema built by migrations/. */

export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp the database fills in (DEFAULT now()). */
export type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;
/** numeric columns come back from pg as strings; written as number or string. */
export type Numeric = ColumnType<string, number | string, number | string>;

export const CALL_SOURCES = ['upload', 'siprec', 'sip', 'pcap', 'hep', 'seed'] as const;
export type CallSource = (typeof CALL_SOURCES)[number];
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];
/** The two sides of a recorded call; channel 0 is the agent's and 1 the customer's by convention. */
export const PARTIES = ['agent', 'customer'] as const;
export type Party = (typeof PARTIES)[number];
/** Who spoke a transcript segment: a party, or 'unknown' when the recording mixes both (mono). */
export type SegmentParty = Party | 'unknown';
export const PARTICIPANT_ROLES = ['agent', 'customer', 'other'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];
export const API_ROLES = [
  'admin',
  'qa_supervisor',
  'compliance_officer',
  'trainer',
  'agent',
  'ingest',
] as const;
export type ApiRole = (typeof API_ROLES)[number];

/**
 * What an API key may be limited to. A key with scopes may call only the routes whose scope it holds (and its role
 * allows); keys of the ingest role are made with `recordings:write` alone unless others are named
 * (services/api/auth/access.policy.ts).
 */
export const KEY_SCOPES = [
  'recordings:write',
  'calls:read',
  'audio:read',
  'transcripts:read',
  'payments:write',
] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

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
  country: string | null;
  custom: Json<Record<string, unknown>>;
  created_at: GeneratedTimestamp;
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
  source_size_bytes: ColumnType<
    string | null,
    number | bigint | string | null,
    number | bigint | string | null
  >;
  created_at: GeneratedTimestamp;
  /** Last time the stored object was re-hashed against `sha256` (integrity.service.ts). */
  verified_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** What was wrong when it last did not match or could not be read; null when it matched. */
  integrity_error: ColumnType<string | null, string | null | undefined, string | null>;
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
  created_at: GeneratedTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** What the key may do within its role (KEY_SCOPES); null: the role's whole access (keys made before scopes). */
  scopes: string[] | null;
  teams: Generated<string[]>;
  languages: Generated<string[]>;
}

export const STAGE_STATUSES = ['pending', 'running', 'done', 'skipped', 'failed'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export interface AnalysisOutcomesTable {
  call_id: string;
  stage: string;
  status: StageStatus;
  reason: string | null;
  error_code: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  job_id: string | null;
  model: string | null;
  stage_version: ColumnType<number, number | undefined, number>;
  queued_at: GeneratedTimestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  duration_ms: number | null;
  result: Json<unknown> | null;
}

export interface TranscriptsTable {
  call_id: string;
  language: string | null;
  language_confidence: number | null;
  language_low_confidence: ColumnType<boolean, boolean | undefined, boolean>;
  language_method: string | null;
  source: 'asr' | 'upload';
  model: string | null;
  created_at: GeneratedTimestamp;
}

export interface TranscriptSegmentsTable {
  id: Generated<string>;
  call_id: string;
  party: SegmentParty;
  channel: number | null;
  start_ms: number;
  end_ms: number;
  text: string;
  confidence: number | null;
  words: Json<{ word: string; startMs: number; endMs: number }[]> | null;
  ts_config: string;
  tsv: string;
}

export interface SpeechSegmentsTable {
  call_id: string;
  channel: number;
  start_ms: number;
  end_ms: number;
}

/** Recording tone (beep) and in-band key presses per channel, found by the vad stage (migration 0007). */
export interface ChannelTonesTable {
  call_id: string;
  channel: number;
  frequency_hz: number;
  interval_ms: number;
  /** [{ startMs, endMs, strength }] */
  beeps: ColumnType<{ startMs: number; endMs: number; strength: number }[], string, string>;
  regular: boolean;
  throughout: boolean;
  mean_interval_ms: number | null;
  duration_ms: number;
  /** [{ startMs, endMs }]: when keys were pressed, never which. */
  key_presses: ColumnType<{ startMs: number; endMs: number }[], string | undefined, string>;
  detected_at: GeneratedTimestamp;
}

export interface Database {
  analysis_outcomes: AnalysisOutcomesTable;
  channel_tones: ChannelTonesTable;
  transcripts: TranscriptsTable;
  transcript_segments: TranscriptSegmentsTable;
  speech_segments: SpeechSegmentsTable;
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

/* Accounts, sessions, audit, retention and training library (migration 0005). */

export const USER_ROLES = ['admin', 'qa_supervisor', 'compliance_officer', 'trainer', 'agent'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface UsersTable {
  id: Generated<string>;
  username: string;
  email: string | null;
  display_name: string;
  password_hash: string;
  role: UserRole;
  languages: ColumnType<string[], string[] | undefined, string[]>;
  teams: ColumnType<string[], string[] | undefined, string[]>;
  agent_id: string | null;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  failed_logins: ColumnType<number, number | undefined, number>;
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  password_changed_at: GeneratedTimestamp;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  user_id: string;
  csrf_token: string;
  client_ip: string | null;
  user_agent: string | null;
  created_at: GeneratedTimestamp;
  last_seen_at: GeneratedTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export type AuditActorType = 'user' | 'key' | 'system' | 'anonymous';

export interface AuditLogTable {
  id: ColumnType<string, string | number | bigint, never>;
  at: ColumnType<Date, Date, never>;
  actor_type: ColumnType<AuditActorType, AuditActorType, never>;
  actor_id: ColumnType<string | null, string | null, never>;
  actor_name: ColumnType<string | null, string | null, never>;
  actor_role: ColumnType<string | null, string | null, never>;
  action: ColumnType<string, string, never>;
  call_id: ColumnType<string | null, string | null, never>;
  target_type: ColumnType<string | null, string | null, never>;
  target_id: ColumnType<string | null, string | null, never>;
  client_ip: ColumnType<string | null, string | null, never>;
  user_agent: ColumnType<string | null, string | null, never>;
  details: ColumnType<Record<string, unknown>, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}

export interface SavedSearchesTable {
  id: Generated<string>;
  owner: string;
  name: string;
  query: Json<Record<string, string>>;
  created_at: GeneratedTimestamp;
}

export interface RetentionPoliciesTable {
  id: Generated<string>;
  name: string;
  campaign: string | null;
  disposition: string | null;
  max_age_days: number | null;
  action: 'delete' | 'keep';
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface LegalHoldsTable {
  id: Generated<string>;
  call_id: string | null;
  saved_search_id: string | null;
  query: Json<Record<string, string>> | null;
  reason: string;
  created_by: string;
  created_at: GeneratedTimestamp;
  released_at: Timestamp | null;
  released_by: string | null;
  release_reason: string | null;
}

export interface CallTombstonesTable {
  call_id: string;
  external_id: string | null;
  started_at: Timestamp;
  campaign: string | null;
  disposition: string | null;
  policy_id: string | null;
  policy_name: string | null;
  reason: string;
  object_keys: ColumnType<string[], string[] | undefined, string[]>;
  objects_deleted_at: Timestamp | null;
  deleted_at: GeneratedTimestamp;
  deleted_by: string;
}

export interface CollectionsTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  created_by: string;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface ClipsTable {
  id: Generated<string>;
  call_id: string;
  start_ms: number;
  end_ms: number;
  title: string;
  note: string | null;
  created_by: string;
  created_at: GeneratedTimestamp;
}

export interface CollectionItemsTable {
  id: Generated<string>;
  collection_id: string;
  call_id: string;
  clip_id: string | null;
  note: string | null;
  added_by: string;
  added_at: GeneratedTimestamp;
}

// Declaration merging adds these tables to Database.
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  saved_searches: SavedSearchesTable;
  retention_policies: RetentionPoliciesTable;
  legal_holds: LegalHoldsTable;
  call_tombstones: CallTombstonesTable;
  collections: CollectionsTable;
  clips: ClipsTable;
  collection_items: CollectionItemsTable;
}

export type UserRow = Selectable<UsersTable>;
export type AuditLogRow = Selectable<AuditLogTable>;

/* Text analytics, adherence scripts and review queues (migration 0003). */

/** `late`: every notice said, one or more after the profile's window (not given on time). */
export const DISCLOSURE_OUTCOMES = ['disclosed', 'late', 'partial', 'missing'] as const;
export type DisclosureOutcomeValue = (typeof DISCLOSURE_OUTCOMES)[number];
export const SENTIMENT_VALUES = ['positive', 'neutral', 'negative'] as const;
export const REVIEW_STATUSES = ['open', 'claimed', 'completed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface CallAnalysisTable {
  call_id: string;
  revision: ColumnType<number, number | undefined, number>;
  analytics_version: number;
  language: string;
  disclosure_profile: string;
  disclosure_outcome: DisclosureOutcomeValue;
  adherence_script_id: string | null;
  adherence_script_version: number | null;
  adherence_score: number | null;
  adherence_passed: boolean | null;
  promise_to_pay: ColumnType<boolean, boolean | undefined, boolean>;
  promise_amount: Numeric | null;
  promise_currency: string | null;
  /** YYYY-MM-DD; the pg driver returns DATE columns as Date at local midnight, so it is read as text. */
  promise_date: ColumnType<string | null, string | null, string | null>;
  classification: string;
  violations: ColumnType<string[], string[] | undefined, string[]>;
  sentiment_overall: string | null;
  sentiment_agent: string | null;
  sentiment_agent_score: number | null;
  sentiment_customer: string | null;
  sentiment_customer_score: number | null;
  pii_count: ColumnType<number, number | undefined, number>;
  result: Json<unknown>;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface CallAnalysisHistoryTable {
  call_id: string;
  revision: number;
  analytics_version: number;
  result: Json<unknown>;
  created_at: GeneratedTimestamp;
}

export interface CallKeywordsTable {
  call_id: string;
  category: string;
  party: SegmentParty;
  count: number;
}

export interface RedactedTranscriptsTable {
  call_id: string;
  segments: Json<unknown>;
  mute_ranges: Json<unknown>;
  pii_counts: Json<Record<string, number>>;
  created_at: GeneratedTimestamp;
}

export interface ScriptsTable {
  id: string;
  version: number;
  name: string;
  language: string;
  campaigns: string[];
  document: Json<unknown>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
}

export interface ReviewQueuesTable {
  id: string;
  kind: string;
  language: string;
  created_at: GeneratedTimestamp;
}

export interface ReviewItemsTable {
  id: Generated<string>;
  call_id: string;
  queue_id: string;
  reason: string;
  priority: number;
  status: ColumnType<ReviewStatus, ReviewStatus | undefined, ReviewStatus>;
  claimed_by: string | null;
  claimed_at: Timestamp | null;
  completed_by: string | null;
  completed_at: Timestamp | null;
  scorecard: Json<Record<string, unknown>> | null;
  comments: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

// Declaration merging adds these tables to Database.
export interface Database {
  call_analysis: CallAnalysisTable;
  call_analysis_history: CallAnalysisHistoryTable;
  call_keywords: CallKeywordsTable;
  redacted_transcripts: RedactedTranscriptsTable;
  scripts: ScriptsTable;
  review_queues: ReviewQueuesTable;
  review_items: ReviewItemsTable;
}

/* Network capture details (migration 0004). */

export interface CallCapturesTable {
  call_id: string;
  capture_id: string;
  source: 'siprec' | 'sip' | 'pcap' | 'hep';
  recovered: boolean;
  truncated: boolean;
  one_way_audio: boolean;
  silent_channel: number | null;
  one_way_reason: string | null;
  sample_rate: number;
  notes: Json<string[]>;
  created_at: GeneratedTimestamp;
}

export interface CallRtpStreamsTable {
  id: Generated<string>;
  call_id: string;
  channel: number;
  label: string | null;
  codec: string;
  payload_type: number | null;
  /** bigint[]: pg returns the elements as strings. */
  ssrcs: ColumnType<string[], number[] | string[], number[] | string[]>;
  packets: number;
  expected: number;
  lost: number;
  loss_percent: number;
  duplicated: number;
  out_of_order: number;
  late: number;
  jitter_ms: number;
  max_jitter_ms: number;
  r_factor: number;
  mos: number;
  start_ms: number;
  duration_ms: number;
  level_dbfs: number | null;
  /** `decoded`, or `not-decodable` (migration 0010). */
  audio: Generated<StreamAudio>;
  rtcp: Json<RtcpSummary> | null;
  /** SRTP streams: packets decrypted and dropped (migration 0011); null for plain RTP. */
  srtp: ColumnType<SrtpCounters | null, string | null | undefined, string | null>;
}

export interface CallDtmfEventsTable {
  id: Generated<string>;
  call_id: string;
  channel: number;
  digit: string;
  start_ms: number;
  duration_ms: number;
  method: 'rfc4733' | 'sip-info';
}

export interface CallPausesTable {
  id: Generated<string>;
  call_id: string;
  start_ms: number;
  end_ms: number;
  reason: 'inactive' | 'info' | 'hold';
}

// Declaration merging adds these tables to Database.
export interface Database {
  call_captures: CallCapturesTable;
  call_rtp_streams: CallRtpStreamsTable;
  call_dtmf_events: CallDtmfEventsTable;
  call_pauses: CallPausesTable;
}

/* Evaluation forms and evaluations (migration 0006). */

export interface EvaluationFormsTable {
  id: string;
  version: number;
  name: string;
  /** null: the default form, used for calls of campaigns without a form of their own. */
  campaign: string | null;
  questions: Json<unknown>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
}

export interface EvaluationsTable {
  id: Generated<string>;
  review_item_id: string | null;
  call_id: string;
  form_id: string;
  form_version: number;
  reviewer: string;
  answers: Json<Record<string, unknown>>;
  score: number;
  comments: Json<{ atMs: number; text: string }[]>;
  created_at: GeneratedTimestamp;
}

// Declaration merging adds these tables to Database.
export interface Database {
  evaluation_forms: EvaluationFormsTable;
  evaluations: EvaluationsTable;
}

/* Collections follow-up: payments and the promise ledger (migration 0014). */

export const PAYMENT_SOURCES = ['api', 'file'] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];

export interface PaymentsTable {
  id: Generated<string>;
  external_id: string;
  account: string;
  amount: Numeric;
  currency: string;
  paid_at: Timestamp;
  channel: string | null;
  source: PaymentSource;
  created_at: GeneratedTimestamp;
}

export interface PaymentPromisesTable {
  id: Generated<string>;
  call_id: string;
  ordinal: number;
  account: string | null;
  made_at: Timestamp;
  kind: string;
  moment_ms: number | null;
  quote: string | null;
  detected_amount: Numeric | null;
  detected_currency: string | null;
  /** DATE columns are read as text (`::text`): the driver would make a Date at local midnight. */
  detected_due_date: ColumnType<string | null, string | null, string | null>;
  amount: Numeric | null;
  currency: string | null;
  due_date: ColumnType<string, string, string>;
  voided: ColumnType<boolean, boolean | undefined, boolean>;
  corrected_at: Timestamp | null;
  corrected_by: string | null;
  correction_note: string | null;
  collected: ColumnType<string, string | number | undefined, string | number>;
  kept_threshold: Numeric | null;
  window_end: ColumnType<string, string, string>;
  last_payment_at: Timestamp | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

// Declaration merging adds these tables to Database.
export interface Database {
  payments: PaymentsTable;
  payment_promises: PaymentPromisesTable;
}

/* Webhooks: subscriptions, events, deliveries and their attempts (migration 0017). */

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookSubscriptionsTable {
  id: Generated<string>;
  name: string;
  url: string;
  events: ColumnType<string[], string[], string[]>;
  /** The signing secret, sealed (services/webhooks/webhook.secrets.ts): never stored in clear. */
  secret_sealed: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_by: string;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface WebhookEventsTable {
  id: Generated<string>;
  type: string;
  payload: Json<Record<string, unknown>>;
  created_at: GeneratedTimestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  event_id: string;
  subscription_id: string;
  status: ColumnType<WebhookDeliveryStatus, WebhookDeliveryStatus | undefined, WebhookDeliveryStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  attempt_limit: number;
  next_attempt_at: Timestamp | null;
  locked_until: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  dead_at: Timestamp | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

// Declaration merging adds these tables to Database.
export interface Database {
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

/* Every agent name in the archive once, folded for search (migration 0019; kept by triggers on calls). */
export interface AgentNamesTable {
  name: string;
  folded: string;
}

export interface Database {
  agent_names: AgentNamesTable;
}

/* The agent roster (migration 0015). */

export interface AgentRosterTable {
  agent_id: string;
  name: string | null;
  team: string | null;
  campaign: string | null;
  updated_at: GeneratedTimestamp;
}

// Declaration merging adds these tables to Database.
export interface Database {
  agent_roster: AgentRosterTable;
}

/* Live transcript and real-time alerts of calls in progress (migration 0016). */

export interface LiveTranscriptsTable {
  capture_id: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  language: string | null;
  model: string | null;
  agent_id: string | null;
  team: string | null;
  utterances: ColumnType<number, number | undefined, number>;
  recognised: ColumnType<number, number | undefined, number>;
  dropped: ColumnType<number, number | undefined, number>;
  complete: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: GeneratedTimestamp;
}

export interface LiveTranscriptLinesTable {
  id: Generated<string>;
  capture_id: string;
  channel: number;
  party: Party;
  start_ms: number;
  end_ms: number;
  text: string;
  language: string | null;
  created_at: GeneratedTimestamp;
}

export interface LiveAlertsTable {
  id: Generated<string>;
  capture_id: string;
  call_id: string | null;
  kind: string;
  detail: string;
  at_ms: number;
  raised_at: Timestamp;
  agent_id: string | null;
  team: string | null;
  language: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
}

// Declaration merging adds these tables to Database.
export interface Database {
  live_transcripts: LiveTranscriptsTable;
  live_transcript_lines: LiveTranscriptLinesTable;
  live_alerts: LiveAlertsTable;
}

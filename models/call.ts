import { z } from 'zod';
import {
  CALL_SOURCES,
  DIRECTIONS,
  PARTICIPANT_ROLES,
  PARTIES,
  type CallSource,
  type Direction,
  type ParticipantRole,
} from './database.ts';
import { countrySchema } from './country.ts';

/**
 * The metadata of a call as users and integrations send it (camelCase JSON) and as the API returns it.
 * The same names are the filters of GET /api/v1/calls.
 */

const text = (max = 200) => z.string().trim().min(1).max(max);

/** Phone numbers are stored as digits with an optional leading +; separators people type are dropped. */
export function normalizeNumber(value: string): string {
  const trimmed = value.trim();
  const plus = trimmed.startsWith('+') ? '+' : '';
  return plus + trimmed.replace(/[^0-9]/g, '');
}

const phone = z
  .string()
  .trim()
  .max(64)
  .refine((v) => /^[+]?[0-9\s().\-/]*[0-9][0-9\s().\-/]*$/.test(v), {
    message: 'must be a phone number (digits, optional leading +)',
  })
  .transform(normalizeNumber);

const customValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

export const customFieldsSchema = z
  .unknown()
  .refine(
    (v) => typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, '__proto__'),
    {
      message: 'custom field names are letters, digits and _',
    },
  )
  .pipe(
    z.record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'custom field names are letters, digits and _'),
      customValue,
    ),
  )
  .refine((o) => Object.keys(o).length <= 50, { message: 'at most 50 custom fields' });

export const participantInputSchema = z.strictObject({
  role: z.enum(PARTICIPANT_ROLES),
  channel: z.number().int().min(0).max(1).nullable().optional(),
  name: text().optional(),
  number: phone.optional(),
  participantRef: text().optional(),
});

export const callMetadataSchema = z.strictObject({
  startedAt: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .optional(),
  endedAt: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v))
    .optional(),
  direction: z.enum(DIRECTIONS).optional(),
  callerNumber: phone.optional(),
  calleeNumber: phone.optional(),
  agentId: text(100).optional(),
  agentName: text().optional(),
  team: text(100).optional(),
  customerRef: text(100).optional(),
  reason: text(100).optional(),
  disposition: text(100).optional(),
  product: text(100).optional(),
  campaign: text(100).optional(),
  daysPastDue: z.number().int().min(0).max(100_000).optional(),
  amountDue: z.number().min(0).max(1e13).optional(),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code such as COP, MXN, EUR, USD')
    .transform((v) => v.toUpperCase())
    .optional(),
  region: text(100).optional(),
  /** ISO 3166-1 alpha-2: the law the call's recording notices are judged against. */
  country: countrySchema.optional(),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language code such as es or en')
    .optional(),
  sipCallId: text(256).optional(),
  externalId: text(200).optional(),
  custom: customFieldsSchema.optional(),
  participants: z.array(participantInputSchema).max(10).optional(),
});

export type CallMetadataInput = z.input<typeof callMetadataSchema>;
export type CallMetadata = z.output<typeof callMetadataSchema>;

export interface Participant {
  role: ParticipantRole;
  channel: number | null;
  name: string | null;
  number: string | null;
  participantRef: string | null;
}

export interface RecordingInfo {
  id: string;
  kind: 'original' | 'redacted';
  storage: 'fs' | 's3';
  objectKey: string;
  contentType: string;
  format: string;
  codec: string;
  channels: number;
  sampleRate: number;
  bitrateKbps: number | null;
  durationMs: number;
  sizeBytes: number;
  sha256: string;
  sourceFormat: string | null;
  sourceCodec: string | null;
  createdAt: string;
}

/** A call as the API returns it. */
export interface CallSummary {
  id: string;
  externalId: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  direction: Direction | null;
  callerNumber: string | null;
  calleeNumber: string | null;
  agentId: string | null;
  agentName: string | null;
  team: string | null;
  customerRef: string | null;
  reason: string | null;
  disposition: string | null;
  product: string | null;
  campaign: string | null;
  source: CallSource;
  sipCallId: string | null;
  language: string | null;
  daysPastDue: number | null;
  amountDue: number | null;
  currency: string | null;
  region: string | null;
  country: string | null;
  custom: Record<string, unknown>;
  createdAt: string;
}

export interface CallDetail extends CallSummary {
  participants: Participant[];
  recordings: RecordingInfo[];
  /** Network capture details (SIPREC, SIP, pcap, HEP calls); absent for uploads. */
  capture?: CaptureDetail;
}

/** RTP statistics of one recorded stream, as capture measured them and the API returns them. */
export const STREAM_AUDIO = ['decoded', 'not-decodable'] as const;
export type StreamAudio = (typeof STREAM_AUDIO)[number];

export interface CapturedStreamStats {
  /** 0 agent (left), 1 customer (right). */
  channel: number;
  /** SDP a=label (SIPREC) or m-line index. */
  label: string | null;
  codec: string;
  payloadType: number | null;
  ssrcs: number[];
  packets: number;
  expected: number;
  lost: number;
  lossPercent: number;
  duplicated: number;
  outOfOrder: number;
  late: number;
  jitterMs: number;
  maxJitterMs: number;
  rFactor: number;
  mos: number;
  /** Where the stream's first packet falls in the recording, and how long it lasted. */
  startMs: number;
  durationMs: number;
  /** RMS level of the decoded audio (null when no audio was decoded). */
  levelDbfs: number | null;
  /**
   * Whether the stream's audio is in the recording: `decoded`, or `not-decodable` (a codec Escucha cannot decode,
   * or one ffmpeg failed on: the recording holds silence for the stream's span).
   */
  audio: StreamAudio;
  /** Last RTCP report the sender sent about itself, and what its peer reported (when RTCP was seen). */
  rtcp: RtcpSummary | null;
  /**
   * SRTP streams: the suite, the packets decrypted and those dropped before decoding (failed authentication: tampered
   * or under another key; replayed; malformed; SRTCP that failed authentication). Absent or null for plain RTP.
   */
  srtp?: SrtpCounters | null;
}

/** What SRTP decryption counted for one stream (stored with the call's RTP statistics, migration 0011). */
export interface SrtpCounters {
  suite: string;
  decrypted: number;
  authFailures: number;
  replayed: number;
  malformed: number;
  rtcpAuthFailures: number;
}

export interface RtcpSummary {
  senderReports: number;
  receiverReports: number;
  /** From the last report block about this stream: loss fraction 0–1, cumulative loss, jitter in ms. */
  fractionLost: number | null;
  cumulativeLost: number | null;
  jitterMs: number | null;
  /** Sender's own packet count from its last SR. */
  senderPacketCount: number | null;
}

/** How a captured call was recorded: RTP statistics per stream, DTMF key presses, recording pauses. */
export interface CaptureDetail {
  captureId: string;
  recovered: boolean;
  truncated: boolean;
  oneWayAudio: boolean;
  silentChannel: number | null;
  oneWayReason: string | null;
  sampleRate: number;
  notes: string[];
  streams: CapturedStreamStats[];
  dtmf: { channel: number; digit: string; startMs: number; durationMs: number; method: string }[];
  pauses: { startMs: number; endMs: number; reason: string }[];
}

export const SORTS = ['startedAt', '-startedAt', 'durationMs', '-durationMs'] as const;
export type CallSort = (typeof SORTS)[number];

const csv = <T extends string>(inner: z.ZodType<T>) =>
  z.preprocess(
    (v) =>
      (Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [v])
        .map((s) => (typeof s === 'string' ? s.trim() : s))
        .filter((s) => s !== ''),
    z.array(inner).min(1).max(50),
  );

const intParam = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const isoParam = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

/** Filters of GET /api/v1/calls. Multi-valued filters accept repeated params or comma-separated values. */
export const callSearchSchema = z
  .strictObject({
    from: isoParam.optional(),
    to: isoParam.optional(),
    direction: z.enum(DIRECTIONS).optional(),
    source: csv(z.enum(CALL_SOURCES)).optional(),
    callerNumber: z.string().trim().min(1).max(64).transform(normalizeNumber).optional(),
    calleeNumber: z.string().trim().min(1).max(64).transform(normalizeNumber).optional(),
    number: z
      .string()
      .trim()
      .max(64)
      .transform(normalizeNumber)
      .refine((v) => v.replace('+', '').length >= 3, { message: 'give at least 3 digits' })
      .optional(),
    agentId: csv(z.string().max(100)).optional(),
    agentName: z.string().trim().min(2).max(200).optional(),
    team: csv(z.string().max(100)).optional(),
    customerRef: csv(z.string().max(100)).optional(),
    reason: csv(z.string().max(100)).optional(),
    disposition: csv(z.string().max(100)).optional(),
    product: csv(z.string().max(100)).optional(),
    campaign: csv(z.string().max(100)).optional(),
    region: csv(z.string().max(100)).optional(),
    country: csv(countrySchema).optional(),
    language: csv(z.string().max(10)).optional(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/)
      .transform((v) => v.toUpperCase())
      .optional(),
    sipCallId: z.string().max(256).optional(),
    externalId: z.string().max(200).optional(),
    minDurationMs: intParam(0, 2 ** 31 - 1).optional(),
    maxDurationMs: intParam(0, 2 ** 31 - 1).optional(),
    minDaysPastDue: intParam(0, 100_000).optional(),
    maxDaysPastDue: intParam(0, 100_000).optional(),
    minAmountDue: z.coerce.number().min(0).optional(),
    maxAmountDue: z.coerce.number().min(0).optional(),
    custom: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), z.string().max(1000)).optional(),
    /** Full-text search in transcripts (web-search syntax: words, "a phrase", -excluded, or); accents ignored. */
    q: z.string().trim().min(1).max(500).optional(),
    /** With q or keyword: only what this party said. */
    party: z.enum(PARTIES).optional(),
    /** Text analytics: sentiment of a party (customer by default, or the whole call with `overall`). */
    sentiment: z.enum(['positive', 'neutral', 'negative']).optional(),
    sentimentParty: z.enum([...PARTIES, 'overall']).optional(),
    /** Disclosure outcome of the call opening (services/analytics/disclosure). */
    disclosure: csv(z.enum(['disclosed', 'late', 'partial', 'missing'])).optional(),
    /** Script adherence score strictly below this: a score (1–100) or a fraction of the full score (0–1, so 0.7 is 70). */
    adherenceBelow: z.coerce
      .number()
      .min(0)
      .max(100)
      .transform((v) => (v <= 1 ? v * 100 : v))
      .optional(),
    /** A keyword category counted in the call (lawyer, lawsuit, seizure, complaint, payment_plan, …); with party. */
    keyword: z
      .string()
      .trim()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'a keyword category id such as lawyer or payment_plan')
      .optional(),
    /** Calls where the customer promised to pay (true) or did not (false). */
    promiseToPay: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    /** Calls where sensitive data was found and redacted (true) or none was (false). */
    redacted: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    limit: intParam(1, 500).default(50),
    cursor: z.string().max(500).optional(),
    sort: z.enum(SORTS).default('-startedAt'),
  })
  .refine((q) => !(q.from && q.to) || q.from <= q.to, {
    message: 'from must not be after to',
    path: ['from'],
  })
  .refine((q) => !q.party || q.q || q.keyword, {
    message: 'party filters a transcript search: give q too (or a keyword)',
    path: ['party'],
  })
  .refine((q) => !q.sentimentParty || q.sentiment, {
    message: 'sentimentParty goes with sentiment',
    path: ['sentimentParty'],
  });

export type CallSearch = z.output<typeof callSearchSchema>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

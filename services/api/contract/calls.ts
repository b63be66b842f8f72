import { z } from 'zod';
import { callMetadataSchema, callSearchSchema, SORTS, STREAM_AUDIO } from '../../../models/call.ts';
import { CALL_SOURCES, DIRECTIONS, PARTICIPANT_ROLES, STAGE_STATUSES } from '../../../models/database.ts';
import { AUDIO, isoTime, route, uuidParams } from './common.ts';
import { reviewItemSchema } from './review.ts';

/** Recordings in, calls out: upload, search, one call, its audio, transcript and analysis. */

export { callMetadataSchema, callSearchSchema };

const ms = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/**
 * The multipart field `transcript` of POST /api/v1/recordings: a transcript made elsewhere, stored with the call
 * (source `upload`); speech detection and transcription are then skipped for that call.
 */
export const transcriptUploadSchema = z.strictObject({
  language: z
    .string()
    .regex(/^[a-z]{2}$/, 'must be an ISO 639-1 code such as es or en')
    .optional(),
  segments: z
    .array(
      z
        .strictObject({
          party: z.enum(['agent', 'customer']),
          startMs: ms,
          endMs: ms,
          text: z.string().trim().min(1).max(20_000),
        })
        .refine((s) => s.endMs >= s.startMs, {
          message: 'endMs must not be before startMs',
          path: ['endMs'],
        }),
    )
    .min(1, 'give at least one segment')
    .max(20_000),
});

/** POST /recordings: multipart/form-data with the audio file and two JSON fields (see `encoding` in the document). */
export const recordingUploadSchema = z.object({
  file: z.string().meta({ format: 'binary', description: 'the recording (WAV, MP3, Opus, …)' }),
  metadata: callMetadataSchema.optional(),
  transcript: transcriptUploadSchema.optional(),
});

export const callSummarySchema = z.object({
  id: z.uuid(),
  externalId: z.string().nullable(),
  startedAt: isoTime,
  endedAt: isoTime,
  durationMs: z.number().int(),
  direction: z.enum(DIRECTIONS).nullable(),
  callerNumber: z.string().nullable(),
  calleeNumber: z.string().nullable(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  team: z.string().nullable(),
  customerRef: z.string().nullable(),
  reason: z.string().nullable(),
  disposition: z.string().nullable(),
  product: z.string().nullable(),
  campaign: z.string().nullable(),
  source: z.enum(CALL_SOURCES),
  sipCallId: z.string().nullable(),
  language: z.string().nullable(),
  daysPastDue: z.number().int().nullable(),
  amountDue: z.number().nullable(),
  currency: z.string().nullable(),
  region: z.string().nullable(),
  country: z.string().nullable(),
  custom: z.record(z.string(), z.unknown()),
  createdAt: isoTime,
});
export type CallSummary = z.infer<typeof callSummarySchema>;

export const callPageSchema = z.object({
  items: z.array(callSummarySchema),
  nextCursor: z.string().nullable(),
});

export const recordingInfoSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['original', 'redacted']),
  storage: z.enum(['fs', 's3']),
  objectKey: z.string(),
  contentType: z.string(),
  format: z.string(),
  codec: z.string(),
  channels: z.number().int(),
  sampleRate: z.number().int(),
  bitrateKbps: z.number().nullable(),
  durationMs: z.number().int(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  sourceFormat: z.string().nullable(),
  sourceCodec: z.string().nullable(),
  createdAt: isoTime,
});

export const rtpStreamSchema = z.object({
  channel: z.number().int(),
  label: z.string().nullable(),
  codec: z.string(),
  payloadType: z.number().int().nullable(),
  ssrcs: z.array(z.number()),
  packets: z.number().int(),
  expected: z.number().int(),
  lost: z.number().int(),
  lossPercent: z.number(),
  duplicated: z.number().int(),
  outOfOrder: z.number().int(),
  late: z.number().int(),
  jitterMs: z.number(),
  maxJitterMs: z.number(),
  rFactor: z.number(),
  mos: z.number(),
  startMs: z.number(),
  durationMs: z.number(),
  levelDbfs: z.number().nullable(),
  rtcp: z
    .object({
      senderReports: z.number().int(),
      receiverReports: z.number().int(),
      fractionLost: z.number().nullable(),
      cumulativeLost: z.number().nullable(),
      jitterMs: z.number().nullable(),
      senderPacketCount: z.number().nullable(),
    })
    .nullable(),
  /** Whether the stream's audio is in the recording (`not-decodable`: silence for its span). */
  audio: z.enum(STREAM_AUDIO),
  /**
   * SRTP streams: the suite, RTP packets decrypted, and packets dropped for failed authentication (tampered or under
   * another key), replay or a malformed header, and SRTCP that failed authentication; null for plain RTP.
   */
  srtp: z
    .object({
      suite: z.string(),
      decrypted: z.number().int(),
      authFailures: z.number().int(),
      replayed: z.number().int(),
      malformed: z.number().int(),
      rtcpAuthFailures: z.number().int(),
    })
    .nullable(),
});

/** How a captured call was recorded: RTP statistics per stream, DTMF key presses, recording pauses. */
export const captureDetailSchema = z.object({
  captureId: z.uuid(),
  recovered: z.boolean(),
  truncated: z.boolean(),
  oneWayAudio: z.boolean(),
  silentChannel: z.number().int().nullable(),
  oneWayReason: z.string().nullable(),
  sampleRate: z.number().int(),
  notes: z.array(z.string()),
  streams: z.array(rtpStreamSchema),
  dtmf: z.array(
    z.object({
      channel: z.number().int(),
      digit: z.string(),
      startMs: z.number(),
      durationMs: z.number(),
      method: z.enum(['rfc4733', 'sip-info']),
    }),
  ),
  pauses: z.array(
    z.object({ startMs: z.number(), endMs: z.number(), reason: z.enum(['inactive', 'info', 'hold']) }),
  ),
});
export type CaptureDetail = z.infer<typeof captureDetailSchema>;

export const callDetailSchema = callSummarySchema.extend({
  participants: z.array(
    z.object({
      role: z.enum(PARTICIPANT_ROLES),
      channel: z.number().int().nullable(),
      name: z.string().nullable(),
      number: z.string().nullable(),
      participantRef: z.string().nullable(),
    }),
  ),
  recordings: z.array(recordingInfoSchema),
  /** How a captured call was recorded; absent for calls that were not captured (uploads). */
  capture: captureDetailSchema.optional(),
});
export type CallDetail = z.infer<typeof callDetailSchema>;

export const partySchema = z.enum(['agent', 'customer', 'unknown']);

const wordsSchema = z.array(z.object({ word: z.string(), startMs: z.number(), endMs: z.number() }));

export const segmentSchema = z.object({
  id: z.string(),
  party: partySchema,
  channel: z.number().int().nullable(),
  startMs: z.number().int(),
  endMs: z.number().int(),
  text: z.string(),
  confidence: z.number().nullable(),
  words: wordsSchema.nullable(),
});

/** A segment of the redacted copy: the analytics stage's transcript with sensitive values replaced. */
export const redactedSegmentSchema = z.object({
  id: z.string().optional(),
  party: partySchema,
  channel: z.number().int().nullable(),
  startMs: z.number(),
  endMs: z.number(),
  text: z.string(),
  confidence: z.number().nullable().optional(),
  words: wordsSchema.nullable().optional(),
});
/** A segment of either transcript. */
export type Segment = z.infer<typeof segmentSchema> | z.infer<typeof redactedSegmentSchema>;

export const transcriptSchema = z.object({
  callId: z.uuid(),
  source: z.string(),
  model: z.string().nullable(),
  language: z.string().nullable(),
  languageConfidence: z.number().nullable(),
  languageLowConfidence: z.boolean().nullable(),
  languageMethod: z.string().nullable(),
  createdAt: isoTime,
  segments: z.array(segmentSchema),
});

/** `?redacted=true`, or a role that may not read sensitive data: typed placeholders ([CARD], [EMAIL], …). */
export const redactedTranscriptSchema = z.object({
  callId: z.uuid(),
  redacted: z.literal(true),
  language: z.string().nullable(),
  piiCounts: z.record(z.string(), z.number()),
  segments: z.array(redactedSegmentSchema),
});
export type Transcript = z.infer<typeof transcriptSchema> | z.infer<typeof redactedTranscriptSchema>;

export const stageOutcomeSchema = z.union([
  z.object({
    stage: z.string(),
    status: z.enum(STAGE_STATUSES),
    reason: z.string().nullable(),
    errorCode: z.string().nullable(),
    attempts: z.number().int(),
    model: z.string().nullable(),
    stageVersion: z.number().int(),
    queuedAt: isoTime,
    startedAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
    durationMs: z.number().nullable(),
    result: z.unknown(),
  }),
  /** A stage of this deployment that has not been queued for the call. */
  z.object({ stage: z.string(), status: z.literal('not queued'), reason: z.null() }),
]);
export type StageOutcome = z.infer<typeof stageOutcomeSchema>;

export const analysisSchema = z.object({
  callId: z.uuid(),
  stages: z.array(stageOutcomeSchema),
  /** The analytics stage's full result with the evidence of every finding; null until it ran. */
  analytics: z
    .object({ revision: z.number().int(), updatedAt: isoTime, disclosureProfile: z.string() })
    .catchall(z.unknown())
    .nullable(),
  reviewItems: z.array(reviewItemSchema),
});
export type Analysis = z.infer<typeof analysisSchema>;

export const audioQuerySchema = z.object({
  kind: z.enum(['original', 'redacted']).optional(),
  download: z.enum(['1', 'true']).optional(),
});

export const callRoutes = [
  route({
    method: 'POST',
    path: '/recordings',
    summary: 'Archive a recording with its metadata (and optionally a transcript); 200 when already archived',
    multipart: recordingUploadSchema,
    responses: {
      201: z.object({ id: z.uuid(), created: z.literal(true) }),
      200: z.object({ id: z.uuid(), created: z.literal(false) }),
    },
  }),
  route({
    method: 'GET',
    path: '/calls',
    summary: `Search calls (keyset pages; sort ${SORTS.join(', ')}; custom.<field>=value for custom fields)`,
    query: callSearchSchema,
    responses: { 200: callPageSchema },
  }),
  route({
    method: 'GET',
    path: '/calls/:id',
    summary: 'One call: metadata, participants, recordings and capture details',
    params: uuidParams,
    responses: { 200: callDetailSchema },
  }),
  route({
    method: 'GET',
    path: '/calls/:id/audio',
    summary:
      'The recording (byte ranges supported; the redacted copy for roles that may not hear sensitive data)',
    params: uuidParams,
    query: audioQuerySchema,
    responses: { 200: AUDIO, 206: AUDIO },
  }),
  route({
    method: 'GET',
    path: '/calls/:id/transcript',
    summary: 'The transcript (redacted with ?redacted=true or for roles that may not read sensitive data)',
    params: uuidParams,
    query: z.object({ redacted: z.enum(['true', 'false']).optional() }),
    responses: { 200: z.union([transcriptSchema, redactedTranscriptSchema]) },
  }),
  route({
    method: 'GET',
    path: '/calls/:id/analysis',
    summary: 'What the pipeline made of a call: every stage, the analytics result and its review items',
    params: uuidParams,
    responses: { 200: analysisSchema },
  }),
];

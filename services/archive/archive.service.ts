import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { CallMetadata, Participant } from '../../models/call.ts';
import { callLanguage } from '../../models/language.ts';
import type { CallSource, Database, Party } from '../../models/database.ts';
import { isDatabaseUnavailable } from '../platform/database.ts';
import { EscuchaError, isEscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { EventPublisher, RecordingArchived } from '../webhooks/webhook.events.ts';
import type { ArchiveProfile, AudioProbe, AudioTool } from './audio.types.ts';
import { CallRepository, isUniqueViolation } from './call.repository.ts';
import { Semaphore } from './concurrency.ts';
import { recordingObjectKey } from './object-key.ts';
import type { ObjectStore } from './object-store.ts';

export interface IngestInput {
  /** A local file (uploads are spooled to disk first: ffprobe needs a seekable file, M4A keeps its index at the end). */
  filePath: string;
  sizeBytes: number;
  metadata: CallMetadata;
  source: CallSource;
  /** A transcript that came with the recording; stored with the call, in the same transaction. */
  transcript?: UploadedTranscript;
  /** More rows of the call (capture details), written in the archive transaction: all of the call or none. */
  details?: ArchivedHook;
}

/** A transcript made elsewhere (the dialer, another recorder, a person), uploaded with its recording. */
export interface UploadedTranscript {
  /** ISO 639-1; null = identify it from the text. */
  language: string | null;
  segments: { party: Party; startMs: number; endMs: number; text: string }[];
}

/** Writes an uploaded transcript inside the archive transaction (the pipeline's transcript repository). */
export type TranscriptWriter = (
  trx: Transaction<Database>,
  callId: string,
  transcript: {
    language: string | null;
    languageMethod: 'upload' | 'metadata' | null;
    segments: {
      party: Party;
      channel: number | null;
      startMs: number;
      endMs: number;
      text: string;
    }[];
  },
) => Promise<void>;

export interface IngestResult {
  callId: string;
  /** False when a call with the same externalId already existed: nothing new was stored. */
  created: boolean;
  durationMs: number;
  objectKey?: string;
}

/** Hook run inside the archive transaction (the pipeline enqueues the first analysis job there). */
export type ArchivedHook = (trx: Transaction<Database>, callId: string) => Promise<void>;

export interface ArchiveServiceDeps {
  calls: CallRepository;
  store: ObjectStore;
  audio: AudioTool;
  profile: ArchiveProfile;
  logger: Logger;
  concurrency: number;
  onArchived?: ArchivedHook;
  /** Told of every call archived (webhooks), in the transaction that stores it. */
  events?: EventPublisher;
  /** Needed to accept uploaded transcripts. */
  transcripts?: TranscriptWriter;
}

/**
 * Archives one recording: validate (ffprobe), transcode to the archive profile streaming into the object store
 * (sha256 computed on the way), then insert call + recording + participants in one transaction.
 * Ordering guarantees: no database row without its object (rows are written after the object is complete), and no
 * orphan object when the database write fails (the object is deleted before the error is returned).
 */
export class ArchiveService {
  private readonly limiter: Semaphore;

  constructor(private readonly deps: ArchiveServiceDeps) {
    this.limiter = new Semaphore(deps.concurrency);
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    const { metadata } = input;
    const unstorable =
      unstorableTextAt(metadata, 'metadata') ?? unstorableTextAt(input.transcript, 'transcript');
    if (unstorable) {
      throw new EscuchaError(
        'INVALID_METADATA',
        `${unstorable} contains a NUL character, which cannot be stored`,
        {
          details: { field: unstorable },
        },
      );
    }
    if (metadata.externalId) {
      const existing = await this.deps.calls.findIdByExternalId(metadata.externalId);
      if (existing) return { callId: existing, created: false, durationMs: 0 };
    }
    if (input.sizeBytes === 0) throw new EscuchaError('EMPTY_UPLOAD', 'the recording file is empty');
    if (input.transcript && !this.deps.transcripts) {
      throw new EscuchaError('BAD_REQUEST', 'this server does not accept transcripts with recordings');
    }
    const probe = await this.deps.audio.probe(input.filePath);
    return this.limiter.run(() => this.archive(input, probe));
  }

  private async archive(input: IngestInput, probe: AudioProbe): Promise<IngestResult> {
    const { metadata } = input;
    const { store, audio, profile } = this.deps;
    const callId = randomUUID();
    const log = this.deps.logger.child({ callId });
    const startedAt = metadata.startedAt ?? new Date(Date.now() - probe.durationMs);
    const endedAt = metadata.endedAt ?? new Date(startedAt.getTime() + probe.durationMs);
    if (endedAt < startedAt) {
      throw new EscuchaError('INVALID_METADATA', 'endedAt is before startedAt');
    }
    const channels = Math.min(probe.channels, 2);
    const output = audio.describe(profile);
    const key = recordingObjectKey({ callId, startedAt, ...metadata }, output.extension);

    const t0 = performance.now();
    const job = audio.transcode(input.filePath, profile, channels);
    let put;
    const storing = store.put(key, job.output, {
      contentType: output.contentType,
      metadata: { 'call-id': callId, source: input.source },
    });
    try {
      [put] = await Promise.all([storing, job.done]);
    } catch (error) {
      job.output.destroy();
      await job.done.catch(() => undefined);
      // The transcode stops with "output closed" only because the store stopped reading it: the store's own error
      // (a full disk, a refused write) is then the cause the caller must see, whichever of the two settled first.
      const cause =
        isEscuchaError(error, 'TRANSCODE_FAILED') && error.details?.outputClosed
          ? await storing.then(
              () => error,
              (storeError: unknown) => storeError,
            )
          : error;
      await store
        .delete(key)
        .catch((e: unknown) => log.error({ err: e, key }, 'could not remove partial object'));
      throw cause;
    }
    const transcodeMs = performance.now() - t0;

    const participants = this.participantsFor(metadata, channels);
    try {
      await this.deps.calls.insertArchivedCall(
        {
          id: callId,
          external_id: metadata.externalId ?? null,
          started_at: startedAt,
          ended_at: endedAt,
          duration_ms: probe.durationMs,
          direction: metadata.direction ?? null,
          caller_number: metadata.callerNumber ?? null,
          callee_number: metadata.calleeNumber ?? null,
          agent_id: metadata.agentId ?? null,
          agent_name: metadata.agentName ?? null,
          team: metadata.team ?? null,
          customer_ref: metadata.customerRef ?? null,
          reason: metadata.reason ?? null,
          disposition: metadata.disposition ?? null,
          product: metadata.product ?? null,
          campaign: metadata.campaign ?? null,
          source: input.source,
          sip_call_id: metadata.sipCallId ?? null,
          language: callLanguage(metadata.language ?? input.transcript?.language),
          days_past_due: metadata.daysPastDue ?? null,
          amount_due: metadata.amountDue ?? null,
          currency: metadata.currency ?? null,
          region: metadata.region ?? null,
          country: metadata.country ?? null,
          custom: JSON.stringify(metadata.custom ?? {}),
        },
        {
          kind: 'original',
          storage: store.kind,
          object_key: key,
          content_type: output.contentType,
          format: output.format,
          codec: output.codec,
          channels,
          sample_rate: profile.sampleRate,
          bitrate_kbps: profile.format === 'opus' || profile.format === 'mp3' ? profile.bitrateKbps : null,
          duration_ms: probe.durationMs,
          size_bytes: put.sizeBytes,
          sha256: put.sha256,
          source_format: probe.formatName,
          source_codec: probe.codec,
          source_size_bytes: input.sizeBytes,
        },
        participants,
        this.afterInsert(input, participants, {
          callId,
          externalId: metadata.externalId ?? null,
          source: input.source,
          startedAt: startedAt.toISOString(),
          endedAt: endedAt.toISOString(),
          durationMs: probe.durationMs,
          direction: metadata.direction ?? null,
          agentId: metadata.agentId ?? null,
          team: metadata.team ?? null,
          campaign: metadata.campaign ?? null,
          recording: { format: output.format, sizeBytes: put.sizeBytes, sha256: put.sha256 },
        }),
      );
    } catch (error) {
      await store
        .delete(key)
        .catch((e: unknown) => log.error({ err: e, key }, 'could not remove orphan object'));
      if (metadata.externalId && isUniqueViolation(error, 'calls_external_id_key')) {
        const existing = await this.deps.calls.findIdByExternalId(metadata.externalId);
        if (existing) return { callId: existing, created: false, durationMs: probe.durationMs };
      }
      if (!isDatabaseUnavailable(error)) throw error;
      throw new EscuchaError(
        'DATABASE_UNAVAILABLE',
        `could not store the call: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    log.info(
      {
        key,
        durationMs: probe.durationMs,
        sizeBytes: put.sizeBytes,
        transcodeMs: Math.round(transcodeMs),
        source: input.source,
      },
      'call archived',
    );
    return { callId, created: true, durationMs: probe.durationMs, objectKey: key };
  }

  /**
   * What runs inside the archive transaction: the uploaded transcript, the caller's details (capture), then the
   * pipeline's first job, and the event that reports it.
   */
  private afterInsert(
    input: IngestInput,
    participants: Participant[],
    archived: RecordingArchived,
  ): ArchivedHook {
    const { transcript, details } = input;
    const write = this.deps.transcripts;
    const onArchived = this.deps.onArchived;
    const channelOf = (party: Party) => participants.find((p) => p.role === party)?.channel ?? null;
    return async (trx, callId) => {
      if (transcript && write) {
        const language = callLanguage(transcript.language ?? input.metadata.language);
        await write(trx, callId, {
          language,
          languageMethod: transcript.language ? 'upload' : language ? 'metadata' : null,
          segments: transcript.segments.map((s) => ({ ...s, channel: channelOf(s.party) })),
        });
      }
      if (details) await details(trx, callId);
      if (onArchived) await onArchived(trx, callId);
      await this.deps.events?.publish({ type: 'recording.archived', data: archived }, trx);
    };
  }

  /** Agent on channel 0 (left) and customer on channel 1 (right) unless the metadata says otherwise. */
  private participantsFor(metadata: CallMetadata, channels: number): Participant[] {
    if (metadata.participants && metadata.participants.length > 0) {
      return metadata.participants.map((p) => ({
        role: p.role,
        channel: p.channel === undefined || p.channel === null || p.channel >= channels ? null : p.channel,
        name: p.name ?? null,
        number: p.number ?? null,
        participantRef: p.participantRef ?? null,
      }));
    }
    const inbound = metadata.direction === 'inbound';
    const agentNumber = inbound ? metadata.calleeNumber : metadata.callerNumber;
    const customerNumber = inbound ? metadata.callerNumber : metadata.calleeNumber;
    return [
      {
        role: 'agent',
        channel: channels === 2 ? 0 : null,
        name: metadata.agentName ?? null,
        number: metadata.direction ? (agentNumber ?? null) : null,
        participantRef: metadata.agentId ?? null,
      },
      {
        role: 'customer',
        channel: channels === 2 ? 1 : null,
        name: null,
        number: metadata.direction ? (customerNumber ?? null) : null,
        participantRef: metadata.customerRef ?? null,
      },
    ];
  }
}

/** The path of the first string in a value that PostgreSQL cannot store (text may not contain U+0000). */
export function unstorableTextAt(value: unknown, at: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  if (typeof value !== 'object' || value === null || depth > 8) return null;
  for (const [key, v] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${at}.${key.replaceAll('\u0000', '')}`;
    const found = unstorableTextAt(v, Array.isArray(value) ? `${at}[${key}]` : `${at}.${key}`, depth + 1);
    if (found) return found;
  }
  return null;
}

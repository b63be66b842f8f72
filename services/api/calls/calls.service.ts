import {
  callMetadataSchema,
  type CallDetail,
  type CallSearch,
  type CallSummary,
  type Page,
} from '../../../models/call.ts';
import type { RecordingRow } from '../../../models/database.ts';
import type { ArchiveService } from '../../archive/archive.service.ts';
import type { IntegrityService } from '../../archive/integrity.service.ts';
import type { ByteRange, ObjectStore } from '../../archive/object-store.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { scopeConditions } from '../../access/call-scope.ts';
import type { Caller } from '../../access/caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { CallQueryRepository } from './call-query.repository.ts';
import { parseTranscriptField } from './transcript-upload.ts';

export interface CallsServiceDeps {
  archive: ArchiveService;
  queries: CallQueryRepository;
  store: ObjectStore;
  /** Refuses to play a recording whose stored bytes no longer match what was archived. */
  integrity: IntegrityService;
}

/** A recording received by upload, spooled to a file, with the text fields that came with it. */
export interface ReceivedRecording {
  filePath: string;
  sizeBytes: number;
  fields: Record<string, string>;
}

/** The archive as the API sees it: recordings coming in, searching calls, one call, a recording to play. */
export class CallsService {
  constructor(private readonly deps: CallsServiceDeps) {}

  /** Archives an uploaded recording with its metadata (JSON) and an optional transcript made elsewhere. */
  async ingest(upload: ReceivedRecording): Promise<{ id: string; created: boolean }> {
    let raw: unknown = {};
    if (upload.fields.metadata !== undefined) {
      try {
        raw = JSON.parse(upload.fields.metadata);
      } catch (cause) {
        throw new EscuchaError('INVALID_METADATA', `metadata is not valid JSON: ${(cause as Error).message}`);
      }
    }
    const metadata = parseOrThrow(callMetadataSchema, raw, 'INVALID_METADATA', 'invalid metadata');
    const transcript = parseTranscriptField(upload.fields.transcript);
    const result = await this.deps.archive.ingest({
      filePath: upload.filePath,
      sizeBytes: upload.sizeBytes,
      metadata,
      source: 'upload',
      ...(transcript ? { transcript } : {}),
    });
    return { id: result.callId, created: result.created };
  }

  /** Agents see only their own calls; people with languages or teams only those (auth/call-scope.ts). */
  search(caller: Caller, query: CallSearch): Promise<Page<CallSummary>> {
    return this.deps.queries.search(query, scopeConditions(caller.principal));
  }

  get(id: string): Promise<CallDetail> {
    return this.deps.queries.get(id);
  }

  /** A call's recording of this kind, once its stored bytes are known to be what was archived. */
  async playable(callId: string, kind: 'original' | 'redacted'): Promise<RecordingRow> {
    const recording = await this.deps.queries.recording(callId, kind);
    await this.deps.integrity.ensurePlayable(recording);
    return recording;
  }

  /** The bytes of a recording (a range of them). */
  open(recording: RecordingRow, range?: ByteRange) {
    return this.deps.store.get(recording.object_key, range);
  }
}

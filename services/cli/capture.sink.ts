import type { ArchiveService } from '../archive/archive.service.ts';
import type { CaptureDetailsWriter } from '../archive/capture-details.repository.ts';
import type { CallSink, CapturedCall } from '../capture/captured-call.ts';

/**
 * Where captured calls go in a running Escucha: the archive (transcode, object store, call rows, first analysis
 * job) with the capture details (RTP statistics, DTMF, pauses) in the same transaction, so a call is never stored
 * without them. Idempotent on the capture id, which becomes the call's externalId (`capture:<id>`) unless
 * signalling gave one: delivering a call twice (a crash before the spool was removed) stores it once.
 */
export class ArchiveCallSink implements CallSink {
  constructor(
    private readonly archive: ArchiveService,
    private readonly details: CaptureDetailsWriter,
  ) {}

  async deliver(call: CapturedCall): Promise<{ callId: string; created: boolean }> {
    const metadata = {
      ...call.metadata,
      externalId: call.metadata.externalId ?? `capture:${call.captureId}`,
    };
    const result = await this.archive.ingest({
      filePath: call.filePath,
      sizeBytes: call.sizeBytes,
      metadata,
      source: call.source,
      details: this.details.within(call),
    });
    // A call archived before its details shared the transaction (an earlier version) may still lack them.
    if (!result.created) await this.details.add(result.callId, call);
    return { callId: result.callId, created: result.created };
  }
}

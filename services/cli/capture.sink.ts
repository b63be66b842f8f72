import type { ArchiveService } from '../archive/archive.service.ts';
import type { CallSink, CapturedCall } from '../capture/captured-call.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';

/**
 * Where captured calls go in a running Escucha: the archive (transcode, object store, call rows, first analysis
 * job) with the capture details (RTP statistics, DTMF, pauses) in the same transaction, so a call is never stored
 * without them. Idempotent on the capture id, which becomes the call's externalId (`capture:<id>`) unless
 * signalling gave one: delivering a call twice (a crash before the spool was removed) stores it once.
 */
export class ArchiveCallSink implements CallSink {
  constructor(
    private readonly archive: ArchiveService,
    private readonly db: Db,
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
      details: (trx, callId) => insertCaptureDetails(trx, callId, call),
    });
    // A call archived before its details shared the transaction (an earlier version) may still lack them.
    if (!result.created)
      await this.db.transaction().execute((trx) => insertCaptureDetails(trx, result.callId, call));
    return { callId: result.callId, created: result.created };
  }
}

/** Capture rows of one call, once, inside the caller's transaction: rows already there are left as they are. */
async function insertCaptureDetails(
  trx: Transaction<Database>,
  callId: string,
  call: CapturedCall,
): Promise<void> {
  const inserted = await trx
    .insertInto('call_captures')
    .values({
      call_id: callId,
      capture_id: call.captureId,
      source: call.source,
      recovered: call.recovered,
      truncated: call.truncated,
      one_way_audio: call.oneWayAudio.oneWay,
      silent_channel: call.oneWayAudio.silentChannel,
      one_way_reason: call.oneWayAudio.reason,
      sample_rate: call.sampleRate,
      notes: JSON.stringify(call.notes.slice(0, 50)),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('call_id')
    .executeTakeFirst();
  if (!inserted) return;
  if (call.streams.length > 0) {
    await trx
      .insertInto('call_rtp_streams')
      .values(
        call.streams.map((s) => ({
          call_id: callId,
          channel: s.channel,
          label: s.label,
          codec: s.codec,
          payload_type: s.payloadType,
          ssrcs: s.ssrcs,
          packets: s.packets,
          expected: s.expected,
          lost: s.lost,
          loss_percent: s.lossPercent,
          duplicated: s.duplicated,
          out_of_order: s.outOfOrder,
          late: s.late,
          jitter_ms: s.jitterMs,
          max_jitter_ms: s.maxJitterMs,
          r_factor: s.rFactor,
          mos: s.mos,
          start_ms: s.startMs,
          duration_ms: s.durationMs,
          level_dbfs: s.levelDbfs,
          rtcp: s.rtcp === null ? null : JSON.stringify(s.rtcp),
          audio: s.audio,
        })),
      )
      .execute();
  }
  if (call.dtmf.length > 0) {
    await trx
      .insertInto('call_dtmf_events')
      .values(
        call.dtmf.map((d) => ({
          call_id: callId,
          channel: d.channel,
          digit: d.digit,
          start_ms: d.startMs,
          duration_ms: d.durationMs,
          method: d.method,
        })),
      )
      .execute();
  }
  if (call.pauses.length > 0) {
    await trx
      .insertInto('call_pauses')
      .values(
        call.pauses.map((p) => ({
          call_id: callId,
          start_ms: p.startMs,
          end_ms: Math.max(p.startMs, p.endMs),
          reason: p.reason,
        })),
      )
      .execute();
  }
}

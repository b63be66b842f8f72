import type { Transaction } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { CapturedCall } from '../capture/captured-call.ts';
import type { Db } from '../platform/database.ts';
import type { ArchivedHook } from './archive.service.ts';

/** Where the capture details of a call (RTP statistics, DTMF, pauses, capture facts) are written. */
export interface CaptureDetailsWriter {
  /** The details as the archive's hook: written in the transaction that stores the call. */
  within(call: CapturedCall): ArchivedHook;
  /** The details of a call archived earlier without them, in a transaction of their own. */
  add(callId: string, call: CapturedCall): Promise<void>;
}

/** The capture tables: call_captures, call_rtp_streams, call_dtmf_events, call_pauses. */
export class CaptureDetailsRepository implements CaptureDetailsWriter {
  constructor(private readonly db: Db) {}

  within(call: CapturedCall): ArchivedHook {
    return (trx, callId) => insertDetails(trx, callId, call);
  }

  add(callId: string, call: CapturedCall): Promise<void> {
    return this.db.transaction().execute((trx) => insertDetails(trx, callId, call));
  }
}

/** Capture rows of one call, once, inside the caller's transaction: rows already there are left as they are. */
async function insertDetails(trx: Transaction<Database>, callId: string, call: CapturedCall): Promise<void> {
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
          srtp: s.srtp ? JSON.stringify(s.srtp) : null,
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

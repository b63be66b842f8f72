import type { CaptureDetail } from '../../../models/call.ts';
import type { Db } from '../../platform/database.ts';

/** The network-capture part of GET /api/v1/calls/:id (migration 0004); null for calls that were not captured. */
export async function captureDetailOf(db: Db, callId: string): Promise<CaptureDetail | null> {
  const capture = await db
    .selectFrom('call_captures')
    .selectAll()
    .where('call_id', '=', callId)
    .executeTakeFirst();
  if (!capture) return null;
  const [streams, dtmf, pauses] = await Promise.all([
    db
      .selectFrom('call_rtp_streams')
      .selectAll()
      .where('call_id', '=', callId)
      .orderBy('channel')
      .orderBy('id')
      .execute(),
    db.selectFrom('call_dtmf_events').selectAll().where('call_id', '=', callId).orderBy('start_ms').execute(),
    db.selectFrom('call_pauses').selectAll().where('call_id', '=', callId).orderBy('start_ms').execute(),
  ]);
  return {
    captureId: capture.capture_id,
    recovered: capture.recovered,
    truncated: capture.truncated,
    oneWayAudio: capture.one_way_audio,
    silentChannel: capture.silent_channel,
    oneWayReason: capture.one_way_reason,
    sampleRate: capture.sample_rate,
    notes: capture.notes,
    streams: streams.map((s) => ({
      channel: s.channel,
      label: s.label,
      codec: s.codec,
      payloadType: s.payload_type,
      ssrcs: s.ssrcs.map(Number),
      packets: s.packets,
      expected: s.expected,
      lost: s.lost,
      lossPercent: s.loss_percent,
      duplicated: s.duplicated,
      outOfOrder: s.out_of_order,
      late: s.late,
      jitterMs: s.jitter_ms,
      maxJitterMs: s.max_jitter_ms,
      rFactor: s.r_factor,
      mos: s.mos,
      startMs: s.start_ms,
      durationMs: s.duration_ms,
      levelDbfs: s.level_dbfs,
      rtcp: s.rtcp,
      audio: s.audio,
    })),
    dtmf: dtmf.map((d) => ({
      channel: d.channel,
      digit: d.digit,
      startMs: d.start_ms,
      durationMs: d.duration_ms,
      method: d.method,
    })),
    pauses: pauses.map((p) => ({ startMs: p.start_ms, endMs: p.end_ms, reason: p.reason })),
  };
}

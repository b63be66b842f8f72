import type { BeepResult } from '../analytics/beep/beep.detector.ts';
import type { KeyPressSpan } from '../analytics/dtmf/dtmf.detector.ts';
import type { Db } from '../platform/database.ts';

export interface ChannelTones extends BeepResult {
  channel: number;
  intervalMs: number;
  /** In-band key presses (times only). */
  keyPresses: KeyPressSpan[];
}

/**
 * What the vad stage heard on each channel besides speech (table channel_tones): the recording tone and in-band key
 * presses. A write replaces the call's earlier rows.
 */
export class ToneRepository {
  constructor(private readonly db: Db) {}

  async replace(callId: string, channels: readonly ChannelTones[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('channel_tones').where('call_id', '=', callId).execute();
      if (channels.length === 0) return;
      await trx
        .insertInto('channel_tones')
        .values(
          channels.map((c) => ({
            call_id: callId,
            channel: c.channel,
            frequency_hz: Math.round(c.frequencyHz),
            interval_ms: Math.round(c.intervalMs),
            beeps: JSON.stringify(c.beeps),
            regular: c.regular,
            throughout: c.throughout,
            mean_interval_ms: c.meanIntervalMs,
            duration_ms: Math.round(c.durationMs),
            key_presses: JSON.stringify(c.keyPresses),
          })),
        )
        .execute();
    });
  }

  /** The call's examined channels, or null when its audio was never examined. */
  async forCall(callId: string): Promise<ChannelTones[] | null> {
    const rows = await this.db
      .selectFrom('channel_tones')
      .selectAll()
      .where('call_id', '=', callId)
      .orderBy('channel')
      .execute();
    if (rows.length === 0) return null;
    return rows.map((r) => {
      const intervalsMs = r.beeps.slice(1).map((b, i) => b.startMs - r.beeps[i]!.startMs);
      return {
        channel: r.channel,
        frequencyHz: r.frequency_hz,
        intervalMs: r.interval_ms,
        beeps: r.beeps,
        intervalsMs,
        regular: r.regular,
        throughout: r.throughout,
        meanIntervalMs: r.mean_interval_ms,
        durationMs: r.duration_ms,
        keyPresses: r.key_presses,
      };
    });
  }
}

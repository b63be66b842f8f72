import { sql, type SqlBool } from 'kysely';
import type { LiveAlert } from './live.hub.ts';
import type { Party } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';

/** The live tables (migration 0016): live transcripts and their lines, keyed by capture id, and live alerts. */

export interface LiveTranscriptStart {
  captureId: string;
  startedAt: Date;
  language: string | null;
  agentId: string | null;
  team: string | null;
}

export interface LiveLineRow {
  captureId: string;
  channel: number;
  party: Party;
  startMs: number;
  endMs: number;
  text: string;
  language: string | null;
}

export interface LiveTranscriptState {
  captureId: string;
  language: string | null;
  model: string | null;
  agentId: string | null;
  team: string | null;
  ended: boolean;
  utterances: number;
  recognised: number;
  dropped: number;
  complete: boolean;
}

export interface NewLiveAlert {
  captureId: string;
  kind: string;
  detail: string;
  atMs: number;
  raisedAt: Date;
  agentId: string | null;
  team: string | null;
  language: string | null;
}

/** A stored alert: the hub's alert with whose call it was and its acknowledgement. */
export interface LiveAlertRow extends LiveAlert {
  agentId: string | null;
  team: string | null;
  language: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

export class LiveRepository {
  constructor(private readonly db: Db) {}

  /** A call whose transcript starts (again, after a restart of capture: its earlier lines stay). */
  async startTranscript(t: LiveTranscriptStart): Promise<void> {
    await this.db
      .insertInto('live_transcripts')
      .values({
        capture_id: t.captureId,
        started_at: t.startedAt,
        language: t.language,
        agent_id: t.agentId,
        team: t.team,
      })
      .onConflict((oc) =>
        oc.column('capture_id').doUpdateSet({ ended_at: null, complete: false, updated_at: new Date() }),
      )
      .execute();
  }

  /** Lines of recognised utterances, and how many utterances they account for. */
  async addLines(
    captureId: string,
    lines: readonly LiveLineRow[],
    counts: { recognised: number; model: string },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (lines.length > 0) {
        await trx
          .insertInto('live_transcript_lines')
          .values(
            lines.map((l) => ({
              capture_id: captureId,
              channel: l.channel,
              party: l.party,
              start_ms: Math.round(l.startMs),
              end_ms: Math.round(l.endMs),
              text: l.text,
              language: l.language,
            })),
          )
          .execute();
      }
      await trx
        .updateTable('live_transcripts')
        .set((eb) => ({
          recognised: eb('recognised', '+', counts.recognised),
          model: counts.model,
          updated_at: new Date(),
        }))
        .where('capture_id', '=', captureId)
        .execute();
    });
  }

  /** Utterances found (to be recognised) and utterances left out (queue full, recognition failed). */
  async count(captureId: string, found: number, dropped: number): Promise<void> {
    if (found === 0 && dropped === 0) return;
    await this.db
      .updateTable('live_transcripts')
      .set((eb) => ({
        utterances: eb('utterances', '+', found),
        dropped: eb('dropped', '+', dropped),
        updated_at: new Date(),
      }))
      .where('capture_id', '=', captureId)
      .execute();
  }

  /** The call ended; `complete` once every utterance it had was recognised and none was left out. */
  async finish(captureId: string, endedAt: Date | null, complete: boolean): Promise<void> {
    await this.db
      .updateTable('live_transcripts')
      .set({
        ...(endedAt ? { ended_at: endedAt } : {}),
        complete,
        updated_at: new Date(),
      })
      .where('capture_id', '=', captureId)
      .execute();
  }

  async state(captureId: string): Promise<LiveTranscriptState | undefined> {
    const r = await this.db
      .selectFrom('live_transcripts')
      .selectAll()
      .where('capture_id', '=', captureId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      captureId: r.capture_id,
      language: r.language,
      model: r.model,
      agentId: r.agent_id,
      team: r.team,
      ended: r.ended_at !== null,
      utterances: r.utterances,
      recognised: r.recognised,
      dropped: r.dropped,
      complete: r.complete,
    };
  }

  async lines(captureId: string): Promise<LiveLineRow[]> {
    const rows = await this.db
      .selectFrom('live_transcript_lines')
      .selectAll()
      .where('capture_id', '=', captureId)
      .orderBy('start_ms')
      .orderBy('channel')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      captureId: r.capture_id,
      channel: r.channel,
      party: r.party,
      startMs: r.start_ms,
      endMs: r.end_ms,
      text: r.text,
      language: r.language,
    }));
  }

  /** The live transcript of an archived call (through its capture id), when its live transcription completed. */
  async completeTranscriptOf(
    callId: string,
  ): Promise<{ state: LiveTranscriptState; lines: LiveLineRow[] } | undefined> {
    const capture = await this.db
      .selectFrom('call_captures')
      .select('capture_id')
      .where('call_id', '=', callId)
      .executeTakeFirst();
    if (!capture) return undefined;
    const state = await this.state(capture.capture_id);
    if (!state?.complete || state.utterances !== state.recognised || state.dropped > 0) return undefined;
    return { state, lines: await this.lines(capture.capture_id) };
  }

  /** Alerts of a call keep its id once it is archived. */
  async attachAlerts(callId: string): Promise<void> {
    await this.db
      .updateTable('live_alerts')
      .set({ call_id: callId })
      .where('call_id', 'is', null)
      .where('capture_id', 'in', (eb) =>
        eb
          .selectFrom('call_captures')
          .select(sql<string>`capture_id::text`.as('capture_id'))
          .where('call_id', '=', callId),
      )
      .execute();
  }

  async addAlert(a: NewLiveAlert): Promise<LiveAlertRow> {
    const r = await this.db
      .insertInto('live_alerts')
      .values({
        capture_id: a.captureId,
        kind: a.kind,
        detail: a.detail,
        at_ms: Math.round(a.atMs),
        raised_at: a.raisedAt,
        agent_id: a.agentId,
        team: a.team,
        language: a.language,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return {
      alertId: r.id,
      captureId: a.captureId,
      callId: null,
      kind: a.kind,
      detail: a.detail,
      atMs: Math.round(a.atMs),
      raisedAt: a.raisedAt.toISOString(),
      agentId: a.agentId,
      team: a.team,
      language: a.language,
      acknowledgedBy: null,
      acknowledgedAt: null,
    };
  }

  /**
   * Newest alerts, unacknowledged first; the call id from the archive where the alert has none yet. `callId`: the
   * alerts kept with an archived call (through its capture).
   */
  async alerts(filter: {
    captureId?: string;
    alertId?: string;
    callId?: string;
    limit: number;
  }): Promise<LiveAlertRow[]> {
    let q = this.db
      .selectFrom('live_alerts as a')
      .leftJoin('call_captures as c', (join) =>
        // call_captures keeps capture ids as uuid; a live transcript keeps them as capture gave them
        join.on(sql<SqlBool>`c.capture_id::text = a.capture_id`),
      )
      .select([
        'a.id',
        'a.capture_id',
        'a.call_id',
        'c.call_id as archived_call_id',
        'a.kind',
        'a.detail',
        'a.at_ms',
        'a.raised_at',
        'a.agent_id',
        'a.team',
        'a.language',
        'a.acknowledged_by',
        'a.acknowledged_at',
      ]);
    if (filter.captureId) q = q.where('a.capture_id', '=', filter.captureId);
    if (filter.alertId) q = q.where('a.id', '=', filter.alertId);
    if (filter.callId) q = q.where('c.call_id', '=', filter.callId);
    const rows = await q
      .orderBy((eb) => eb('a.acknowledged_at', 'is not', null))
      .orderBy('a.raised_at', 'desc')
      .orderBy('a.id')
      .limit(filter.limit)
      .execute();
    return rows.map((r) => ({
      alertId: r.id,
      captureId: r.capture_id,
      callId: r.call_id ?? r.archived_call_id ?? null,
      kind: r.kind,
      detail: r.detail,
      atMs: r.at_ms,
      raisedAt: r.raised_at.toISOString(),
      agentId: r.agent_id,
      team: r.team,
      language: r.language,
      acknowledgedBy: r.acknowledged_by,
      acknowledgedAt: r.acknowledged_at ? r.acknowledged_at.toISOString() : null,
    }));
  }

  async alert(alertId: string): Promise<LiveAlertRow | undefined> {
    return (await this.alerts({ alertId, limit: 1 }))[0];
  }

  /** Marks an alert acknowledged (the first acknowledgement stays); false when there is no such alert. */
  async acknowledge(alertId: string, by: string, at: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('live_alerts')
      .set({ acknowledged_by: by, acknowledged_at: at })
      .where('id', '=', alertId)
      .where('acknowledged_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return true;
    return (
      (await this.db.selectFrom('live_alerts').select('id').where('id', '=', alertId).executeTakeFirst()) !==
      undefined
    );
  }
}

import { sql, type Selectable } from 'kysely';
import type { AnalysisOutcomesTable, StageStatus } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';
import type { StageName } from './stages.ts';

export interface StageOutcomeView {
  stage: string;
  status: StageStatus;
  reason: string | null;
  errorCode: string | null;
  attempts: number;
  model: string | null;
  stageVersion: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  result: unknown;
}

function toView(r: Selectable<AnalysisOutcomesTable>): StageOutcomeView {
  return {
    stage: r.stage,
    status: r.status,
    reason: r.reason,
    errorCode: r.error_code,
    attempts: r.attempts,
    model: r.model,
    stageVersion: r.stage_version,
    queuedAt: r.queued_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    durationMs: r.duration_ms,
    result: r.result,
  };
}

/** The per-call, per-stage outcome table (pending, running, done, skipped with reason, failed with error). */
export class OutcomeRepository {
  constructor(private readonly db: Db) {}

  async markPending(
    executor: Db,
    callId: string,
    stage: StageName,
    jobId: string | null,
    reason?: string,
  ): Promise<void> {
    await executor
      .insertInto('analysis_outcomes')
      .values({ call_id: callId, stage, status: 'pending', job_id: jobId, reason: reason ?? null })
      .onConflict((oc) =>
        oc.columns(['call_id', 'stage']).doUpdateSet({
          status: 'pending',
          job_id: jobId,
          reason: reason ?? null,
          error_code: null,
          queued_at: sql`now()`,
          started_at: null,
          finished_at: null,
          duration_ms: null,
        }),
      )
      .execute();
  }

  /** Whether this job already finished its stage for the call (done or skipped: its outcome is written). */
  async finishedBy(callId: string, stage: StageName, jobId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('analysis_outcomes')
      .select('status')
      .where('call_id', '=', callId)
      .where('stage', '=', stage)
      .where('job_id', '=', jobId)
      .where('status', 'in', ['done', 'skipped'])
      .executeTakeFirst();
    return row !== undefined;
  }

  async markRunning(callId: string, stage: StageName, jobId: string, version: number): Promise<void> {
    await this.db
      .insertInto('analysis_outcomes')
      .values({
        call_id: callId,
        stage,
        status: 'running',
        job_id: jobId,
        attempts: 1,
        stage_version: version,
        started_at: new Date(),
      })
      .onConflict((oc) =>
        oc.columns(['call_id', 'stage']).doUpdateSet({
          status: 'running',
          job_id: jobId,
          attempts: sql`analysis_outcomes.attempts + 1`,
          stage_version: version,
          started_at: new Date(),
          finished_at: null,
          reason: null,
          error_code: null,
        }),
      )
      .execute();
  }

  async markFinished(
    executor: Db,
    callId: string,
    stage: StageName,
    outcome: {
      status: 'done' | 'skipped' | 'failed' | 'pending';
      reason?: string | null;
      errorCode?: string | null;
      model?: string | null;
      result?: unknown;
    },
    startedAt: number,
  ): Promise<void> {
    await executor
      .updateTable('analysis_outcomes')
      .set({
        status: outcome.status,
        reason: outcome.reason ?? null,
        error_code: outcome.errorCode ?? null,
        model: outcome.model ?? null,
        result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
        finished_at: outcome.status === 'pending' ? null : new Date(),
        duration_ms: Math.round(performance.now() - startedAt),
      })
      .where('call_id', '=', callId)
      .where('stage', '=', stage)
      .execute();
  }

  async forCall(callId: string): Promise<StageOutcomeView[]> {
    const rows = await this.db
      .selectFrom('analysis_outcomes')
      .selectAll()
      .where('call_id', '=', callId)
      .execute();
    return rows.map(toView);
  }

  async list(filter: {
    stage?: string;
    status?: StageStatus;
    callId?: string;
    limit: number;
  }): Promise<(StageOutcomeView & { callId: string })[]> {
    let q = this.db
      .selectFrom('analysis_outcomes')
      .selectAll()
      .orderBy('queued_at', 'desc')
      .limit(filter.limit);
    if (filter.stage) q = q.where('stage', '=', filter.stage);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.callId) q = q.where('call_id', '=', filter.callId);
    const rows = await q.execute();
    return rows.map((r) => ({ callId: r.call_id, ...toView(r) }));
  }

  async counts(): Promise<{ stage: string; status: string; n: number }[]> {
    const rows = await this.db
      .selectFrom('analysis_outcomes')
      .select(['stage', 'status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy(['stage', 'status'])
      .orderBy('stage')
      .execute();
    return rows.map((r) => ({ stage: r.stage, status: r.status, n: Number(r.n) }));
  }
}

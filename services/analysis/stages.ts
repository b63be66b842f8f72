/**
 * The stages a call's analysis goes through, in the order they run: speech (vad, language, transcribe), then text
 * analytics and routing to review queues. The one list: the pipeline's queues, its default order, the stage names
 * the CLI accepts and the API lists all come from it.
 */
export const STAGES = ['vad', 'language', 'transcribe', 'analytics', 'route'] as const;
export type StageName = (typeof STAGES)[number];

export function isStageName(value: string): value is StageName {
  return (STAGES as readonly string[]).includes(value);
}

/** What asks for a stage of one call. */
export interface StagePayload {
  callId: string;
  /** Set when an operator re-runs the stage: it replaces the stage's earlier result. */
  rerun?: boolean;
  /** Re-run only this stage, without enqueuing the ones after it. */
  only?: boolean;
}

/** Puts a stage of one call in the job queue (the pipeline's enqueue). */
export type EnqueueStage = (stage: StageName, payload: StagePayload) => Promise<unknown>;

/** What a stage's work reports. A thrown error means "retry, then fail". */
export type StageOutcome =
  | { status: 'done'; model?: string; result?: unknown }
  | { status: 'skipped'; reason: string; model?: string; result?: unknown };

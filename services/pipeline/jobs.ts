/**
 * The typed map of pipeline stages. Each stage is one pg-boss queue; its payload type is fixed here. Data flows one
 * way: a stage reads what earlier stages stored and enqueues the next one when it is done (or skipped).
 */
export const STAGES = ['vad', 'language', 'transcribe', 'analytics', 'route'] as const;
export type StageName = (typeof STAGES)[number];

export interface StagePayload {
  callId: string;
  /** Set when an operator re-runs the stage: it replaces the stage's earlier result. */
  rerun?: boolean;
  /** Re-run only this stage, without enqueuing the ones after it. */
  only?: boolean;
}

export interface JobPayloads {
  vad: StagePayload;
  language: StagePayload;
  transcribe: StagePayload;
  analytics: StagePayload;
  route: StagePayload;
}

export const DEAD_LETTER_QUEUE = 'escucha.dead-letter';

export function queueName(stage: StageName): string {
  return `escucha.${stage}`;
}

export function isStageName(value: string): value is StageName {
  return (STAGES as readonly string[]).includes(value);
}

/** What a stage handler reports. A thrown error means "retry, then fail". */
export type StageOutcome =
  | { status: 'done'; model?: string; result?: unknown }
  | { status: 'skipped'; reason: string; model?: string; result?: unknown };

import type { StageName, StagePayload } from '../analysis/stages.ts';

/**
 * The typed map of pipeline stages. Each stage is one pg-boss queue; its payload type is fixed here. Data flows one
 * way: a stage reads what earlier stages stored and enqueues the next one when it is done (or skipped).
 */
export {
  isStageName,
  STAGES,
  type StageName,
  type StageOutcome,
  type StagePayload,
} from '../analysis/stages.ts';

export type JobPayloads = { [S in StageName]: StagePayload };

export const DEAD_LETTER_QUEUE = 'escucha.dead-letter';

export function queueName(stage: StageName): string {
  return `escucha.${stage}`;
}

/** The queue of webhook deliveries (services/webhooks): one job per attempt at one delivery. */
export const WEBHOOK_QUEUE = 'escucha.webhook';
export type { WebhookJob } from '../webhooks/webhook.publisher.ts';

import type { ReviewRouting } from '../../review/review.routing.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import type { StageHandler } from '../pipeline.ts';

/**
 * Stage `route`: the call's stored analysis becomes its review items (services/review/review.routing.ts). Re-running
 * replaces the call's pending items; claimed and completed ones are kept.
 */
export class RouteStage implements StageHandler<'route'> {
  readonly stage = 'route' as const;
  readonly version = 1;

  constructor(private readonly routing: ReviewRouting) {}

  async run(payload: StagePayload): Promise<StageOutcome> {
    const routed = await this.routing.route(payload.callId);
    return 'skipped' in routed
      ? { status: 'skipped', reason: routed.skipped }
      : { status: 'done', result: routed };
  }
}

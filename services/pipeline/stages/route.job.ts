import { routeCall, type RoutingConfig } from '../../analytics/index.ts';
import type { AnalysisRepository } from '../../analysis/analysis.repository.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import type { StageHandler } from '../pipeline.ts';
import type { ReviewRepository } from '../../review/review.repository.ts';

export interface RouteStageDeps {
  analyses: AnalysisRepository;
  reviews: ReviewRepository;
  routing: RoutingConfig;
}

/**
 * Stage `route`: turns the stored analysis into review items (services/analytics/routing): forbidden practices
 * and missing or partial disclosures to the compliance queue, low adherence and negative customer sentiment to QA,
 * a deterministic weekly sample per agent to QA — each in the queue of the call's language. Re-running replaces
 * the call's pending items; claimed and completed ones are kept.
 */
export class RouteStage implements StageHandler<'route'> {
  readonly stage = 'route' as const;
  readonly version = 1;

  constructor(private readonly deps: RouteStageDeps) {}

  async run(payload: StagePayload): Promise<StageOutcome> {
    const { callId } = payload;
    const [call, stored] = await Promise.all([
      this.deps.analyses.call(callId),
      this.deps.analyses.get(callId),
    ]);
    if (!call) return { status: 'skipped', reason: 'call not found (deleted?)' };
    if (!stored) return { status: 'skipped', reason: 'the call has no analysis (see the analytics stage)' };
    const a = stored.result;
    const items = routeCall(
      {
        callId,
        agentId: call.agentId,
        language: stored.language,
        startedAt: call.startedAt,
        disclosure: a.disclosure,
        adherence: a.adherence
          ? {
              score: a.adherence.score,
              passed: a.adherence.passed,
              criticalFailed: a.adherence.rules.filter((r) => r.critical && !r.passed).map((r) => r.id),
            }
          : null,
        sentiment: a.sentiment ? { customer: a.sentiment.parties.customer } : null,
        violations: a.forbidden.violations,
        contact: a.contact,
      },
      this.deps.routing,
    );
    const pending = await this.deps.reviews.replaceForCall(callId, items);
    return { status: 'done', result: { items, pending } };
  }
}

import type { AnalysisRepository } from '../analysis/analysis.repository.ts';
import type { ReviewItem } from '../analytics/index.ts';
import type { ReviewRepository } from './review.repository.ts';
import type { EventPublisher } from '../webhooks/webhook.events.ts';

/** What routing a call did: its pending items, or why nothing was routed. */
export type RouteResult = { skipped: string } | { items: ReviewItem[]; pending: number };

/**
 * Puts a call in the review queues its analysis chose (services/analytics/routing): forbidden practices and missing or
 * partial disclosures to compliance, low adherence and negative customer sentiment to QA, a weekly sample per agent to
 * QA, each in the queue of the call's language. analyzeCall decides the items once, with the analysis, and they are
 * stored with it; this makes them the call's pending items. Claimed and completed items are kept.
 */
export class ReviewRouting {
  constructor(
    private readonly deps: {
      reviews: ReviewRepository;
      analyses: AnalysisRepository;
      /** Told of every review item created (webhooks), in the transaction that creates it. */
      events?: EventPublisher;
    },
  ) {}

  async route(callId: string): Promise<RouteResult> {
    const [call, stored] = await Promise.all([
      this.deps.analyses.call(callId),
      this.deps.analyses.get(callId),
    ]);
    if (!call) return { skipped: 'call not found (deleted?)' };
    if (!stored) return { skipped: 'the call has no analysis (see the analytics stage)' };
    const items = stored.result.review;
    const events = this.deps.events;
    const pending = await this.deps.reviews.replaceForCall(
      callId,
      items,
      events
        ? async (trx, created) => {
            await events.publishAll(
              created.map((item) => ({
                type: 'review.item.created' as const,
                data: {
                  itemId: item.id,
                  callId,
                  queue: item.queue,
                  reason: item.reason,
                  priority: item.priority,
                },
              })),
              trx,
            );
          }
        : undefined,
    );
    return { items, pending };
  }
}

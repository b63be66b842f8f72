import type { ReviewItemView } from '../review/review.repository.ts';
import type { AnalysisRepository } from './analysis.repository.ts';
import type { OutcomeRepository, StageOutcomeView } from './outcome.repository.ts';
import { STAGES, type StageName } from './stages.ts';

/** A stage of the call that has not been queued yet. */
export interface StageNotQueued {
  stage: StageName;
  status: 'not queued';
  reason: null;
}

export interface CallAnalysisView {
  callId: string;
  /** Every stage this deployment runs, in order (`not queued` when not yet), then any other stage that ran. */
  stages: (StageOutcomeView | StageNotQueued)[];
  /** The analytics stage's full result, with the evidence of every finding. */
  analytics: Record<string, unknown> | null;
  /** The review items it led to. */
  reviewItems: ReviewItemView[];
}

/** What the pipeline made of a call: the outcome of every stage, the stored analysis and its review items. */
export class CallAnalysisService {
  private readonly stageOrder: readonly StageName[];

  constructor(
    private readonly deps: {
      /** Finds the call (CALL_NOT_FOUND when there is none). */
      calls: { get(id: string): Promise<{ id: string }> };
      outcomes: OutcomeRepository;
      analyses: AnalysisRepository;
      reviews: { forCall(callId: string): Promise<ReviewItemView[]> };
      /** The stages this deployment runs, in order (default: every stage). */
      stageOrder?: readonly StageName[] | undefined;
    },
  ) {
    this.stageOrder = deps.stageOrder ?? STAGES;
  }

  async ofCall(id: string): Promise<CallAnalysisView> {
    const call = await this.deps.calls.get(id);
    const outcomes = await this.deps.outcomes.forCall(call.id);
    const byStage = new Map(outcomes.map((o) => [o.stage, o]));
    const known = this.stageOrder.map(
      (stage) => byStage.get(stage) ?? { stage, status: 'not queued' as const, reason: null },
    );
    const others = outcomes.filter((o) => !this.stageOrder.includes(o.stage as StageName));
    const stored = await this.deps.analyses.get(call.id);
    const analytics = stored
      ? {
          revision: stored.revision,
          updatedAt: stored.updatedAt,
          disclosureProfile: stored.disclosureProfile,
          ...stored.result,
        }
      : null;
    const reviewItems = await this.deps.reviews.forCall(call.id);
    return { callId: call.id, stages: [...known, ...others], analytics, reviewItems };
  }
}

import { ANALYTICS_VERSION } from '../../analytics/index.ts';
import type { AnalysisService } from '../../analysis/analysis.service.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import type { StageHandler } from '../pipeline.ts';

/**
 * Stage `analytics`: the call's text analysis (services/analysis/analysis.service.ts): detectors, evidence, redacted
 * transcript and audio, review queues. Idempotent: a re-run replaces it all.
 */
export class AnalyticsStage implements StageHandler<'analytics'> {
  readonly stage = 'analytics' as const;
  readonly version = ANALYTICS_VERSION;

  constructor(private readonly analysis: AnalysisService) {}

  async run(payload: StagePayload): Promise<StageOutcome> {
    const analysed = await this.analysis.analyze(payload.callId);
    return 'skipped' in analysed
      ? { status: 'skipped', reason: analysed.skipped }
      : { status: 'done', model: analysed.model, result: analysed.summary };
  }
}

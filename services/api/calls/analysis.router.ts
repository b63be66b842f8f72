import { Router } from 'express';
import type { StageName } from '../../pipeline/jobs.ts';
import type { AnalysisRepository } from '../../analysis/analysis.repository.ts';
import type { OutcomeRepository } from '../../analysis/outcome.repository.ts';
import type { ReviewRepository } from '../../review/review.repository.ts';
import type { TranscriptRepository } from '../../transcripts/transcript.repository.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { CallQueryRepository } from './call-query.repository.ts';

export interface AnalysisRouterDeps {
  queries: CallQueryRepository;
  outcomes: OutcomeRepository;
  transcripts: TranscriptRepository;
  /** Text analytics results and review items (services/pipeline/{analysis,review}.repository.ts). */
  analyses?: AnalysisRepository;
  reviews?: ReviewRepository;
  /** The stages this deployment runs, in order: stages not queued yet are listed as `not queued`. */
  stageOrder: readonly StageName[];
}

/** What the pipeline made of a call: the outcome of every stage, and the transcript. */
export function analysisRouter(deps: AnalysisRouterDeps): Router {
  const router = Router();

  router.get('/calls/:id/analysis', async (req, res) => {
    const call = await deps.queries.get(req.params.id);
    const outcomes = await deps.outcomes.forCall(call.id);
    const byStage = new Map(outcomes.map((o) => [o.stage, o]));
    const known = deps.stageOrder.map(
      (stage) => byStage.get(stage) ?? { stage, status: 'not queued' as const, reason: null },
    );
    const others = outcomes.filter((o) => !deps.stageOrder.includes(o.stage as StageName));
    // The analytics stage's full result, with the evidence of every finding, and the review items it led to.
    const stored = deps.analyses ? await deps.analyses.get(call.id) : undefined;
    const analytics = stored
      ? {
          revision: stored.revision,
          updatedAt: stored.updatedAt,
          disclosureProfile: stored.disclosureProfile,
          ...stored.result,
        }
      : null;
    const reviewItems = deps.reviews ? await deps.reviews.forCall(call.id) : [];
    res.json({ callId: call.id, stages: [...known, ...others], analytics, reviewItems });
  });

  router.get('/calls/:id/transcript', async (req, res) => {
    const call = await deps.queries.get(req.params.id);
    const info = await deps.transcripts.info(call.id);
    if (!info) {
      throw new EscuchaError(
        'NOT_FOUND',
        `call ${call.id} has no transcript yet; GET /api/v1/calls/${call.id}/analysis shows why`,
      );
    }
    // ?redacted=true: the transcript with sensitive data replaced by typed placeholders ([CARD], [EMAIL], …)
    // A role that may not read sensitive data gets it too (res.locals.forceRedacted, set by the call guard).
    if (req.query.redacted === 'true' || res.locals.forceRedacted === true) {
      const redacted = deps.analyses ? await deps.analyses.redactedTranscript(call.id) : undefined;
      if (!redacted) {
        throw new EscuchaError(
          'NOT_FOUND',
          `call ${call.id} has no redacted transcript yet (the analytics stage makes it)`,
        );
      }
      res.json({
        callId: call.id,
        redacted: true,
        language: info.language,
        piiCounts: redacted.piiCounts,
        segments: redacted.segments,
      });
      return;
    }
    const segments = await deps.transcripts.segments(call.id);
    res.json({
      callId: call.id,
      source: info.source,
      model: info.model,
      language: info.language,
      languageConfidence: info.languageConfidence,
      languageLowConfidence: info.languageLowConfidence,
      languageMethod: info.languageMethod,
      createdAt: info.createdAt,
      segments,
    });
  });

  return router;
}

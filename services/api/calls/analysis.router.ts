import { Router } from 'express';
import type { CallAnalysisService } from '../../analysis/call-analysis.service.ts';
import type { TranscriptService } from '../../transcripts/transcript.service.ts';

/** What the pipeline made of a call: the outcome of every stage, and the transcript. */
export function analysisRouter(deps: {
  analysis: CallAnalysisService;
  transcripts: TranscriptService;
}): Router {
  const router = Router();

  router.get('/calls/:id/analysis', async (req, res) => {
    res.json(await deps.analysis.ofCall(req.params.id));
  });

  // ?redacted=true, or a role that may not read sensitive data (res.locals.forceRedacted, set by the call guard).
  router.get('/calls/:id/transcript', async (req, res) => {
    const redacted = req.query.redacted === 'true' || res.locals.forceRedacted === true;
    res.json(await deps.transcripts.ofCall(req.params.id, { redacted }));
  });

  return router;
}

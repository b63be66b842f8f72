import { Router } from 'express';
import {
  reviewCompleteSchema as completeSchema,
  reviewListQuerySchema as listSchema,
} from '../contract/review.ts';
import type { AnalysisRepository } from '../../pipeline/analysis.repository.ts';
import type { NewEvaluation, ReviewRepository } from '../../pipeline/review.repository.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import { callAccess, scopeConditions } from '../auth/call-scope.ts';
import { callScopeOf, languageMatches, principalRef } from '../auth/principal.ts';
import {
  prefillAnswers,
  scoreAnswers,
  validateAnswers,
  type EvaluationForm,
  type PrefillFacts,
} from '../evaluation/evaluation-form.ts';
import type { EvaluationFormRepository } from '../evaluation/evaluation.repository.ts';
import { parseOrThrow } from '../validation.ts';

export interface ReviewRouterDeps {
  db: Db;
  reviews: ReviewRepository;
  /** Evaluation forms: when one applies to an item's call, completing validates and scores against it. */
  forms?: EvaluationFormRepository;
  /** Stored analyses, for the answers a form pre-fills. */
  analyses?: AnalysisRepository;
  auditor?: Auditor;
}

/** What pre-filling needs from a call's stored analysis. */
export async function prefillFacts(
  analyses: AnalysisRepository | undefined,
  callId: string,
): Promise<PrefillFacts | undefined> {
  const a = analyses ? await analyses.get(callId) : undefined;
  if (!a) return undefined;
  return {
    disclosureOutcome: a.disclosureOutcome,
    adherencePassed: a.adherencePassed,
    adherenceScore: a.adherenceScore,
    adherenceRules: (a.result.adherence?.rules ?? []).map((r) => ({ id: r.id, passed: r.passed })),
    promiseToPay: a.promiseToPay,
    violations: a.violations,
  };
}

/**
 * Review queues: queues with their counts, a queue's items (most urgent first), one item with its evaluation form
 * and the answers analytics suggest, claiming an item and completing it. Completing with a form validates the
 * answers against it, computes the weighted score and stores an evaluation with the form version. People see only
 * the queues of their languages and the items of calls inside their scope.
 */
export function reviewRouter(deps: ReviewRouterDeps): Router {
  const router = Router();

  router.get('/review-queues', async (req, res) => {
    const queues = await deps.reviews.queues(scopeConditions(req.principal));
    const languages = req.principal ? callScopeOf(req.principal)?.languages : undefined;
    res.json({
      items: languages ? queues.filter((q) => languageMatches(languages, q.language)) : queues,
    });
  });

  router.get('/review-queues/:id/items', async (req, res) => {
    const q = parseOrThrow(listSchema, req.query, 'INVALID_QUERY', 'invalid query');
    if (!(await deps.reviews.queueExists(req.params.id))) {
      throw new EscuchaError('NOT_FOUND', `no review queue ${req.params.id}`);
    }
    const items = await deps.reviews.items(
      req.params.id,
      { ...(q.status ? { status: q.status } : {}), limit: q.limit, offset: q.offset },
      scopeConditions(req.principal),
    );
    res.json({ items });
  });

  /** The item, if the caller may see its call (otherwise it does not exist for them). */
  const visible = async (principal: Parameters<typeof callAccess>[1], id: string) => {
    const item = await deps.reviews.get(id);
    if (!item) throw new EscuchaError('NOT_FOUND', `no review item ${id}`);
    const access = await callAccess(deps.db, principal, item.callId);
    if (!access.inScope) throw new EscuchaError('NOT_FOUND', `no review item ${id}`);
    return item;
  };

  const formFor = async (
    campaign: string | null,
    wanted?: { formId?: string | undefined; formVersion?: number | undefined },
  ): Promise<EvaluationForm | undefined> => {
    if (!deps.forms) return undefined;
    if (wanted?.formId) return (await deps.forms.get(wanted.formId, wanted.formVersion)).form;
    return deps.forms.forCampaign(campaign);
  };

  router.get('/review-items/:id', async (req, res) => {
    const item = await visible(req.principal, req.params.id);
    const form = item.evaluation
      ? await formFor(item.call.campaign, {
          formId: item.evaluation.formId,
          formVersion: item.evaluation.formVersion,
        })
      : await formFor(item.call.campaign);
    const facts = await prefillFacts(deps.analyses, item.callId);
    res.json({
      item,
      form: form ?? null,
      prefill: form ? prefillAnswers(form, facts) : {},
      analysis: facts ?? null,
      evaluations: deps.forms ? await deps.forms.evaluationsOfCall(item.callId) : [],
    });
  });

  router.post('/review-items/:id/claim', async (req, res) => {
    const item = await visible(req.principal, req.params.id);
    const claimed = await deps.reviews.claim(req.params.id, principalRef(req.principal!));
    await deps.auditor?.record(req, {
      action: 'review_claim',
      callId: item.callId,
      targetType: 'review_item',
      targetId: item.id,
      details: { queue: item.queue },
    });
    res.json(claimed);
  });

  router.post('/review-items/:id/complete', async (req, res) => {
    const body = parseOrThrow(completeSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid review');
    const item = await visible(req.principal, req.params.id);
    const by = principalRef(req.principal!);
    // The state first: answers to an item one may not complete are not worth checking.
    if (item.status === 'completed')
      throw new EscuchaError('CONFLICT', `review item ${item.id} is already completed`);
    if (req.principal?.role !== 'admin' && item.status === 'open') {
      throw new EscuchaError('CONFLICT', `claim review item ${item.id} before completing it`);
    }
    if (req.principal?.role !== 'admin' && item.claimedBy !== by) {
      throw new EscuchaError('CONFLICT', `review item ${item.id} is claimed by ${item.claimedBy}`);
    }
    const form = await formFor(item.call.campaign, body);
    const timed = Array.isArray(body.comments) ? body.comments : undefined;
    let evaluation: NewEvaluation | undefined;
    if (form) {
      const answers = validateAnswers(form, body.scorecard);
      evaluation = {
        formId: form.id,
        formVersion: form.version,
        answers,
        score: scoreAnswers(form, answers).score,
        comments: (timed ?? []).slice().sort((a, b) => a.atMs - b.atMs),
      };
    } else if (timed) {
      throw new EscuchaError(
        'INVALID_EVALUATION',
        'comments at times in the call need an evaluation form; none applies to this call',
      );
    }
    const done = await deps.reviews.complete(
      req.params.id,
      by,
      {
        scorecard: evaluation?.answers ?? body.scorecard,
        comments: typeof body.comments === 'string' ? body.comments : null,
        ...(evaluation ? { evaluation } : {}),
      },
      req.principal?.role === 'admin',
    );
    await deps.auditor?.record(req, {
      action: 'evaluation_complete',
      callId: item.callId,
      targetType: 'review_item',
      targetId: item.id,
      details: evaluation
        ? { formId: evaluation.formId, formVersion: evaluation.formVersion, score: evaluation.score }
        : { form: null },
    });
    res.json(done);
  });

  return router;
}

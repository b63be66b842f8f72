import type { ReviewStatus } from '../../models/database.ts';
import type { AnalysisRepository } from '../analysis/analysis.repository.ts';
import type { Caller, CallerAudit } from '../access/caller.ts';
import { scopeConditions, type CallAccessFacts } from '../access/call-scope.ts';
import { callScopeOf, languageMatches, principalRef, type Principal } from '../access/principal.ts';
import { EscuchaError } from '../platform/errors.ts';
import {
  prefillAnswers,
  scoreAnswers,
  validateAnswers,
  type EvaluationForm,
  type PrefillFacts,
  type TimedComment,
} from './evaluation-form.ts';
import type { EvaluationFormRepository } from './evaluation.repository.ts';
import type {
  NewEvaluation,
  ReviewItemView,
  ReviewQueueView,
  ReviewRepository,
} from './review.repository.ts';

export interface ReviewServiceDeps {
  reviews: ReviewRepository;
  /** Evaluation forms: when one applies to an item's call, completing validates and scores against it. */
  forms: EvaluationFormRepository;
  /** Stored analyses, for the answers a form pre-fills. */
  analyses: AnalysisRepository;
  /** Whether a principal may see a call (auth/call-scope.ts). */
  callAccess: (principal: Principal | undefined, callId: string) => Promise<CallAccessFacts>;
  auditor: CallerAudit;
}

/** A reviewer's completion of an item: answers, and a general comment or comments at times in the call. */
export interface ReviewCompletion {
  scorecard: Record<string, string | number | boolean | null>;
  comments?: string | TimedComment[] | undefined;
  /** The form (and version) the reviewer saw; default: the form that applies to the call now. */
  formId?: string | undefined;
  formVersion?: number | undefined;
}

/**
 * Review queues as supervisors work them: they see the queues of their languages and the items of calls inside their
 * scope, claim an item and complete it (against the evaluation form that applies, scored and stored with the form version). Claims
 * and completions are audited.
 */
export class ReviewService {
  constructor(private readonly deps: ReviewServiceDeps) {}

  /** Queues with their counts over the caller's calls; only the queues of the caller's languages. */
  async queues(caller: Caller): Promise<{ items: ReviewQueueView[] }> {
    const queues = await this.deps.reviews.queues(scopeConditions(caller.principal));
    const languages = caller.principal ? callScopeOf(caller.principal)?.languages : undefined;
    return { items: languages ? queues.filter((q) => languageMatches(languages, q.language)) : queues };
  }

  /** A queue's items inside the caller's scope, most urgent and oldest first. */
  async items(
    caller: Caller,
    queueId: string,
    options: { status?: ReviewStatus[] | undefined; limit: number; offset: number },
  ): Promise<{ items: ReviewItemView[] }> {
    if (!(await this.deps.reviews.queueExists(queueId))) {
      throw new EscuchaError('NOT_FOUND', `no review queue ${queueId}`);
    }
    const items = await this.deps.reviews.items(
      queueId,
      { ...(options.status ? { status: options.status } : {}), limit: options.limit, offset: options.offset },
      scopeConditions(caller.principal),
    );
    return { items };
  }

  /** One item with the form that applies, the answers analytics suggest and the call's evaluations. */
  async item(caller: Caller, id: string) {
    const item = await this.visible(caller, id);
    const form = item.evaluation
      ? await this.formFor(item.call.campaign, {
          formId: item.evaluation.formId,
          formVersion: item.evaluation.formVersion,
        })
      : await this.formFor(item.call.campaign);
    const facts = await this.prefillFacts(item.callId);
    return {
      item,
      form: form ?? null,
      prefill: form ? prefillAnswers(form, facts) : {},
      analysis: facts ?? null,
      evaluations: await this.deps.forms.evaluationsOfCall(item.callId),
    };
  }

  /** Claims an open item (or re-claims one's own). */
  async claim(caller: Caller, id: string): Promise<ReviewItemView> {
    const item = await this.visible(caller, id);
    const claimed = await this.deps.reviews.claim(id, principalRef(caller.principal));
    await this.deps.auditor.recordFor(caller, {
      action: 'review_claim',
      callId: item.callId,
      targetType: 'review_item',
      targetId: item.id,
      details: { queue: item.queue },
    });
    return claimed;
  }

  /**
   * Completes an item the caller claimed (admins: any item not completed). With a form, the answers are validated
   * against it and scored, and an evaluation is stored with the form version.
   */
  async complete(caller: Caller, id: string, input: ReviewCompletion): Promise<ReviewItemView> {
    const item = await this.visible(caller, id);
    const principal = caller.principal;
    const by = principalRef(principal);
    const admin = principal.role === 'admin';
    // The state first: answers to an item one may not complete are not worth checking.
    if (item.status === 'completed')
      throw new EscuchaError('CONFLICT', `review item ${item.id} is already completed`);
    if (!admin && item.status === 'open') {
      throw new EscuchaError('CONFLICT', `claim review item ${item.id} before completing it`);
    }
    if (!admin && item.claimedBy !== by) {
      throw new EscuchaError('CONFLICT', `review item ${item.id} is claimed by ${item.claimedBy}`);
    }
    const form = await this.formFor(item.call.campaign, input);
    const timed = Array.isArray(input.comments) ? input.comments : undefined;
    let evaluation: NewEvaluation | undefined;
    if (form) {
      const answers = validateAnswers(form, input.scorecard);
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
    const done = await this.deps.reviews.complete(
      id,
      by,
      {
        scorecard: evaluation?.answers ?? input.scorecard,
        comments: typeof input.comments === 'string' ? input.comments : null,
        ...(evaluation ? { evaluation } : {}),
      },
      admin,
    );
    await this.deps.auditor.recordFor(caller, {
      action: 'evaluation_complete',
      callId: item.callId,
      targetType: 'review_item',
      targetId: item.id,
      details: evaluation
        ? { formId: evaluation.formId, formVersion: evaluation.formVersion, score: evaluation.score }
        : { form: null },
    });
    return done;
  }

  /** The item, if the caller may see its call (otherwise it does not exist for them). */
  private async visible(caller: Caller, id: string): Promise<ReviewItemView> {
    const item = await this.deps.reviews.get(id);
    if (!item) throw new EscuchaError('NOT_FOUND', `no review item ${id}`);
    const access = await this.deps.callAccess(caller.principal, item.callId);
    if (!access.inScope) throw new EscuchaError('NOT_FOUND', `no review item ${id}`);
    return item;
  }

  private async formFor(
    campaign: string | null,
    wanted?: { formId?: string | undefined; formVersion?: number | undefined },
  ): Promise<EvaluationForm | undefined> {
    if (wanted?.formId) return (await this.deps.forms.get(wanted.formId, wanted.formVersion)).form;
    return this.deps.forms.forCampaign(campaign);
  }

  /** What pre-filling needs from a call's stored analysis. */
  private async prefillFacts(callId: string): Promise<PrefillFacts | undefined> {
    const a = await this.deps.analyses.get(callId);
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
}

import type { Caller, CallerAudit } from '../access/caller.ts';
import { principalRef } from '../access/principal.ts';
import { parseOrThrow } from '../platform/validation.ts';
import { EscuchaError } from '../platform/errors.ts';
import { formInputSchema, scoreAnswers, validateAnswers, type TimedComment } from './evaluation-form.ts';
import type { EvaluationFormRepository, EvaluationView, FormView } from './evaluation.repository.ts';

/** Another reviewer's evaluation of a call (calibration). */
export interface Calibration {
  scorecard: Record<string, string | number | null>;
  comments: TimedComment[];
  formId?: string | undefined;
  formVersion?: number | undefined;
}

/**
 * Evaluation forms: admins create, version and retire them; QA supervisors read them. Every change is audited
 * (`evaluation_form_create`, `evaluation_form_update`, `evaluation_form_retire`). Also the evaluations of one call,
 * and a further evaluation of it by another reviewer (calibration), audited like any other.
 */
export class EvaluationService {
  constructor(private readonly deps: { forms: EvaluationFormRepository; auditor: CallerAudit }) {}

  async list(options: { includeInactive: boolean }): Promise<{ items: FormView[] }> {
    return { items: await this.deps.forms.list(options) };
  }

  get(id: string, version?: number): Promise<FormView> {
    return this.deps.forms.get(id, version);
  }

  async versions(id: string): Promise<{ items: FormView[] }> {
    return { items: await this.deps.forms.versions(id) };
  }

  async create(caller: Caller, input: unknown): Promise<FormView> {
    const form = parseOrThrow(formInputSchema, input, 'BAD_REQUEST', 'invalid evaluation form');
    const view = await this.deps.forms.create(form, principalRef(caller.principal));
    return this.audited(caller, 'evaluation_form_create', view);
  }

  /** Stores the next version of a form (its id cannot change); a retired form becomes active again. */
  async update(caller: Caller, id: string, input: unknown): Promise<FormView> {
    const form = parseOrThrow(
      formInputSchema,
      { ...(input as object), id },
      'BAD_REQUEST',
      'invalid evaluation form',
    );
    const view = await this.deps.forms.update(id, form, principalRef(caller.principal));
    return this.audited(caller, 'evaluation_form_update', view);
  }

  async retire(caller: Caller, id: string): Promise<void> {
    await this.deps.forms.deactivate(id);
    await this.deps.auditor.recordFor(caller, {
      action: 'evaluation_form_retire',
      targetType: 'evaluation_form',
      targetId: id,
    });
  }

  /** Every evaluation of a call, with reviewer and score: two reviewers of one call side by side (calibration). */
  async ofCall(callId: string): Promise<{ items: EvaluationView[] }> {
    return { items: await this.deps.forms.evaluationsOfCall(callId) };
  }

  /** Another reviewer's evaluation of a call, outside the review queue (calibration). */
  async calibrate(caller: Caller, callId: string, input: Calibration): Promise<EvaluationView> {
    const forms = this.deps.forms;
    const reviewer = principalRef(caller.principal);
    // Whether this reviewer may add one at all, before checking the answers (checked again when storing).
    if ((await forms.evaluationsOfCall(callId)).some((e) => e.reviewer === reviewer)) {
      throw new EscuchaError('CONFLICT', `you already evaluated call ${callId}`);
    }
    const form = input.formId
      ? (await forms.get(input.formId, input.formVersion)).form
      : await forms.forCampaign(await forms.campaignOf(callId));
    if (!form) throw new EscuchaError('INVALID_EVALUATION', `no evaluation form applies to call ${callId}`);
    const answers = validateAnswers(form, input.scorecard);
    const score = scoreAnswers(form, answers).score;
    const evaluation = await forms.addCalibration(callId, reviewer, {
      formId: form.id,
      formVersion: form.version,
      answers,
      score,
      comments: input.comments.slice().sort((a, b) => a.atMs - b.atMs),
    });
    await this.deps.auditor.recordFor(caller, {
      action: 'evaluation_complete',
      callId,
      targetType: 'evaluation',
      targetId: evaluation.id,
      details: { formId: form.id, formVersion: form.version, score, calibration: true },
    });
    return evaluation;
  }

  /** The form once its change is in the audit trail. */
  private async audited(caller: Caller, action: string, view: FormView): Promise<FormView> {
    await this.deps.auditor.recordFor(caller, {
      action,
      targetType: 'evaluation_form',
      targetId: view.form.id,
      details: { version: view.form.version, campaign: view.form.campaign, name: view.form.name },
    });
    return view;
  }
}

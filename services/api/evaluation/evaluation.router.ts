import { Router } from 'express';
import { calibrationSchema } from '../contract/evaluation.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import { principalRef } from '../auth/principal.ts';
import { parseOrThrow } from '../validation.ts';
import { scoreAnswers, validateAnswers } from './evaluation-form.ts';
import type { EvaluationFormRepository } from './evaluation.repository.ts';

/**
 * Evaluation forms: admins create, version and retire them; QA supervisors read them. Every change is audited
 * (`evaluation_form_create`, `evaluation_form_update`, `evaluation_form_retire`). Also the evaluations of one call,
 * and a further evaluation of it by another reviewer (calibration). The /calls/:id guard has already checked the
 * caller's scope.
 */
export function evaluationFormsRouter(deps: { forms: EvaluationFormRepository; auditor: Auditor }): Router {
  const router = Router();

  router.get('/evaluation-forms', async (req, res) => {
    res.json({ items: await deps.forms.list({ includeInactive: req.query.all === 'true' }) });
  });

  router.get('/evaluation-forms/:id', async (req, res) => {
    res.json(await deps.forms.get(req.params.id));
  });

  router.get('/evaluation-forms/:id/versions', async (req, res) => {
    res.json({ items: await deps.forms.versions(req.params.id) });
  });

  router.get('/evaluation-forms/:id/versions/:version', async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version < 1) {
      throw new EscuchaError('INVALID_QUERY', 'version must be a whole number from 1');
    }
    res.json(await deps.forms.get(req.params.id, version));
  });

  router.post('/evaluation-forms', async (req, res) => {
    const view = await deps.forms.create(req.body ?? {}, principalRef(req.principal!));
    await deps.auditor.record(req, {
      action: 'evaluation_form_create',
      targetType: 'evaluation_form',
      targetId: view.form.id,
      details: { version: view.form.version, campaign: view.form.campaign, name: view.form.name },
    });
    res.status(201).json(view);
  });

  router.put('/evaluation-forms/:id', async (req, res) => {
    const view = await deps.forms.update(req.params.id, req.body ?? {}, principalRef(req.principal!));
    await deps.auditor.record(req, {
      action: 'evaluation_form_update',
      targetType: 'evaluation_form',
      targetId: view.form.id,
      details: { version: view.form.version, campaign: view.form.campaign, name: view.form.name },
    });
    res.json(view);
  });

  router.delete('/evaluation-forms/:id', async (req, res) => {
    await deps.forms.deactivate(req.params.id);
    await deps.auditor.record(req, {
      action: 'evaluation_form_retire',
      targetType: 'evaluation_form',
      targetId: req.params.id,
    });
    res.status(204).end();
  });

  /** Every evaluation of a call, with reviewer and score: two reviewers of one call side by side (calibration). */
  router.get('/calls/:id/evaluations', async (req, res) => {
    res.json({ items: await deps.forms.evaluationsOfCall(req.params.id) });
  });

  /** Another reviewer's evaluation of a call, outside the review queue (calibration); audited like any other. */
  router.post('/calls/:id/evaluations', async (req, res) => {
    const body = parseOrThrow(calibrationSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid evaluation');
    const reviewer = principalRef(req.principal!);
    // Whether this reviewer may add one at all, before checking the answers (checked again when storing).
    if ((await deps.forms.evaluationsOfCall(req.params.id)).some((e) => e.reviewer === reviewer)) {
      throw new EscuchaError('CONFLICT', `you already evaluated call ${req.params.id}`);
    }
    const form = body.formId
      ? (await deps.forms.get(body.formId, body.formVersion)).form
      : await deps.forms.forCampaign(await deps.forms.campaignOf(req.params.id));
    if (!form)
      throw new EscuchaError('INVALID_EVALUATION', `no evaluation form applies to call ${req.params.id}`);
    const answers = validateAnswers(form, body.scorecard);
    const score = scoreAnswers(form, answers).score;
    const evaluation = await deps.forms.addCalibration(req.params.id, reviewer, {
      formId: form.id,
      formVersion: form.version,
      answers,
      score,
      comments: body.comments.slice().sort((a, b) => a.atMs - b.atMs),
    });
    await deps.auditor.record(req, {
      action: 'evaluation_complete',
      callId: req.params.id,
      targetType: 'evaluation',
      targetId: evaluation.id,
      details: { formId: form.id, formVersion: form.version, score, calibration: true },
    });
    res.status(201).json(evaluation);
  });

  return router;
}

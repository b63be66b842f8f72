import { Router } from 'express';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import { principalRef } from '../auth/principal.ts';
import type { EvaluationFormRepository } from './evaluation.repository.ts';

/**
 * Evaluation forms: admins create, version and retire them; QA supervisors read them. Every change is audited
 * (`evaluation_form_create`, `evaluation_form_update`, `evaluation_form_retire`).
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

  return router;
}

import { Router } from 'express';
import { EscuchaError } from '../../platform/errors.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import { calibrationSchema } from '../contract/evaluation.ts';
import type { EvaluationService } from '../../review/evaluation.service.ts';

function version(raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) {
    throw new EscuchaError('INVALID_QUERY', 'version must be a whole number from 1');
  }
  return v;
}

/** Evaluation forms and the evaluations of a call (services/review/evaluation.service.ts). */
export function evaluationFormsRouter(deps: { evaluations: EvaluationService }): Router {
  const router = Router();
  const service = deps.evaluations;
  const caller = callerOf;

  router.get('/evaluation-forms', async (req, res) => {
    res.json(await service.list({ includeInactive: req.query.all === 'true' }));
  });

  router.get('/evaluation-forms/:id', async (req, res) => {
    res.json(await service.get(req.params.id));
  });

  router.get('/evaluation-forms/:id/versions', async (req, res) => {
    res.json(await service.versions(req.params.id));
  });

  router.get('/evaluation-forms/:id/versions/:version', async (req, res) => {
    res.json(await service.get(req.params.id, version(req.params.version)));
  });

  router.post('/evaluation-forms', async (req, res) => {
    res.status(201).json(await service.create(caller(req), req.body ?? {}));
  });

  router.put('/evaluation-forms/:id', async (req, res) => {
    res.json(await service.update(caller(req), req.params.id, req.body ?? {}));
  });

  router.delete('/evaluation-forms/:id', async (req, res) => {
    await service.retire(caller(req), req.params.id);
    res.status(204).end();
  });

  // The /calls/:id guard has already checked the caller's scope.
  router.get('/calls/:id/evaluations', async (req, res) => {
    res.json(await service.ofCall(req.params.id));
  });

  router.post('/calls/:id/evaluations', async (req, res) => {
    const body = parseOrThrow(calibrationSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid evaluation');
    res.status(201).json(await service.calibrate(caller(req), req.params.id, body));
  });

  return router;
}

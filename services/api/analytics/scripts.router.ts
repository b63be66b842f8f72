import { Router } from 'express';
import { reevaluateSchema } from '../contract/scripts.ts';
import type { ScriptService } from '../../analysis/script.service.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { principalRef } from '../../access/principal.ts';
import { parseOrThrow } from '../../platform/validation.ts';

function version(raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1)
    throw new EscuchaError('BAD_REQUEST', 'version must be a positive integer');
  return v;
}

/** Adherence scripts (services/analysis/script.service.ts). */
export function scriptsRouter(deps: { scripts: ScriptService }): Router {
  const router = Router();
  const scripts = deps.scripts;

  router.get('/scripts', async (req, res) => {
    res.json(await scripts.list({ includeInactive: req.query.includeInactive === 'true' }));
  });

  router.get('/scripts/:id', async (req, res) => {
    res.json(await scripts.get(req.params.id));
  });

  router.get('/scripts/:id/versions', async (req, res) => {
    res.json(await scripts.versions(req.params.id));
  });

  router.get('/scripts/:id/versions/:version', async (req, res) => {
    res.json(await scripts.version(req.params.id, version(req.params.version)));
  });

  router.post('/scripts', async (req, res) => {
    res.status(201).json(await scripts.create(req.body ?? {}, principalRef(req.principal!)));
  });

  router.put('/scripts/:id', async (req, res) => {
    res.json(await scripts.update(req.params.id, req.body, principalRef(req.principal!)));
  });

  router.delete('/scripts/:id', async (req, res) => {
    await scripts.retire(req.params.id);
    res.status(204).end();
  });

  router.post('/scripts/:id/reevaluate', async (req, res) => {
    const body = parseOrThrow(reevaluateSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid re-evaluation');
    res.status(202).json(await scripts.reevaluate(req.params.id, body));
  });

  return router;
}

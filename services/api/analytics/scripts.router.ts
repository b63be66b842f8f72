import { Router } from 'express';
import { reevaluateSchema } from '../contract/scripts.ts';
import { DEFAULT_SCRIPTS } from '../../analytics/index.ts';
import type { StageName, StagePayload } from '../../pipeline/jobs.ts';
import type { ScriptRepository, ScriptView } from '../../pipeline/script.repository.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { principalRef } from '../auth/principal.ts';
import { parseOrThrow } from '../validation.ts';

export interface ScriptsRouterDeps {
  scripts: ScriptRepository;
  /** Enqueues a pipeline stage (re-evaluation); absent in processes without a job queue. */
  enqueue?: (stage: StageName, payload: StagePayload) => Promise<unknown>;
}

const summary = (v: ScriptView) => ({
  id: v.script.id,
  version: v.script.version,
  name: v.script.name,
  language: v.script.language,
  campaigns: v.script.campaigns,
  rules: v.script.rules.length,
  active: v.active,
  builtIn: false,
  createdBy: v.createdBy,
  createdAt: v.createdAt,
});

const builtIn = DEFAULT_SCRIPTS.map((s) => ({
  id: s.id,
  version: s.version,
  name: s.name,
  language: s.language,
  campaigns: s.campaigns,
  rules: s.rules.length,
  active: true,
  builtIn: true,
  createdBy: null,
  createdAt: null,
}));

const isBuiltIn = (id: string) => DEFAULT_SCRIPTS.some((s) => s.id === id);

function version(raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1)
    throw new EscuchaError('BAD_REQUEST', 'version must be a positive integer');
  return v;
}

/**
 * Adherence scripts: list, read (any version), create, update (a new version each time), retire, and re-evaluate
 * calls with the current scripts. The built-in collection scripts are listed and readable, not editable: a
 * deployment overrides them with its own script for the campaign.
 */
export function scriptsRouter(deps: ScriptsRouterDeps): Router {
  const router = Router();

  router.get('/scripts', async (req, res) => {
    const includeInactive = req.query.includeInactive === 'true';
    const stored = (await deps.scripts.list({ includeInactive })).map(summary);
    res.json({ items: [...builtIn, ...stored] });
  });

  router.get('/scripts/:id', async (req, res) => {
    const fixed = DEFAULT_SCRIPTS.find((s) => s.id === req.params.id);
    if (fixed) {
      res.json({ script: fixed, active: true, builtIn: true });
      return;
    }
    const v = await deps.scripts.get(req.params.id);
    res.json({ ...v, builtIn: false });
  });

  router.get('/scripts/:id/versions', async (req, res) => {
    res.json({ items: (await deps.scripts.versions(req.params.id)).map(summary) });
  });

  router.get('/scripts/:id/versions/:version', async (req, res) => {
    res.json({ ...(await deps.scripts.get(req.params.id, version(req.params.version))), builtIn: false });
  });

  router.post('/scripts', async (req, res) => {
    const body = (req.body ?? {}) as { id?: unknown };
    if (typeof body.id === 'string' && isBuiltIn(body.id)) {
      throw new EscuchaError('CONFLICT', `${body.id} is a built-in script; create one with another id`);
    }
    const v = await deps.scripts.create(req.body, principalRef(req.principal!));
    res.status(201).json({ ...v, builtIn: false });
  });

  router.put('/scripts/:id', async (req, res) => {
    if (isBuiltIn(req.params.id)) throw new EscuchaError('CONFLICT', `${req.params.id} is a built-in script`);
    const v = await deps.scripts.update(req.params.id, req.body, principalRef(req.principal!));
    res.json({ ...v, builtIn: false });
  });

  router.delete('/scripts/:id', async (req, res) => {
    if (isBuiltIn(req.params.id)) throw new EscuchaError('CONFLICT', `${req.params.id} is a built-in script`);
    await deps.scripts.deactivate(req.params.id);
    res.status(204).end();
  });

  // Evaluates calls again with the scripts as they are now: re-runs analytics (and routing after it).
  router.post('/scripts/:id/reevaluate', async (req, res) => {
    const body = parseOrThrow(reevaluateSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid re-evaluation');
    const script =
      DEFAULT_SCRIPTS.find((s) => s.id === req.params.id) ?? (await deps.scripts.get(req.params.id)).script;
    if (!deps.enqueue)
      throw new EscuchaError('INTERNAL', 'this process has no job queue to re-evaluate calls with');
    const ids =
      body.callIds ??
      (await deps.scripts.callsFor(script, {
        limit: body.limit,
        ...(body.from ? { from: body.from } : {}),
        ...(body.to ? { to: body.to } : {}),
      }));
    for (const callId of ids) await deps.enqueue('analytics', { callId, rerun: true });
    res.status(202).json({ script: `${script.id}@${script.version}`, queued: ids.length });
  });

  return router;
}

import { Router } from 'express';
import {
  holdInputSchema as holdSchema,
  holdReleaseSchema,
  policyInputSchema as policySchema,
  policyPatchSchema,
  retentionRunSchema,
} from '../contract/retention.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { actorOf, clientOf, type Auditor } from '../audit/auditor.ts';
import { principalRef } from '../auth/principal.ts';
import { cleanQuery, type SavedSearchRepository } from '../users/saved-searches.ts';
import { parseOrThrow } from '../validation.ts';
import type { RetentionRepository } from './retention.repository.ts';
import type { RetentionService } from './retention.service.ts';

export interface RetentionRouterDeps {
  repository: RetentionRepository;
  service: RetentionService;
  searches: SavedSearchRepository;
  auditor: Auditor;
}

/** Retention policies, legal holds, runs and tombstones (compliance officers and admins). */
export function retentionRouter(deps: RetentionRouterDeps): Router {
  const router = Router();

  router.get('/retention/policies', async (_req, res) => {
    res.json({ items: await deps.repository.policies() });
  });

  router.post('/retention/policies', async (req, res) => {
    const body = parseOrThrow(policySchema, req.body, 'BAD_REQUEST', 'invalid retention policy');
    const policy = await deps.repository.createPolicy(body, principalRef(req.principal!));
    await deps.auditor.record(req, {
      action: 'retention_policy_create',
      targetType: 'retention_policy',
      targetId: policy.id,
      details: { policy },
    });
    res.status(201).json(policy);
  });

  router.patch('/retention/policies/:id', async (req, res) => {
    const body = parseOrThrow(policyPatchSchema, req.body, 'BAD_REQUEST', 'invalid retention policy change');
    const before = await deps.repository.policy(req.params.id);
    const after = await deps.repository.updatePolicy(req.params.id, body);
    await deps.auditor.record(req, {
      action: 'retention_policy_update',
      targetType: 'retention_policy',
      targetId: after.id,
      details: { before, after },
    });
    res.json(after);
  });

  router.delete('/retention/policies/:id', async (req, res) => {
    const removed = await deps.repository.deletePolicy(req.params.id);
    await deps.auditor.record(req, {
      action: 'retention_policy_delete',
      targetType: 'retention_policy',
      targetId: removed.id,
      details: { policy: removed },
    });
    res.status(204).end();
  });

  router.post('/retention/run', async (req, res) => {
    const body = parseOrThrow(retentionRunSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid retention run');
    const report = await deps.service.run({
      actor: actorOf(req.principal),
      client: clientOf(req),
      dryRun: body.dryRun,
    });
    res.json(report);
  });

  router.get('/retention/tombstones', async (_req, res) => {
    res.json({ items: await deps.repository.tombstones() });
  });

  router.get('/legal-holds', async (req, res) => {
    res.json({ items: await deps.repository.holds(req.query.all === 'true') });
  });

  router.post('/legal-holds', async (req, res) => {
    const body = parseOrThrow(holdSchema, req.body, 'BAD_REQUEST', 'invalid legal hold');
    let query: Record<string, string> | undefined;
    if (body.savedSearchId) {
      const saved = await deps.searches.get(body.savedSearchId);
      if (!saved || saved.owner !== principalRef(req.principal!)) {
        throw new EscuchaError('NOT_FOUND', `no saved search ${body.savedSearchId} of yours`);
      }
      query = saved.query;
    } else if (body.query) {
      query = cleanQuery(body.query);
    }
    if (body.callId) {
      const exists = await deps.repository.db
        .selectFrom('calls')
        .select('id')
        .where('id', '=', body.callId)
        .executeTakeFirst();
      if (!exists) throw new EscuchaError('CALL_NOT_FOUND', `no call ${body.callId}`);
    }
    const hold = await deps.repository.createHold(
      {
        ...(body.callId ? { callId: body.callId } : {}),
        ...(body.savedSearchId ? { savedSearchId: body.savedSearchId } : {}),
        ...(query ? { query } : {}),
        reason: body.reason,
      },
      principalRef(req.principal!),
    );
    await deps.auditor.record(req, {
      action: 'legal_hold_create',
      callId: hold.callId,
      targetType: 'legal_hold',
      targetId: hold.id,
      details: { reason: hold.reason, query: hold.query, savedSearchId: hold.savedSearchId },
    });
    res.status(201).json(hold);
  });

  router.post('/legal-holds/:id/release', async (req, res) => {
    const body = parseOrThrow(holdReleaseSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid release');
    const hold = await deps.repository.releaseHold(req.params.id, principalRef(req.principal!), body.reason);
    await deps.auditor.record(req, {
      action: 'legal_hold_release',
      callId: hold.callId,
      targetType: 'legal_hold',
      targetId: hold.id,
      details: { reason: body.reason },
    });
    res.json(hold);
  });

  return router;
}

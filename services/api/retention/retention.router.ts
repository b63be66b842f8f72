import { Router } from 'express';
import { z } from 'zod';
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

const field = z.string().trim().min(1).max(100).nullable();
const policySchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  campaign: field.default(null),
  disposition: field.default(null),
  maxAgeDays: z.number().int().min(0).max(100_000).nullable().default(null),
  action: z.enum(['delete', 'keep']),
  enabled: z.boolean().optional(),
});
const policyPatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  campaign: field.optional(),
  disposition: field.optional(),
  maxAgeDays: z.number().int().min(0).max(100_000).nullable().optional(),
  action: z.enum(['delete', 'keep']).optional(),
  enabled: z.boolean().optional(),
});
const holdSchema = z
  .strictObject({
    callId: z.string().uuid().optional(),
    savedSearchId: z.string().uuid().optional(),
    query: z.record(z.string().max(100), z.string().max(1000)).optional(),
    reason: z.string().trim().min(3).max(2000),
  })
  .refine((h) => [h.callId, h.savedSearchId, h.query].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of callId, savedSearchId, query',
  });

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
    const body = parseOrThrow(
      z.strictObject({ dryRun: z.boolean().default(true) }),
      req.body ?? {},
      'BAD_REQUEST',
      'invalid retention run',
    );
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
    const body = parseOrThrow(
      z.strictObject({ reason: z.string().trim().min(3).max(2000) }),
      req.body ?? {},
      'BAD_REQUEST',
      'invalid release',
    );
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

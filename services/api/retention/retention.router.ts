import { Router } from 'express';
import {
  holdInputSchema as holdSchema,
  holdReleaseSchema as releaseSchema,
  policyInputSchema as policySchema,
  policyPatchSchema,
  retentionRunSchema as runSchema,
} from '../contract/retention.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { RetentionService } from './retention.service.ts';

/** Retention policies, legal holds, runs and tombstones (compliance officers and admins; RetentionService decides). */
export function retentionRouter(retention: RetentionService): Router {
  const router = Router();
  router.get('/retention/policies', async (_req, res) => {
    res.json({ items: await retention.policies() });
  });
  router.post('/retention/policies', async (req, res) => {
    const body = parseOrThrow(policySchema, req.body, 'BAD_REQUEST', 'invalid retention policy');
    res.status(201).json(await retention.createPolicy(callerOf(req), body));
  });
  router.patch('/retention/policies/:id', async (req, res) => {
    const body = parseOrThrow(policyPatchSchema, req.body, 'BAD_REQUEST', 'invalid retention policy change');
    res.json(await retention.updatePolicy(callerOf(req), req.params.id, body));
  });
  router.delete('/retention/policies/:id', async (req, res) => {
    await retention.deletePolicy(callerOf(req), req.params.id);
    res.status(204).end();
  });
  router.post('/retention/run', async (req, res) => {
    const body = parseOrThrow(runSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid retention run');
    res.json(await retention.runFor(callerOf(req), body.dryRun));
  });
  router.get('/retention/tombstones', async (_req, res) => {
    res.json({ items: await retention.tombstones() });
  });
  router.get('/legal-holds', async (req, res) => {
    res.json({ items: await retention.holds(req.query.all === 'true') });
  });
  router.post('/legal-holds', async (req, res) => {
    const body = parseOrThrow(holdSchema, req.body, 'BAD_REQUEST', 'invalid legal hold');
    res.status(201).json(await retention.createHold(callerOf(req), body));
  });
  router.post('/legal-holds/:id/release', async (req, res) => {
    const body = parseOrThrow(releaseSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid release');
    res.json(await retention.releaseHold(callerOf(req), req.params.id, body.reason));
  });
  return router;
}

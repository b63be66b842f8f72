import { Router } from 'express';
import { callerOf } from '../api/caller.ts';
import { uuidParams } from '../api/contract/common.ts';
import {
  deliveriesQuerySchema,
  webhookInputSchema,
  webhookPatchSchema,
  webhookSecretInputSchema,
} from '../api/contract/webhooks.ts';
import { parseOrThrow } from '../platform/validation.ts';
import type { WebhookService } from './webhook.service.ts';

/** Webhook subscriptions, the delivery log and the dead letters (admins; WebhookService decides). */
export function webhooksRouter(webhooks: WebhookService): Router {
  const router = Router();
  const idOf = (params: unknown) => parseOrThrow(uuidParams, params, 'NOT_FOUND', 'no such webhook').id;
  router.get('/webhooks', async (_req, res) => {
    res.json(await webhooks.list());
  });
  router.post('/webhooks', async (req, res) => {
    const body = parseOrThrow(webhookInputSchema, req.body, 'BAD_REQUEST', 'invalid webhook subscription');
    res.status(201).json(await webhooks.create(callerOf(req), body));
  });
  router.get('/webhooks/deliveries', async (req, res) => {
    const query = parseOrThrow(deliveriesQuerySchema, req.query, 'BAD_REQUEST', 'invalid delivery filter');
    res.json(await webhooks.deliveries(query));
  });
  router.post('/webhooks/deliveries/:id/redeliver', async (req, res) => {
    res.json(await webhooks.redeliver(callerOf(req), idOf(req.params)));
  });
  router.patch('/webhooks/:id', async (req, res) => {
    const body = parseOrThrow(webhookPatchSchema, req.body, 'BAD_REQUEST', 'invalid webhook change');
    res.json(await webhooks.update(callerOf(req), idOf(req.params), body));
  });
  router.delete('/webhooks/:id', async (req, res) => {
    await webhooks.delete(callerOf(req), idOf(req.params));
    res.status(204).end();
  });
  router.post('/webhooks/:id/secret', async (req, res) => {
    const body = parseOrThrow(webhookSecretInputSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid secret');
    res.json(await webhooks.setSecret(callerOf(req), idOf(req.params), body.secret));
  });
  return router;
}

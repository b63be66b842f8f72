/**
 * The API contract: request and response schemas of every route of /api/v1, one module per domain. Routers validate
 * with these schemas, the OpenAPI document (openapi.ts, served at GET /api/v1/openapi.json) is generated from them,
 * and the web client takes its types from them (type-only imports: no server code reaches the browser bundle).
 */
import { auditRoutes } from './audit.ts';
import { authRoutes } from './auth.ts';
import { callRoutes } from './calls.ts';
import { collectionsRoutes } from './collections.ts';
import type { RouteContract } from './common.ts';
import { evaluationRoutes } from './evaluation.ts';
import { liveAlertRoutes } from './live-alerts.ts';
import { liveRoutes } from './live.ts';
import { reportRoutes } from './reports.ts';
import { retentionRoutes } from './retention.ts';
import { reviewRoutes } from './review.ts';
import { scriptRoutes } from './scripts.ts';
import { trainingRoutes } from './training.ts';
import { userRoutes } from './users.ts';
import { webhookRoutes } from './webhooks.ts';

export * from './audit.ts';
export * from './auth.ts';
export * from './calls.ts';
export * from './collections.ts';
export * from './common.ts';
export * from './evaluation.ts';
export * from './live-alerts.ts';
export * from './live.ts';
export * from './reports.ts';
export * from './retention.ts';
export * from './review.ts';
export * from './scripts.ts';
export * from './training.ts';
export * from './users.ts';
export * from './webhooks.ts';

/** Every route of /api/v1 except the OpenAPI document itself. */
export const ROUTES: readonly RouteContract[] = [
  ...authRoutes,
  ...callRoutes,
  ...scriptRoutes,
  ...reviewRoutes,
  ...evaluationRoutes,
  ...reportRoutes,
  ...userRoutes,
  ...auditRoutes,
  ...retentionRoutes,
  ...trainingRoutes,
  ...collectionsRoutes,
  ...webhookRoutes,
  ...liveRoutes,
  ...liveAlertRoutes,
];

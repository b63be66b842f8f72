import type { Request } from 'express';
import type { AuditClient, AuditEvent } from './audit/audit.repository.ts';
import { clientOf } from './audit/auditor.ts';
import type { Principal } from './auth/principal.ts';

/**
 * Who asks a service for something, as the service needs to know it: the authenticated principal (for scope,
 * ownership and the audit actor) and the client it came from (for the audit trail). Routers make one per request.
 */
export interface Caller {
  principal: Principal;
  client: AuditClient;
}

/** The caller of an authenticated request (every route after `authenticate` has a principal). */
export function callerOf(req: Request): Caller {
  return { principal: req.principal!, client: clientOf(req) };
}

/** Records in the audit trail what a service did for a caller (the Auditor, api/audit/auditor.ts). */
export interface CallerAudit {
  recordFor(caller: Caller, event: AuditEvent): Promise<unknown>;
}

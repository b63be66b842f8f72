import type { Request } from 'express';
import { EscuchaError } from '../platform/errors.ts';
import type { Auditor } from './audit/auditor.ts';
import type { AuditEvent } from './audit/audit.repository.ts';
import type { Principal } from './auth/principal.ts';

/**
 * Who asks, as a service sees it: the principal the route's role gate let in, and the audit trail to record what
 * they did. Services decide what is recorded and when; the append is awaited before the answer leaves the server.
 */
export interface Caller {
  principal: Principal | undefined;
  audit(event: AuditEvent): Promise<unknown>;
}

/** The caller of a request, recorded in the audit trail through `auditor`. */
export function callerOf(req: Request, auditor: Pick<Auditor, 'record'>): Caller {
  return { principal: req.principal, audit: (event) => auditor.record(req, event) };
}

/** The principal of a caller the authentication middleware let in (routes behind it always have one). */
export function principalOf(caller: Caller): Principal {
  if (!caller.principal) throw new EscuchaError('INTERNAL', 'no principal on an authenticated route');
  return caller.principal;
}

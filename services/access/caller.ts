import type { Principal } from './principal.ts';

/** Where a request came from, as the audit trail records it (null for the command line and the system). */
export interface AuditClient {
  ip: string | null;
  userAgent: string | null;
}

/** What happened, as the audit trail records it. */
export interface AuditEvent {
  action: string;
  callId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Who asks a service for something, as the service needs to know it: the authenticated principal (for scope,
 * ownership and the audit actor) and the client it came from (for the audit trail). Routers make one per request
 * (api/caller.ts `callerOf`); the command line acts as a system caller.
 */
export interface Caller {
  principal: Principal;
  client: AuditClient;
}

/** Records in the audit trail what a service did for a caller (the Auditor, api/audit/auditor.ts). */
export interface CallerAudit {
  recordFor(caller: Caller, event: AuditEvent): Promise<unknown>;
}

/**
 * The system acting on its own (the command line): admin rights, unrestricted, recorded in the audit trail as a
 * `system` actor with no role.
 */
export function systemCaller(id: string, name: string): Caller {
  return {
    principal: {
      kind: 'system',
      id,
      keyId: null,
      name,
      role: 'admin',
      languages: [],
      teams: [],
      agentId: null,
    },
    client: { ip: null, userAgent: null },
  };
}

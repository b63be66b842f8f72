import type { Request } from 'express';
import type { Principal } from '../../access/principal.ts';
import type { Caller } from '../../access/caller.ts';
import type { AuditActor, AuditClient, AuditEntry, AuditEvent, AuditRepository } from './audit.repository.ts';

export function actorOf(p: Principal | undefined): AuditActor {
  if (!p) return { type: 'anonymous', id: null, name: null, role: null };
  if (p.kind === 'system') return { type: 'system', id: p.id, name: p.name, role: null };
  return { type: p.kind, id: p.id, name: p.username ?? p.name, role: p.role };
}

export function clientOf(req: Request): AuditClient {
  return { ip: req.ip ?? req.socket.remoteAddress ?? null, userAgent: req.get('user-agent') ?? null };
}

/**
 * Records what people and integrations do, from the request that did it. The append is awaited before the
 * action's data leaves the server: if the audit log cannot be written, the action fails.
 */
export class Auditor {
  /** Last time (ms) a deduplicated event was recorded, by actor+action+call. */
  private readonly recent = new Map<string, number>();

  constructor(
    readonly repository: AuditRepository,
    private readonly dedupeMs = 60_000,
  ) {}

  record(req: Request, event: AuditEvent, principal = req.principal): Promise<AuditEntry> {
    return this.repository.append(actorOf(principal), clientOf(req), event);
  }

  /** Records what a service did for a caller (the same event `record` writes from the request). */
  recordFor(caller: Caller, event: AuditEvent): Promise<AuditEntry> {
    return this.repository.append(actorOf(caller.principal), caller.client, event);
  }

  /** Records an event of a principal (or of nobody yet: a sign-in) from a client. */
  recordAs(principal: Principal | undefined, client: AuditClient, event: AuditEvent): Promise<AuditEntry> {
    return this.repository.append(actorOf(principal), client, event);
  }

  /**
   * Like record, but one event per actor, action and call within the dedupe window: a player fetches one
   * recording with several range requests, and that is one listen.
   */
  recordOnce(req: Request, event: AuditEvent): Promise<void> {
    return this.once(req.principal, clientOf(req), event);
  }

  /** recordOnce for what a service does for a caller. */
  recordOnceFor(caller: Caller, event: AuditEvent): Promise<void> {
    return this.once(caller.principal, caller.client, event);
  }

  private async once(p: Principal | undefined, client: AuditClient, event: AuditEvent): Promise<void> {
    const key = `${p?.kind}:${p?.id}|${event.action}|${event.callId ?? event.targetId ?? ''}`;
    const now = Date.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.dedupeMs) return;
    await this.repository.append(actorOf(p), client, event);
    this.recent.set(key, now);
    if (this.recent.size > 10_000) {
      for (const [k, t] of this.recent) if (now - t >= this.dedupeMs) this.recent.delete(k);
    }
  }
}

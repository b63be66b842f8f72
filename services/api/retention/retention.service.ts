import { callSearchSchema } from '../../../models/call.ts';
import type { ObjectStore } from '../../archive/object-store.ts';
import { errorMessage, EscuchaError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { AuditActor, AuditClient, AuditEvent, AuditRepository } from '../audit/audit.repository.ts';
import { actorOf } from '../audit/auditor.ts';
import { principalRef } from '../../access/principal.ts';
import type { Caller } from '../../access/caller.ts';
import { cleanQuery, searchInput, type SavedSearchRepository } from '../users/saved-search.repository.ts';
import type {
  LegalHold,
  PolicyInput,
  RetentionCall,
  RetentionPolicy,
  RetentionRepository,
  Tombstone,
} from './retention.repository.ts';

/**
 * Applies retention policies. The policy that governs a call is the most specific enabled one that matches its
 * campaign and disposition (both > one > none); on a tie `keep` wins, then the longest age. A call governed by a
 * `delete` policy and older than its age is expired; unless a legal hold covers it (the call itself, or a held
 * search that matches it), it is deleted: a tombstone row and an audit event are written in the transaction that
 * deletes the call (transcripts, analysis, clips go with it by cascade), then its stored objects are deleted.
 * Objects whose deletion failed are retried on the next run.
 */

export interface RetentionReport {
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  policies: number;
  expired: number;
  deleted: { callId: string; policy: string; objects: number }[];
  held: { callId: string; policy: string }[];
  failed: { callId: string; error: string }[];
  objectsRetried: number;
  objectErrors: { key: string; error: string }[];
}

const DAY_MS = 24 * 60 * 60_000;

function specificity(p: RetentionPolicy): number {
  return (p.campaign !== null ? 1 : 0) + (p.disposition !== null ? 1 : 0);
}

/** The policy that governs a call, or undefined (no policy matches: keep). */
export function governingPolicy(
  policies: RetentionPolicy[],
  call: { campaign: string | null; disposition: string | null },
): RetentionPolicy | undefined {
  const matching = policies.filter(
    (p) =>
      p.enabled &&
      (p.campaign === null || p.campaign === call.campaign) &&
      (p.disposition === null || p.disposition === call.disposition),
  );
  matching.sort(
    (a, b) =>
      specificity(b) - specificity(a) ||
      (a.action === b.action ? 0 : a.action === 'keep' ? -1 : 1) ||
      (b.maxAgeDays ?? Infinity) - (a.maxAgeDays ?? Infinity),
  );
  return matching[0];
}

export function isExpired(policy: RetentionPolicy | undefined, startedAt: Date, now: Date): boolean {
  return (
    policy?.action === 'delete' &&
    policy.maxAgeDays !== null &&
    startedAt.getTime() < now.getTime() - policy.maxAgeDays * DAY_MS
  );
}

export interface RetentionServiceDeps {
  repository: RetentionRepository;
  store: ObjectStore;
  audit: AuditRepository;
  /** The saved searches a legal hold may name (the caller's own). */
  searches: SavedSearchRepository;
  logger: Logger;
}

export interface HoldInput {
  callId?: string | undefined;
  savedSearchId?: string | undefined;
  query?: Record<string, string> | undefined;
  reason: string;
}

export class RetentionService {
  constructor(private readonly deps: RetentionServiceDeps) {}

  private record(caller: Caller, event: AuditEvent) {
    return this.deps.audit.append(actorOf(caller.principal), caller.client, event);
  }

  policies(): Promise<RetentionPolicy[]> {
    return this.deps.repository.policies();
  }

  async createPolicy(caller: Caller, input: PolicyInput): Promise<RetentionPolicy> {
    const policy = await this.deps.repository.createPolicy(input, principalRef(caller.principal));
    await this.record(caller, {
      action: 'retention_policy_create',
      targetType: 'retention_policy',
      targetId: policy.id,
      details: { policy },
    });
    return policy;
  }

  async updatePolicy(caller: Caller, id: string, change: Partial<PolicyInput>): Promise<RetentionPolicy> {
    const before = await this.deps.repository.policy(id);
    const after = await this.deps.repository.updatePolicy(id, change);
    await this.record(caller, {
      action: 'retention_policy_update',
      targetType: 'retention_policy',
      targetId: after.id,
      details: { before, after },
    });
    return after;
  }

  async deletePolicy(caller: Caller, id: string): Promise<void> {
    const removed = await this.deps.repository.deletePolicy(id);
    await this.record(caller, {
      action: 'retention_policy_delete',
      targetType: 'retention_policy',
      targetId: removed.id,
      details: { policy: removed },
    });
  }

  tombstones(): Promise<Tombstone[]> {
    return this.deps.repository.tombstones();
  }

  holds(includeReleased: boolean): Promise<LegalHold[]> {
    return this.deps.repository.holds(includeReleased);
  }

  /** A legal hold on one call, on one of the caller's saved searches, or on a search given here. */
  async createHold(caller: Caller, input: HoldInput): Promise<LegalHold> {
    let query: Record<string, string> | undefined;
    if (input.savedSearchId) {
      const saved = await this.deps.searches.get(input.savedSearchId);
      if (!saved || saved.owner !== principalRef(caller.principal)) {
        throw new EscuchaError('NOT_FOUND', `no saved search ${input.savedSearchId} of yours`);
      }
      query = saved.query;
    } else if (input.query) {
      query = cleanQuery(input.query);
    }
    if (input.callId && !(await this.deps.repository.callExists(input.callId))) {
      throw new EscuchaError('CALL_NOT_FOUND', `no call ${input.callId}`);
    }
    const hold = await this.deps.repository.createHold(
      {
        ...(input.callId ? { callId: input.callId } : {}),
        ...(input.savedSearchId ? { savedSearchId: input.savedSearchId } : {}),
        ...(query ? { query } : {}),
        reason: input.reason,
      },
      principalRef(caller.principal),
    );
    await this.record(caller, {
      action: 'legal_hold_create',
      callId: hold.callId,
      targetType: 'legal_hold',
      targetId: hold.id,
      details: { reason: hold.reason, query: hold.query, savedSearchId: hold.savedSearchId },
    });
    return hold;
  }

  async releaseHold(caller: Caller, id: string, reason: string): Promise<LegalHold> {
    const hold = await this.deps.repository.releaseHold(id, principalRef(caller.principal), reason);
    await this.record(caller, {
      action: 'legal_hold_release',
      callId: hold.callId,
      targetType: 'legal_hold',
      targetId: hold.id,
      details: { reason },
    });
    return hold;
  }

  /** A run asked for through the API, as the caller. */
  runFor(caller: Caller, dryRun: boolean): Promise<RetentionReport> {
    return this.run({ actor: actorOf(caller.principal), client: caller.client, dryRun });
  }

  async run(options: {
    actor: AuditActor;
    client?: AuditClient;
    dryRun?: boolean;
    now?: Date;
    /** Most calls deleted in one run. */
    limit?: number;
  }): Promise<RetentionReport> {
    const now = options.now ?? new Date();
    const client = options.client ?? { ip: null, userAgent: null };
    const limit = options.limit ?? 10_000;
    const report: RetentionReport = {
      dryRun: options.dryRun ?? false,
      startedAt: new Date().toISOString(),
      finishedAt: '',
      policies: 0,
      expired: 0,
      deleted: [],
      held: [],
      failed: [],
      objectsRetried: 0,
      objectErrors: [],
    };
    if (!report.dryRun) await this.retryObjectDeletes(report);
    const policies = await this.deps.repository.policies(true);
    report.policies = policies.length;
    const expired = new Map<string, { call: RetentionCall; policy: RetentionPolicy }>();
    for (const policy of policies.filter((p) => p.action === 'delete')) {
      for await (const call of this.olderThan(policy, now)) {
        if (expired.size >= limit) break;
        if (expired.has(call.id)) continue;
        const governing = governingPolicy(policies, call);
        if (governing?.id === policy.id && isExpired(governing, call.startedAt, now)) {
          expired.set(call.id, { call, policy });
        }
      }
    }
    report.expired = expired.size;
    const held = await this.heldAmong([...expired.keys()]);
    for (const { call, policy } of expired.values()) {
      if (held.has(call.id)) {
        report.held.push({ callId: call.id, policy: policy.name });
        continue;
      }
      if (report.dryRun) {
        report.deleted.push({ callId: call.id, policy: policy.name, objects: 0 });
        continue;
      }
      try {
        const objects = await this.deleteCall(call, policy, options.actor, client, report);
        report.deleted.push({ callId: call.id, policy: policy.name, objects });
      } catch (error) {
        report.failed.push({ callId: call.id, error: errorMessage(error) });
        this.deps.logger.warn({ err: error, callId: call.id }, 'retention could not delete a call');
      }
    }
    report.finishedAt = new Date().toISOString();
    await this.deps.audit.append(options.actor, client, {
      action: report.dryRun ? 'retention_dry_run' : 'retention_run',
      details: {
        policies: report.policies,
        expired: report.expired,
        deleted: report.deleted.length,
        held: report.held.length,
        failed: report.failed.length,
      },
    });
    return report;
  }

  private async *olderThan(policy: RetentionPolicy, now: Date): AsyncGenerator<RetentionCall> {
    const cutoff = new Date(now.getTime() - (policy.maxAgeDays ?? 0) * DAY_MS);
    let afterId: string | null = null;
    for (;;) {
      const calls = await this.deps.repository.callsStartedBefore(cutoff, policy, afterId, 1000);
      yield* calls;
      if (calls.length < 1000) return;
      afterId = calls[calls.length - 1]!.id;
    }
  }

  /** The ids, among these, that an active legal hold covers. */
  async heldAmong(ids: string[]): Promise<Set<string>> {
    const held = new Set<string>();
    if (ids.length === 0) return held;
    const holds = await this.deps.repository.holds(false);
    for (const h of holds) if (h.callId && ids.includes(h.callId)) held.add(h.callId);
    const searches = holds.filter((h) => h.query);
    for (const h of searches) {
      const parsed = callSearchSchema.safeParse(searchInput(h.query!));
      // A hold whose search no longer parses still holds: everything, rather than nothing.
      if (!parsed.success) {
        for (const id of ids) held.add(id);
        this.deps.logger.warn(
          { holdId: h.id },
          'legal hold search no longer parses; holding every expired call',
        );
        continue;
      }
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        for (const id of await this.deps.repository.matching(chunk, parsed.data)) held.add(id);
      }
    }
    return held;
  }

  private async deleteCall(
    call: RetentionCall,
    policy: RetentionPolicy,
    actor: AuditActor,
    client: AuditClient,
    report: RetentionReport,
  ): Promise<number> {
    const keys = await this.deps.repository.deleteCall(
      call,
      {
        policyId: policy.id,
        policyName: policy.name,
        reason: `retention policy "${policy.name}": ${policy.maxAgeDays} days`,
        deletedBy: actor.name ?? actor.type,
      },
      (objectKeys, trx) =>
        this.deps.audit.append(
          actor,
          client,
          {
            action: 'retention_delete',
            callId: call.id,
            targetType: 'call',
            targetId: call.id,
            details: {
              policy: policy.name,
              policyId: policy.id,
              startedAt: call.startedAt.toISOString(),
              campaign: call.campaign,
              disposition: call.disposition,
              objectKeys,
            },
          },
          trx,
        ),
    );
    await this.deleteObjects(call.id, keys, report);
    return keys.length;
  }

  private async deleteObjects(callId: string, keys: string[], report: RetentionReport): Promise<boolean> {
    let ok = true;
    for (const key of keys) {
      try {
        await this.deps.store.delete(key);
      } catch (error) {
        ok = false;
        report.objectErrors.push({ key, error: errorMessage(error) });
      }
    }
    if (ok) {
      await this.deps.repository.markObjectsDeleted(callId);
    }
    return ok;
  }

  private async retryObjectDeletes(report: RetentionReport): Promise<void> {
    const pending = await this.deps.repository.pendingObjectDeletes(1000);
    for (const t of pending) {
      report.objectsRetried += 1;
      await this.deleteObjects(t.callId, t.objectKeys, report);
    }
  }
}

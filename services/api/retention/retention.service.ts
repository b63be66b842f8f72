import { sql, type SqlBool } from 'kysely';
import { callSearchSchema } from '../../../models/call.ts';
import type { ObjectStore } from '../../archive/object-store.ts';
import type { Db } from '../../platform/database.ts';
import { errorMessage } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { AuditActor, AuditClient, AuditRepository } from '../audit/audit.repository.ts';
import { searchConditions } from '../calls/call-query.repository.ts';
import { searchInput } from '../users/saved-searches.ts';
import type { RetentionPolicy, RetentionRepository } from './retention.repository.ts';

/**
 * Applies retention policies. The policy that governs a call is the most specific enabled one that matches its
 * campaign and disposition (both > one > none); on a tie `keep` wins, then the longest age. A call governed by a
 * `delete` policy and older than its age is expired; unless a legal hold covers it (the call itself, or a held
 * search that matches it), it is deleted: a tombstone row and an audit event are written in the transaction that
 * deletes the call (transcripts, analysis, clips go with it by cascade), then its stored objects are deleted.
 * Objects whose deletion failed are retried on the next run.
 */

export interface RetentionCall {
  id: string;
  externalId: string | null;
  startedAt: Date;
  campaign: string | null;
  disposition: string | null;
}

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
  db: Db;
  store: ObjectStore;
  audit: AuditRepository;
  logger: Logger;
}

export class RetentionService {
  constructor(private readonly deps: RetentionServiceDeps) {}

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
      const rows = await this.deps.db
        .selectFrom('calls')
        .select(['id', 'external_id', 'started_at', 'campaign', 'disposition'])
        .where('started_at', '<', cutoff)
        .$if(policy.campaign !== null, (qb) => qb.where('campaign', '=', policy.campaign!))
        .$if(policy.disposition !== null, (qb) => qb.where('disposition', '=', policy.disposition!))
        .$if(afterId !== null, (qb) => qb.where('id', '>', afterId!))
        .orderBy('id')
        .limit(1000)
        .execute();
      for (const r of rows) {
        yield {
          id: r.id,
          externalId: r.external_id,
          startedAt: r.started_at,
          campaign: r.campaign,
          disposition: r.disposition,
        };
      }
      if (rows.length < 1000) return;
      afterId = rows[rows.length - 1]!.id;
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
        const rows = await this.deps.db
          .selectFrom('calls')
          .select('calls.id')
          .where('calls.id', 'in', chunk)
          .where((eb) => eb.and([sql<SqlBool>`true`, ...searchConditions(eb, parsed.data)]))
          .execute();
        for (const r of rows) held.add(r.id);
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
    const keys = await this.deps.db.transaction().execute(async (trx) => {
      const recordings = await trx
        .selectFrom('recordings')
        .select('object_key')
        .where('call_id', '=', call.id)
        .execute();
      const objectKeys = recordings.map((r) => r.object_key);
      await trx
        .insertInto('call_tombstones')
        .values({
          call_id: call.id,
          external_id: call.externalId,
          started_at: call.startedAt,
          campaign: call.campaign,
          disposition: call.disposition,
          policy_id: policy.id,
          policy_name: policy.name,
          reason: `retention policy "${policy.name}": ${policy.maxAgeDays} days`,
          object_keys: objectKeys,
          deleted_by: actor.name ?? actor.type,
        })
        .execute();
      // The calls_legal_hold trigger refuses this if a hold on the call appeared since the check.
      await trx.deleteFrom('calls').where('id', '=', call.id).execute();
      await this.deps.audit.append(
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
      );
      return objectKeys;
    });
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
      await this.deps.db
        .updateTable('call_tombstones')
        .set({ objects_deleted_at: new Date() })
        .where('call_id', '=', callId)
        .execute();
    }
    return ok;
  }

  private async retryObjectDeletes(report: RetentionReport): Promise<void> {
    const pending = await this.deps.db
      .selectFrom('call_tombstones')
      .select(['call_id', 'object_keys'])
      .where('objects_deleted_at', 'is', null)
      .limit(1000)
      .execute();
    for (const t of pending) {
      report.objectsRetried += 1;
      await this.deleteObjects(t.call_id, t.object_keys, report);
    }
  }
}

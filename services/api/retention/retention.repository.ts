import { sql, type SqlBool, type Transaction } from 'kysely';
import type { CallSearch } from '../../../models/call.ts';
import type { Database } from '../../../models/database.ts';
import { isUniqueViolation } from '../../archive/call.repository.ts';
import type { Db } from '../../platform/database.ts';
import { searchConditions } from '../calls/call-query.repository.ts';
import { EscuchaError } from '../../platform/errors.ts';

export interface RetentionPolicy {
  id: string;
  name: string;
  campaign: string | null;
  disposition: string | null;
  maxAgeDays: number | null;
  action: 'delete' | 'keep';
  enabled: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LegalHold {
  id: string;
  callId: string | null;
  savedSearchId: string | null;
  query: Record<string, string> | null;
  reason: string;
  createdBy: string;
  createdAt: string;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

export interface Tombstone {
  callId: string;
  externalId: string | null;
  startedAt: string;
  campaign: string | null;
  disposition: string | null;
  policyId: string | null;
  policyName: string | null;
  reason: string;
  objectKeys: string[];
  objectsDeletedAt: string | null;
  deletedAt: string;
  deletedBy: string;
}

/** What retention needs to know of a call to decide its fate. */
export interface RetentionCall {
  id: string;
  externalId: string | null;
  startedAt: Date;
  campaign: string | null;
  disposition: string | null;
}

export type PolicyInput = Pick<
  RetentionPolicy,
  'name' | 'campaign' | 'disposition' | 'maxAgeDays' | 'action'
> & {
  enabled?: boolean;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type PolicyRow = {
  id: string;
  name: string;
  campaign: string | null;
  disposition: string | null;
  max_age_days: number | null;
  action: 'delete' | 'keep';
  enabled: boolean;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
};

function toPolicy(r: PolicyRow): RetentionPolicy {
  return {
    id: r.id,
    name: r.name,
    campaign: r.campaign,
    disposition: r.disposition,
    maxAgeDays: r.max_age_days,
    action: r.action,
    enabled: r.enabled,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function policyConflict(error: unknown): never {
  if (isUniqueViolation(error))
    throw new EscuchaError('CONFLICT', 'a retention policy with this name exists');
  if ((error as { code?: string }).code === '23514') {
    throw new EscuchaError('BAD_REQUEST', 'a delete policy needs maxAgeDays (0 or more)');
  }
  throw error;
}

/** Retention policies, legal holds and the tombstones of calls deleted by retention. */
export class RetentionRepository {
  constructor(private readonly db: Db) {}

  async policies(onlyEnabled = false): Promise<RetentionPolicy[]> {
    const rows = await this.db
      .selectFrom('retention_policies')
      .selectAll()
      .$if(onlyEnabled, (qb) => qb.where('enabled', '=', true))
      .orderBy('name')
      .execute();
    return rows.map(toPolicy);
  }

  async policy(id: string): Promise<RetentionPolicy> {
    const r = UUID.test(id)
      ? await this.db.selectFrom('retention_policies').selectAll().where('id', '=', id).executeTakeFirst()
      : undefined;
    if (!r) throw new EscuchaError('NOT_FOUND', `no retention policy ${id}`);
    return toPolicy(r);
  }

  async createPolicy(p: PolicyInput, createdBy: string): Promise<RetentionPolicy> {
    try {
      const r = await this.db
        .insertInto('retention_policies')
        .values({
          name: p.name,
          campaign: p.campaign,
          disposition: p.disposition,
          max_age_days: p.maxAgeDays,
          action: p.action,
          enabled: p.enabled ?? true,
          created_by: createdBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPolicy(r);
    } catch (error) {
      policyConflict(error);
    }
  }

  async updatePolicy(id: string, p: Partial<PolicyInput>): Promise<RetentionPolicy> {
    await this.policy(id);
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (p.name !== undefined) set.name = p.name;
    if (p.campaign !== undefined) set.campaign = p.campaign;
    if (p.disposition !== undefined) set.disposition = p.disposition;
    if (p.maxAgeDays !== undefined) set.max_age_days = p.maxAgeDays;
    if (p.action !== undefined) set.action = p.action;
    if (p.enabled !== undefined) set.enabled = p.enabled;
    try {
      const r = await this.db
        .updateTable('retention_policies')
        .set(set)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toPolicy(r);
    } catch (error) {
      policyConflict(error);
    }
  }

  async deletePolicy(id: string): Promise<RetentionPolicy> {
    const p = await this.policy(id);
    await this.db.deleteFrom('retention_policies').where('id', '=', id).execute();
    return p;
  }

  async holds(includeReleased = false): Promise<LegalHold[]> {
    const rows = await this.db
      .selectFrom('legal_holds')
      .selectAll()
      .$if(!includeReleased, (qb) => qb.where('released_at', 'is', null))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      callId: r.call_id,
      savedSearchId: r.saved_search_id,
      query: r.query,
      reason: r.reason,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      releasedAt: r.released_at?.toISOString() ?? null,
      releasedBy: r.released_by,
      releaseReason: r.release_reason,
    }));
  }

  async createHold(
    h: { callId?: string; savedSearchId?: string; query?: Record<string, string>; reason: string },
    createdBy: string,
  ): Promise<LegalHold> {
    const r = await this.db
      .insertInto('legal_holds')
      .values({
        call_id: h.callId ?? null,
        saved_search_id: h.savedSearchId ?? null,
        query: h.query ? JSON.stringify(h.query) : null,
        reason: h.reason,
        created_by: createdBy,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.holds(true)).find((x) => x.id === r.id)!;
  }

  async releaseHold(id: string, releasedBy: string, reason: string): Promise<LegalHold> {
    if (!UUID.test(id)) throw new EscuchaError('NOT_FOUND', `no legal hold ${id}`);
    const res = await this.db
      .updateTable('legal_holds')
      .set({ released_at: new Date(), released_by: releasedBy, release_reason: reason })
      .where('id', '=', id)
      .where('released_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new EscuchaError('NOT_FOUND', `no active legal hold ${id}`);
    return (await this.holds(true)).find((x) => x.id === id)!;
  }

  async tombstones(limit = 200): Promise<Tombstone[]> {
    const rows = await this.db
      .selectFrom('call_tombstones')
      .selectAll()
      .orderBy('deleted_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      callId: r.call_id,
      externalId: r.external_id,
      startedAt: r.started_at.toISOString(),
      campaign: r.campaign,
      disposition: r.disposition,
      policyId: r.policy_id,
      policyName: r.policy_name,
      reason: r.reason,
      objectKeys: r.object_keys,
      objectsDeletedAt: r.objects_deleted_at?.toISOString() ?? null,
      deletedAt: r.deleted_at.toISOString(),
      deletedBy: r.deleted_by,
    }));
  }

  async callExists(callId: string): Promise<boolean> {
    const row = await this.db.selectFrom('calls').select('id').where('id', '=', callId).executeTakeFirst();
    return row !== undefined;
  }

  /** One page (by id, after `afterId`) of the calls started before `cutoff` with a policy's campaign and disposition. */
  async callsStartedBefore(
    cutoff: Date,
    match: { campaign: string | null; disposition: string | null },
    afterId: string | null,
    limit: number,
  ): Promise<RetentionCall[]> {
    const rows = await this.db
      .selectFrom('calls')
      .select(['id', 'external_id', 'started_at', 'campaign', 'disposition'])
      .where('started_at', '<', cutoff)
      .$if(match.campaign !== null, (qb) => qb.where('campaign', '=', match.campaign!))
      .$if(match.disposition !== null, (qb) => qb.where('disposition', '=', match.disposition!))
      .$if(afterId !== null, (qb) => qb.where('id', '>', afterId!))
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      externalId: r.external_id,
      startedAt: r.started_at,
      campaign: r.campaign,
      disposition: r.disposition,
    }));
  }

  /** The ids, among these, of the calls a search matches. */
  async matching(ids: string[], search: CallSearch): Promise<string[]> {
    const rows = await this.db
      .selectFrom('calls')
      .select('calls.id')
      .where('calls.id', 'in', ids)
      .where((eb) => eb.and([sql<SqlBool>`true`, ...searchConditions(eb, search)]))
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Deletes a call in one transaction with its tombstone (which lists its stored objects) and whatever `alongside`
   * writes in that transaction (the audit event); returns the object keys, for the caller to delete from the store.
   * The calls_legal_hold trigger refuses the deletion if a hold on the call appeared since it was checked.
   */
  deleteCall(
    call: RetentionCall,
    tombstone: { policyId: string; policyName: string; reason: string; deletedBy: string },
    alongside: (objectKeys: string[], trx: Transaction<Database>) => Promise<unknown>,
  ): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
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
          policy_id: tombstone.policyId,
          policy_name: tombstone.policyName,
          reason: tombstone.reason,
          object_keys: objectKeys,
          deleted_by: tombstone.deletedBy,
        })
        .execute();
      await trx.deleteFrom('calls').where('id', '=', call.id).execute();
      await alongside(objectKeys, trx);
      return objectKeys;
    });
  }

  async markObjectsDeleted(callId: string): Promise<void> {
    await this.db
      .updateTable('call_tombstones')
      .set({ objects_deleted_at: new Date() })
      .where('call_id', '=', callId)
      .execute();
  }

  /** Tombstones whose stored objects are not all deleted yet. */
  async pendingObjectDeletes(limit: number): Promise<{ callId: string; objectKeys: string[] }[]> {
    const rows = await this.db
      .selectFrom('call_tombstones')
      .select(['call_id', 'object_keys'])
      .where('objects_deleted_at', 'is', null)
      .limit(limit)
      .execute();
    return rows.map((r) => ({ callId: r.call_id, objectKeys: r.object_keys }));
  }
}

import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Transaction } from 'kysely';
import type { AuditActorType, AuditLogRow, Database } from '../../../models/database.ts';
import type { Db } from '../../platform/database.ts';
import { chainHash, GENESIS_HASH, normalizeDetails, type ChainedFields } from './audit-hash.ts';
import type { AuditAnchor } from './audit-anchor.ts';
import type { AuditClient, AuditEvent } from '../../access/caller.ts';

export type { AuditClient, AuditEvent };

/**
 * The audit trail: append-only (triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained. Appends take a
 * transaction-scoped advisory lock so that, across any number of API processes, ids and the chain advance in
 * the same order.
 */

/** Arbitrary constant naming the audit append lock ("ESCU" in ASCII). */
const APPEND_LOCK = 0x45534355;

export interface AuditActor {
  type: AuditActorType;
  id: string | null;
  name: string | null;
  role: string | null;
}

/** An entry of the audit log as the API answers it: the chained fields with the time as ISO text, and its hash. */
export type AuditEntry = Omit<ChainedFields, 'at'> & { at: string; hash: string };

export interface AuditFilter {
  from?: Date;
  to?: Date;
  actions?: string[];
  actor?: string;
  callId?: string;
  /** Keyset cursor: rows with id below this one. */
  beforeId?: string;
  limit: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  lastId: string | null;
  lastHash: string;
  firstBad?: { id: string; problem: 'hash' | 'link'; expected: string; found: string };
  /**
   * The check against the chain's head kept outside the database (audit-anchor.ts): `missing` when the anchored
   * entry is not in the chain with its anchored hash (the newest entries were removed or changed), `tampered` when
   * the anchor itself fails its signature, `none` when no anchor is kept (no serving process has written one).
   */
  anchor?: { state: 'ok' | 'missing' | 'tampered' | 'none'; anchoredId?: string; reason?: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fieldsOf(r: AuditLogRow): ChainedFields {
  return {
    id: r.id,
    at: r.at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    action: r.action,
    callId: r.call_id,
    targetType: r.target_type,
    targetId: r.target_id,
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    details: r.details,
  };
}

export function toAuditEntry(r: AuditLogRow): AuditEntry {
  const f = fieldsOf(r);
  return { ...f, at: f.at.toISOString(), hash: r.hash };
}

export class AuditRepository {
  constructor(
    private readonly db: Db,
    private readonly anchor?: AuditAnchor,
  ) {}

  /** The newest entry (the chain's head). */
  async head(): Promise<{ id: string; hash: string } | undefined> {
    return this.db
      .selectFrom('audit_log')
      .select(['id', 'hash'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async hashOf(id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('audit_log').select('hash').where('id', '=', id).executeTakeFirst();
    return row?.hash;
  }

  /** Keeps the chain's head anchored outside the database while this process serves. */
  startAnchoring(intervalMs?: number): void {
    this.anchor?.start(this, intervalMs);
  }

  async stopAnchoring(): Promise<void> {
    await this.anchor?.stop();
  }

  /** Appends one event; inside `trx` when given, so the event commits or rolls back with the action it records. */
  async append(
    actor: AuditActor,
    client: AuditClient,
    event: AuditEvent,
    trx?: Transaction<Database>,
  ): Promise<AuditEntry> {
    if (!trx) return this.db.transaction().execute((t) => this.append(actor, client, event, t));
    const callId = event.callId && UUID.test(event.callId) ? event.callId.toLowerCase() : null;
    await sql`select pg_advisory_xact_lock(${APPEND_LOCK}::bigint)`.execute(trx);
    // The head is read by a statement that starts once the lock is held (a statement sees the rows committed
    // before it starts), with the next id in the same round trip.
    const next = await sql<{ id: string; hash: string | null }>`
      select nextval('audit_log_id_seq')::text as id,
             (select hash from audit_log order by id desc limit 1) as hash`.execute(trx);
    const last = next.rows[0]!;
    const fields: ChainedFields = {
      id: last.id,
      at: new Date(),
      actorType: actor.type,
      actorId: actor.id,
      actorName: actor.name,
      actorRole: actor.role,
      action: event.action,
      callId,
      targetType: event.targetType ?? null,
      targetId: event.targetId ?? null,
      clientIp: client.ip,
      userAgent: client.userAgent?.slice(0, 500) ?? null,
      details: normalizeDetails(event.details),
    };
    const prevHash = last.hash ?? GENESIS_HASH;
    const hash = chainHash(prevHash, fields);
    await trx
      .insertInto('audit_log')
      .values({
        id: fields.id,
        at: fields.at,
        actor_type: fields.actorType,
        actor_id: fields.actorId,
        actor_name: fields.actorName,
        actor_role: fields.actorRole,
        action: fields.action,
        call_id: fields.callId,
        target_type: fields.targetType,
        target_id: fields.targetId,
        client_ip: fields.clientIp,
        user_agent: fields.userAgent,
        details: JSON.stringify(fields.details),
        prev_hash: prevHash,
        hash,
      })
      .execute();
    return { ...fields, at: fields.at.toISOString(), hash };
  }

  private conditions(eb: ExpressionBuilder<Database, 'audit_log'>, f: Omit<AuditFilter, 'limit'>) {
    const and: Expression<SqlBool>[] = [];
    if (f.from) and.push(eb('at', '>=', f.from));
    if (f.to) and.push(eb('at', '<', f.to));
    if (f.actions?.length) and.push(eb('action', 'in', f.actions));
    if (f.callId) and.push(eb('call_id', '=', f.callId));
    if (f.actor) {
      const like = `%${f.actor.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      and.push(
        eb.or([
          eb('actor_id', '=', f.actor),
          sql<SqlBool>`lower(actor_name) like ${like}`,
          sql<SqlBool>`lower(details->>'username') like ${like}`,
        ]),
      );
    }
    if (f.beforeId) and.push(eb('id', '<', f.beforeId));
    return eb.and(and);
  }

  /** Newest first, keyset-paginated by id. */
  async list(f: AuditFilter): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .where((eb) => this.conditions(eb, f))
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
    const page = rows.slice(0, f.limit);
    return {
      items: page.map(toAuditEntry),
      nextCursor: rows.length > f.limit ? page[page.length - 1]!.id : null,
    };
  }

  /** Every matching row, newest first, in batches (for CSV export without holding all rows). */
  async *stream(f: Omit<AuditFilter, 'limit' | 'beforeId'>, batch = 1000): AsyncGenerator<AuditEntry> {
    let beforeId: string | undefined;
    for (;;) {
      const page = await this.list({ ...f, limit: batch, ...(beforeId ? { beforeId } : {}) });
      for (const item of page.items) yield item;
      if (!page.nextCursor) return;
      beforeId = page.nextCursor;
    }
  }

  /**
   * Walks the whole chain in id order and reports the first row whose link or hash does not match; then checks that
   * the anchored head (when one is kept) is in the chain with its hash.
   */
  async verify(batch = 2000): Promise<VerifyResult> {
    const anchor = this.anchor ? await this.anchor.read() : ({ state: 'none' } as const);
    const chain = await this.walk(batch, anchor.state === 'valid' ? anchor.point.lastId : undefined);
    if (anchor.state === 'none') return { ...chain.result, anchor: { state: 'none' } };
    if (anchor.state === 'tampered') {
      return { ...chain.result, ok: false, anchor: { state: 'tampered', reason: anchor.reason } };
    }
    const intact = chain.anchoredHash === anchor.point.lastHash;
    return {
      ...chain.result,
      ok: chain.result.ok && intact,
      anchor: intact
        ? { state: 'ok', anchoredId: anchor.point.lastId }
        : {
            state: 'missing',
            anchoredId: anchor.point.lastId,
            reason:
              chain.anchoredHash === undefined
                ? `entry ${anchor.point.lastId}, anchored at ${anchor.point.anchoredAt}, is no longer in the log`
                : `entry ${anchor.point.lastId} no longer has the hash anchored at ${anchor.point.anchoredAt}`,
          },
    };
  }

  /**
   * Walks the chain in id order: the first row whose link or hash does not match, and the hash the chain holds for
   * `anchoredId` (undefined when it is not there).
   */
  private async walk(
    batch: number,
    anchoredId: string | undefined,
  ): Promise<{ result: VerifyResult; anchoredHash: string | undefined }> {
    let anchoredHash: string | undefined;
    let prevHash = GENESIS_HASH;
    let afterId: string | null = null;
    let checked = 0;
    for (;;) {
      const rows: AuditLogRow[] = await this.db
        .selectFrom('audit_log')
        .selectAll()
        .$if(afterId !== null, (qb) => qb.where('id', '>', afterId!))
        .orderBy('id', 'asc')
        .limit(batch)
        .execute();
      for (const r of rows) {
        if (r.prev_hash !== prevHash) {
          const firstBad = { id: r.id, problem: 'link' as const, expected: prevHash, found: r.prev_hash };
          return {
            result: { ok: false, checked, lastId: afterId, lastHash: prevHash, firstBad },
            anchoredHash,
          };
        }
        const expected = chainHash(prevHash, fieldsOf(r));
        if (expected !== r.hash) {
          const firstBad = { id: r.id, problem: 'hash' as const, expected, found: r.hash };
          return {
            result: { ok: false, checked, lastId: afterId, lastHash: prevHash, firstBad },
            anchoredHash,
          };
        }
        prevHash = r.hash;
        afterId = r.id;
        checked += 1;
        if (r.id === anchoredId) anchoredHash = r.hash;
      }
      if (rows.length < batch) {
        return { result: { ok: true, checked, lastId: afterId, lastHash: prevHash }, anchoredHash };
      }
    }
  }
}

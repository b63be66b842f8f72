import { createHash } from 'node:crypto';
import type { AuditActorType } from '../../../models/database.ts';

/**
 * The hash chain of the audit log: each row's hash is sha256(prev_hash || canonical row), the first row's
 * prev_hash is 64 zeros. The canonical row is a JSON array of the fields in a fixed order, with object keys sorted
 * at every level, so the same row always gives the same bytes whatever the database returns the jsonb as.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
  id: string;
  at: Date;
  actorType: AuditActorType;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  callId: string | null;
  targetType: string | null;
  targetId: string | null;
  clientIp: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function canonicalRow(r: ChainedFields): string {
  return JSON.stringify([
    r.id,
    r.at.toISOString(),
    r.actorType,
    r.actorId,
    r.actorName,
    r.actorRole,
    r.action,
    r.callId,
    r.targetType,
    r.targetId,
    r.clientIp,
    r.userAgent,
    sortKeys(r.details),
  ]);
}

export function chainHash(prevHash: string, row: ChainedFields): string {
  return createHash('sha256').update(prevHash).update(canonicalRow(row)).digest('hex');
}

/**
 * Details as they will read back from jsonb: JSON round trip (drops undefined, functions, Dates become strings),
 * and no NUL characters, which jsonb cannot hold.
 */
export function normalizeDetails(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  const text = JSON.stringify(details, (_k, v: unknown) =>
    typeof v === 'string' ? v.split('\u0000').join('') : typeof v === 'bigint' ? v.toString() : v,
  );
  return JSON.parse(text) as Record<string, unknown>;
}

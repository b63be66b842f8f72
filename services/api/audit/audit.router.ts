import { Router, type Request, type Response } from 'express';
import { auditFilterSchema as filterSchema } from '../contract/audit.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { AuditEntry, AuditFilter } from './audit.repository.ts';
import type { AuditService } from './audit.service.ts';

function filterOf(req: Request): AuditFilter {
  const q = parseOrThrow(filterSchema, req.query, 'INVALID_QUERY', 'invalid audit query');
  return {
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.action?.length ? { actions: q.action } : {}),
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.callId ? { callId: q.callId } : {}),
    ...(q.cursor ? { beforeId: q.cursor } : {}),
    limit: q.limit,
  };
}

export const CSV_COLUMNS = [
  'id',
  'at',
  'actor_type',
  'actor_id',
  'actor_name',
  'actor_role',
  'action',
  'call_id',
  'target_type',
  'target_id',
  'client_ip',
  'user_agent',
  'details',
  'hash',
] as const;

/** RFC 4180 field; cells that a spreadsheet would run as a formula get a leading apostrophe. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(e: AuditEntry): string {
  return [
    e.id,
    e.at,
    e.actorType,
    e.actorId,
    e.actorName,
    e.actorRole,
    e.action,
    e.callId,
    e.targetType,
    e.targetId,
    e.clientIp,
    e.userAgent,
    e.details,
    e.hash,
  ]
    .map(csvField)
    .join(',');
}

/** Sends the entries as a CSV download. */
async function sendCsv(res: Response, entries: AsyncIterable<AuditEntry>): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="escucha-audit-${stamp}.csv"`,
    'Cache-Control': 'no-store',
  });
  res.write(`${CSV_COLUMNS.join(',')}\r\n`);
  for await (const entry of entries) {
    if (!res.write(`${csvRow(entry)}\r\n`)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

/** The audit trail for compliance: list, CSV export (itself audited) and chain verification. */
export function auditRouter(audit: AuditService): Router {
  const router = Router();
  router.get('/audit', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await audit.list(callerOf(req), filterOf(req), req.query));
  });
  router.get('/audit.csv', async (req, res) => {
    const { limit: _limit, beforeId: _before, ...filter } = filterOf(req);
    await sendCsv(res, await audit.export(callerOf(req), filter, req.query));
  });
  router.get('/audit/verify', async (req, res) => {
    res.json(await audit.verify(callerOf(req)));
  });
  return router;
}

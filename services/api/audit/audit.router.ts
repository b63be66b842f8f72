import { Router, type Request } from 'express';
import { auditFilterSchema as filterSchema } from '../contract/audit.ts';
import { parseOrThrow } from '../validation.ts';
import type { AuditEntry, AuditFilter, AuditRepository } from './audit.repository.ts';
import type { Auditor } from './auditor.ts';

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

/** The audit trail for compliance: list, CSV export (itself audited) and chain verification. */
export function auditRouter(deps: { audit: AuditRepository; auditor: Auditor }): Router {
  const router = Router();

  router.get('/audit', async (req, res) => {
    const filter = filterOf(req);
    await deps.auditor.recordOnce(req, { action: 'audit_view', details: { filter: req.query } });
    res.set('Cache-Control', 'no-store');
    res.json(await deps.audit.list(filter));
  });

  router.get('/audit.csv', async (req, res) => {
    const { limit: _limit, beforeId: _before, ...filter } = filterOf(req);
    await deps.auditor.record(req, {
      action: 'export',
      targetType: 'audit_log',
      details: { filter: req.query },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="escucha-audit-${stamp}.csv"`,
      'Cache-Control': 'no-store',
    });
    res.write(`${CSV_COLUMNS.join(',')}\r\n`);
    for await (const entry of deps.audit.stream(filter)) {
      if (!res.write(`${csvRow(entry)}\r\n`)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });

  router.get('/audit/verify', async (req, res) => {
    const result = await deps.audit.verify();
    await deps.auditor.record(req, {
      action: 'audit_verify',
      details: {
        ok: result.ok,
        checked: result.checked,
        ...(result.firstBad ? { firstBad: result.firstBad.id } : {}),
      },
    });
    res.json(result);
  });

  return router;
}

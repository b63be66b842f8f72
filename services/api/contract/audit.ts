import { z } from 'zod';
import { CSV, route } from './common.ts';

/** The audit trail: list, CSV export (itself audited) and verification of its hash chain. */

const isoParam = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const auditFilterSchema = z.strictObject({
  from: isoParam.optional(),
  to: isoParam.optional(),
  /** Actions, comma-separated. */
  action: z
    .string()
    .max(500)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .optional(),
  actor: z.string().trim().min(1).max(200).optional(),
  callId: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** `nextCursor` of the previous page. */
  cursor: z.string().regex(/^\d+$/).optional(),
});

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.iso.datetime({ offset: true }),
  actorType: z.enum(['user', 'key', 'system', 'anonymous']),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  actorRole: z.string().nullable(),
  action: z.string(),
  callId: z.string().nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  lastId: z.string().nullable(),
  lastHash: z.string(),
  firstBad: z
    .object({ id: z.string(), problem: z.enum(['hash', 'link']), expected: z.string(), found: z.string() })
    .optional(),
  /** The check against the chain's head anchored outside the database. */
  anchor: z
    .object({
      state: z.enum(['ok', 'missing', 'tampered', 'none']),
      anchoredId: z.string().optional(),
      reason: z.string().optional(),
    })
    .optional(),
});

export type AuditVerify = z.infer<typeof auditVerifySchema>;

export const auditRoutes = [
  route({
    method: 'GET',
    path: '/audit',
    summary: 'Audit entries, newest first (keyset pages)',
    query: auditFilterSchema,
    responses: { 200: z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() }) },
  }),
  route({
    method: 'GET',
    path: '/audit.csv',
    summary: 'The audit entries that match, as CSV (the export is audited)',
    query: auditFilterSchema.omit({ limit: true, cursor: true }),
    responses: { 200: CSV },
  }),
  route({
    method: 'GET',
    path: '/audit/verify',
    summary: 'Verify the hash chain and its anchor',
    responses: { 200: auditVerifySchema },
  }),
];

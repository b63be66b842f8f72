import { z } from 'zod';
import { EMPTY, idParams, isoTime, items, route } from './common.ts';

/** Retention policies, legal holds, retention runs and the tombstones of deleted calls. */

const field = z.string().trim().min(1).max(100).nullable();
export const policyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  campaign: field.default(null),
  disposition: field.default(null),
  maxAgeDays: z.number().int().min(0).max(100_000).nullable().default(null),
  action: z.enum(['delete', 'keep']),
  enabled: z.boolean().optional(),
});
export const policyPatchSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  campaign: field.optional(),
  disposition: field.optional(),
  maxAgeDays: z.number().int().min(0).max(100_000).nullable().optional(),
  action: z.enum(['delete', 'keep']).optional(),
  enabled: z.boolean().optional(),
});
export const holdInputSchema = z
  .strictObject({
    callId: z.string().uuid().optional(),
    savedSearchId: z.string().uuid().optional(),
    query: z.record(z.string().max(100), z.string().max(1000)).optional(),
    reason: z.string().trim().min(3).max(2000),
  })
  .refine((h) => [h.callId, h.savedSearchId, h.query].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of callId, savedSearchId, query',
  });
export const holdReleaseSchema = z.strictObject({ reason: z.string().trim().min(3).max(2000) });
/** Without dryRun: false, a run only reports what it would delete. */
export const retentionRunSchema = z.strictObject({ dryRun: z.boolean().default(true) });

export const policySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  campaign: z.string().nullable(),
  disposition: z.string().nullable(),
  maxAgeDays: z.number().int().nullable(),
  action: z.enum(['delete', 'keep']),
  enabled: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type RetentionPolicy = z.infer<typeof policySchema>;

export const holdSchema = z.object({
  id: z.uuid(),
  callId: z.uuid().nullable(),
  savedSearchId: z.uuid().nullable(),
  query: z.record(z.string(), z.string()).nullable(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: isoTime,
  releasedAt: isoTime.nullable(),
  releasedBy: z.string().nullable(),
  releaseReason: z.string().nullable(),
});
export type LegalHold = z.infer<typeof holdSchema>;

export const tombstoneSchema = z.object({
  callId: z.uuid(),
  externalId: z.string().nullable(),
  startedAt: isoTime,
  campaign: z.string().nullable(),
  disposition: z.string().nullable(),
  policyId: z.uuid().nullable(),
  policyName: z.string().nullable(),
  reason: z.string(),
  objectKeys: z.array(z.string()),
  objectsDeletedAt: isoTime.nullable(),
  deletedAt: isoTime,
  deletedBy: z.string(),
});
export type Tombstone = z.infer<typeof tombstoneSchema>;

export const retentionReportSchema = z.object({
  dryRun: z.boolean(),
  startedAt: isoTime,
  finishedAt: isoTime,
  policies: z.number().int(),
  expired: z.number().int(),
  deleted: z.array(z.object({ callId: z.uuid(), policy: z.string(), objects: z.number().int() })),
  held: z.array(z.object({ callId: z.uuid(), policy: z.string() })),
  failed: z.array(z.object({ callId: z.uuid(), error: z.string() })),
  objectsRetried: z.number().int(),
  objectErrors: z.array(z.object({ key: z.string(), error: z.string() })),
});
export type RetentionReport = z.infer<typeof retentionReportSchema>;

export const retentionRoutes = [
  route({
    method: 'GET',
    path: '/retention/policies',
    summary: 'Retention policies',
    responses: { 200: items(policySchema) },
  }),
  route({
    method: 'POST',
    path: '/retention/policies',
    summary: 'Add a retention policy',
    body: policyInputSchema,
    responses: { 201: policySchema },
  }),
  route({
    method: 'PATCH',
    path: '/retention/policies/:id',
    summary: 'Change a retention policy',
    params: idParams,
    body: policyPatchSchema,
    responses: { 200: policySchema },
  }),
  route({
    method: 'DELETE',
    path: '/retention/policies/:id',
    summary: 'Remove a retention policy',
    params: idParams,
    responses: { 204: EMPTY },
  }),
  route({
    method: 'POST',
    path: '/retention/run',
    summary: 'Apply the policies now (dryRun: report what would be deleted)',
    body: retentionRunSchema,
    responses: { 200: retentionReportSchema },
  }),
  route({
    method: 'GET',
    path: '/retention/tombstones',
    summary: 'What retention deleted, and why',
    responses: { 200: items(tombstoneSchema) },
  }),
  route({
    method: 'GET',
    path: '/legal-holds',
    summary: 'Legal holds in force (?all=true: released ones too)',
    query: z.object({ all: z.enum(['true', 'false']).optional() }),
    responses: { 200: items(holdSchema) },
  }),
  route({
    method: 'POST',
    path: '/legal-holds',
    summary: 'Hold a call, a saved search or a query from deletion',
    body: holdInputSchema,
    responses: { 201: holdSchema },
  }),
  route({
    method: 'POST',
    path: '/legal-holds/:id/release',
    summary: 'Release a legal hold',
    params: idParams,
    body: holdReleaseSchema,
    responses: { 200: holdSchema },
  }),
];

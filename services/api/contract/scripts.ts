import { z } from 'zod';
import { scriptSchema } from '../../analytics/adherence/script.schema.ts';
import { EMPTY, idParams, isoTime, items, route } from './common.ts';

/** Adherence scripts: every version kept; the built-in collection scripts are listed and readable, not editable. */

export { scriptSchema };

const { version: _version, ...scriptFields } = scriptSchema.shape;
/** A script as sent to POST /scripts: the server numbers the versions. */
export const scriptInputSchema = z.strictObject(scriptFields);
/** A script as sent to PUT /scripts/:id: the id is the path's. */
export const scriptUpdateSchema = scriptInputSchema.partial({ id: true });

export const reevaluateSchema = z
  .strictObject({
    callIds: z.array(z.uuid()).min(1).max(1000).optional(),
    from: z.iso
      .datetime({ offset: true })
      .transform((v) => new Date(v))
      .optional(),
    to: z.iso
      .datetime({ offset: true })
      .transform((v) => new Date(v))
      .optional(),
    limit: z.number().int().min(1).max(10_000).default(1000),
  })
  .refine((b) => !(b.callIds && (b.from || b.to)), { message: 'give callIds or a time range, not both' });

export const scriptSummarySchema = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  language: z.string(),
  campaigns: z.array(z.string()),
  /** How many rules it has. */
  rules: z.number().int(),
  active: z.boolean(),
  builtIn: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: isoTime.nullable(),
});
export type ScriptSummary = z.infer<typeof scriptSummarySchema>;

export const scriptViewSchema = z.union([
  z.object({
    script: scriptSchema,
    active: z.boolean(),
    createdBy: z.string().nullable(),
    createdAt: isoTime,
    builtIn: z.literal(false),
  }),
  z.object({ script: scriptSchema, active: z.literal(true), builtIn: z.literal(true) }),
]);

const versionParams = z.object({ id: z.string(), version: z.string().regex(/^\d+$/) });

export const scriptRoutes = [
  route({
    method: 'GET',
    path: '/scripts',
    summary: 'Adherence scripts, built-in ones first (?includeInactive=true: retired ones too)',
    query: z.object({ includeInactive: z.enum(['true', 'false']).optional() }),
    responses: { 200: items(scriptSummarySchema) },
  }),
  route({
    method: 'GET',
    path: '/scripts/:id',
    summary: 'The current version of a script',
    params: idParams,
    responses: { 200: scriptViewSchema },
  }),
  route({
    method: 'GET',
    path: '/scripts/:id/versions',
    summary: 'Every version of a script',
    params: idParams,
    responses: { 200: items(scriptSummarySchema) },
  }),
  route({
    method: 'GET',
    path: '/scripts/:id/versions/:version',
    summary: 'One version of a script',
    params: versionParams,
    responses: { 200: scriptViewSchema },
  }),
  route({
    method: 'POST',
    path: '/scripts',
    summary: 'Create a script (version 1)',
    body: scriptInputSchema,
    responses: { 201: scriptViewSchema },
  }),
  route({
    method: 'PUT',
    path: '/scripts/:id',
    summary: 'Store the next version of a script',
    params: idParams,
    body: scriptUpdateSchema,
    responses: { 200: scriptViewSchema },
  }),
  route({
    method: 'DELETE',
    path: '/scripts/:id',
    summary: 'Retire a script',
    params: idParams,
    responses: { 204: EMPTY },
  }),
  route({
    method: 'POST',
    path: '/scripts/:id/reevaluate',
    summary: 'Evaluate calls again with the scripts as they are now (queues analytics and routing)',
    params: idParams,
    body: reevaluateSchema,
    responses: { 202: z.object({ script: z.string(), queued: z.number().int() }) },
  }),
];

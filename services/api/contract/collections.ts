import { z } from 'zod';
import { METRIC_DIMENSIONS, METRIC_PERIODS, ROLL_DIMENSIONS } from '../../collections/metric-dimensions.ts';
import { paymentInputSchema } from '../../collections/payment.ts';
import { CSV, isoTime, route, uuidParams } from './common.ts';

/**
 * Collections follow-up: payments in from the collections system, the promise ledger (every promise to pay found in
 * a call, kept or broken by the account's payments), the follow-up queue for the dialer, and the collections
 * metrics.
 */

export const PROMISE_STATUS_VALUES = ['pending', 'kept', 'partial', 'broken', 'void'] as const;
const day = z.iso.date();

export const paymentsBatchSchema = z.strictObject({
  /** At most 1,000 payments a request; all are stored or none. */
  payments: z.array(paymentInputSchema).min(1).max(1000),
});
export const paymentsImportedSchema = z.object({
  rows: z.number().int(),
  imported: z.number().int(),
  /** Payments sent before with the same values (by external id): not stored again. */
  duplicates: z.number().int(),
});

export const promisesQuerySchema = z.strictObject({
  account: z.string().max(200).optional(),
  callId: z.uuid().optional(),
  status: z.enum(PROMISE_STATUS_VALUES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const promiseCorrectionSchema = z
  .strictObject({
    amount: z.number().positive().max(1e13).nullable().optional(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'a three-letter ISO 4217 code')
      .transform((v) => v.toUpperCase())
      .nullable()
      .optional(),
    dueDate: day.optional(),
    /** True: it was no promise to pay (the ledger leaves it out). */
    voided: z.boolean().optional(),
    note: z.string().trim().max(1000).optional(),
  })
  .refine(
    (c) =>
      c.amount !== undefined || c.currency !== undefined || c.dueDate !== undefined || c.voided !== undefined,
    { message: 'name at least one of amount, currency, dueDate, voided' },
  );

export const promiseSchema = z.object({
  id: z.uuid(),
  callId: z.uuid(),
  /** The promise's place among the call's promises. */
  ordinal: z.number().int(),
  account: z.string().nullable(),
  madeAt: isoTime,
  /** Where in the call it was said (ms from the start): the player's link to the moment. */
  momentMs: z.number().int().nullable(),
  kind: z.string(),
  quote: z.string().nullable(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  dueDate: day,
  /** What the analytics found, before any correction. */
  detected: z.object({
    amount: z.number().nullable(),
    currency: z.string().nullable(),
    dueDate: day.nullable(),
  }),
  status: z.enum(PROMISE_STATUS_VALUES),
  collected: z.number(),
  outstanding: z.number().nullable(),
  /** The last day a payment keeps it: the due date plus the grace period. */
  windowEnd: day,
  lastPaymentAt: isoTime.nullable(),
  correction: z.object({ at: isoTime, by: z.string().nullable(), note: z.string().nullable() }).nullable(),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  team: z.string().nullable(),
  campaign: z.string().nullable(),
  phone: z.string().nullable(),
});
export type PaymentPromiseView = z.infer<typeof promiseSchema>;

export const followUpQuerySchema = z.strictObject({
  /** Broken and partially kept promises whose window ended in the last N days (default 30). */
  sinceDays: z.coerce.number().int().min(0).max(366).default(30),
  limit: z.coerce.number().int().min(1).max(100_000).default(500),
  agentId: z.string().max(200).optional(),
  campaign: z.string().max(200).optional(),
});

/** A local day of the deployment's time zone (YYYY-MM-DD), or an instant (the local day it falls on). */
const instant = z.iso.date().or(z.iso.datetime({ offset: true }).transform((v) => new Date(v)));

export const metricsQuerySchema = z.strictObject({
  by: z.enum(METRIC_DIMENSIONS).default('agent'),
  period: z.enum(METRIC_PERIODS).default('week'),
  from: instant.optional(),
  to: instant.optional(),
  agentId: z.string().max(200).optional(),
  team: z.string().max(200).optional(),
  campaign: z.string().max(200).optional(),
});

export const metricsRowSchema = z.object({
  key: z.string().nullable(),
  label: z.string().nullable(),
  period: day,
  calls: z.number().int(),
  contacts: z.number().int(),
  talkMs: z.number(),
  ahtMs: z.number().nullable(),
  callsPerAgentHour: z.number().nullable(),
  promiseRate: z.number().nullable(),
  promises: z.number().int(),
  amountPromised: z.number(),
  kept: z.number().int(),
  partial: z.number().int(),
  broken: z.number().int(),
  pending: z.number().int(),
  keptRate: z.number().nullable(),
  brokenRate: z.number().nullable(),
  amountCollected: z.number(),
  currencies: z.array(z.string()),
  analysed: z.number().int(),
  disclosureRate: z.number().nullable(),
  adherenceScore: z.number().nullable(),
  forbiddenRate: z.number().nullable(),
});
export type CollectionsMetricsRow = z.infer<typeof metricsRowSchema>;

export const rollQuerySchema = metricsQuerySchema.extend({
  by: z.enum(ROLL_DIMENSIONS).default('all'),
  period: z.enum(METRIC_PERIODS).default('month'),
});
export const rollRowSchema = z.object({
  key: z.string().nullable(),
  period: day,
  accounts: z.number().int(),
  delinquent: z.number().int(),
  rolled: z.number().int(),
  stayed: z.number().int(),
  improved: z.number().int(),
  cured: z.number().int(),
  rollRate: z.number().nullable(),
  cureRate: z.number().nullable(),
  normalisationRate: z.number().nullable(),
});
export type RollRow = z.infer<typeof rollRowSchema>;

export const collectionsRoutes = [
  route({
    method: 'POST',
    path: '/payments',
    summary: 'Payments from the collections system (idempotent by externalId; all stored or none)',
    body: paymentsBatchSchema,
    responses: { 200: paymentsImportedSchema },
  }),
  route({
    method: 'GET',
    path: '/promises',
    summary: 'Tracked promises to pay, with their status on the ledger',
    query: promisesQuerySchema,
    responses: { 200: z.object({ asOf: day, items: z.array(promiseSchema) }) },
  }),
  route({
    method: 'PATCH',
    path: '/promises/:id',
    summary: "A supervisor's correction of a promise (audited)",
    params: uuidParams,
    body: promiseCorrectionSchema,
    responses: { 200: promiseSchema },
  }),
  route({
    method: 'GET',
    path: '/promises/follow-up',
    summary: 'The follow-up queue: broken promises and promises due today or tomorrow, most owed first',
    query: followUpQuerySchema,
    responses: { 200: z.object({ asOf: day, items: z.array(promiseSchema) }) },
  }),
  route({
    method: 'GET',
    path: '/promises/follow-up.csv',
    summary: 'The follow-up queue as CSV for the dialer (the export is audited)',
    query: followUpQuerySchema,
    responses: { 200: CSV },
  }),
  route({
    method: 'GET',
    path: '/portfolio/metrics',
    summary:
      'Collections productivity, effectiveness and conduct by agent, team, campaign or segment, per period',
    query: metricsQuerySchema,
    responses: {
      200: z.object({
        by: z.enum(METRIC_DIMENSIONS),
        period: z.enum(METRIC_PERIODS),
        asOf: day,
        items: z.array(metricsRowSchema),
      }),
    },
  }),
  route({
    method: 'GET',
    path: '/portfolio/metrics.csv',
    summary: 'Collections metrics as CSV (the export is audited)',
    query: metricsQuerySchema,
    responses: { 200: CSV },
  }),
  route({
    method: 'GET',
    path: '/portfolio/roll',
    summary: 'Roll, cure and normalisation of accounts between days-past-due buckets, period to period',
    query: rollQuerySchema,
    responses: {
      200: z.object({
        by: z.enum(ROLL_DIMENSIONS),
        period: z.enum(METRIC_PERIODS),
        items: z.array(rollRowSchema),
      }),
    },
  }),
];

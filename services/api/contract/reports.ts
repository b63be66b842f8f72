import { z } from 'zod';
import { CSV, route } from './common.ts';

/** The compliance dashboard (disclosure coverage, calls missing it) and the agents page, as JSON and CSV. */

export const COVERAGE_DIMENSIONS = ['day', 'agent', 'team', 'campaign'] as const;
export const AGENT_DIMENSIONS = ['agent', 'team'] as const;

const isoDate = z.iso
  .datetime({ offset: true })
  .or(z.iso.date())
  .transform((v) => new Date(v));

const filterShape = {
  from: isoDate.optional(),
  to: isoDate.optional(),
  agentId: z.string().max(200).optional(),
  team: z.string().max(200).optional(),
  campaign: z.string().max(200).optional(),
};

export const coverageQuerySchema = z.strictObject({
  ...filterShape,
  by: z.enum(COVERAGE_DIMENSIONS).default('day'),
});
export const disclosureCallsQuerySchema = z.strictObject({
  ...filterShape,
  /** Outcomes, comma-separated. */
  outcome: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['late', 'partial', 'missing'])).min(1))
    .default(['late', 'partial', 'missing']),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const disclosureCallsCsvQuerySchema = disclosureCallsQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(100_000).default(100_000),
});
export const agentsQuerySchema = z.strictObject({
  ...filterShape,
  by: z.enum(AGENT_DIMENSIONS).default('agent'),
});

export const coverageRowSchema = z.object({
  /** The day (YYYY-MM-DD), agent id, team or campaign; null for calls without one. */
  key: z.string().nullable(),
  /** The agent's name, for `agent`. */
  label: z.string().nullable(),
  /** Every notice given within the profile's window: the only outcome counted as given on time. */
  disclosed: z.number().int(),
  /** Every notice said, one or more after the window. */
  late: z.number().int(),
  partial: z.number().int(),
  missing: z.number().int(),
  total: z.number().int(),
  disclosedPct: z.number(),
  latePct: z.number(),
  partialPct: z.number(),
  missingPct: z.number(),
});
export type CoverageRow = z.infer<typeof coverageRowSchema>;

export const disclosureCallSchema = z.object({
  callId: z.uuid(),
  startedAt: z.iso.datetime({ offset: true }),
  agentId: z.string().nullable(),
  agentName: z.string().nullable(),
  team: z.string().nullable(),
  campaign: z.string().nullable(),
  language: z.string().nullable(),
  outcome: z.enum(['late', 'partial', 'missing']),
  missingElements: z.array(z.string()),
  lateElements: z.array(z.string()),
});
export type DisclosureCall = z.infer<typeof disclosureCallSchema>;

export const agentWeekSchema = z.object({
  key: z.string().nullable(),
  label: z.string().nullable(),
  /** Monday of the week, YYYY-MM-DD. */
  week: z.string(),
  calls: z.number().int(),
  adherenceScore: z.number().nullable(),
  disclosureRate: z.number().nullable(),
  sentimentAgent: z.number().nullable(),
  sentimentCustomer: z.number().nullable(),
  promiseRate: z.number().nullable(),
  agentTalkShare: z.number().nullable(),
  silenceShare: z.number().nullable(),
  overtalkMs: z.number().nullable(),
  avgDurationMs: z.number().nullable(),
});
export type AgentWeek = z.infer<typeof agentWeekSchema>;

export const reportRoutes = [
  route({
    method: 'GET',
    path: '/compliance/disclosure',
    summary: 'Disclosure coverage by day, agent, team or campaign',
    query: coverageQuerySchema,
    responses: {
      200: z.object({ by: z.enum(COVERAGE_DIMENSIONS), items: z.array(coverageRowSchema) }),
    },
  }),
  route({
    method: 'GET',
    path: '/compliance/disclosure.csv',
    summary: 'Disclosure coverage as CSV (the export is audited)',
    query: coverageQuerySchema,
    responses: { 200: CSV },
  }),
  route({
    method: 'GET',
    path: '/compliance/disclosure/calls',
    summary: 'Calls whose disclosure was not given on time: late, partial or missing',
    query: disclosureCallsQuerySchema,
    responses: { 200: z.object({ items: z.array(disclosureCallSchema) }) },
  }),
  route({
    method: 'GET',
    path: '/compliance/disclosure/calls.csv',
    summary: 'Calls whose disclosure was not given on time, as CSV (the export is audited)',
    query: disclosureCallsCsvQuerySchema,
    responses: { 200: CSV },
  }),
  route({
    method: 'GET',
    path: '/agents/metrics',
    summary: 'Weekly metrics per agent or team',
    query: agentsQuerySchema,
    responses: { 200: z.object({ by: z.enum(AGENT_DIMENSIONS), items: z.array(agentWeekSchema) }) },
  }),
  route({
    method: 'GET',
    path: '/agents/metrics.csv',
    summary: 'Weekly metrics per agent or team, as CSV (the export is audited)',
    query: agentsQuerySchema,
    responses: { 200: CSV },
  }),
];

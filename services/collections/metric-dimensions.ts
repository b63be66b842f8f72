/**
 * What the collections metrics are grouped by: people, campaign, the portfolio's segments (days past due, amount due,
 * product, region, the call's country), and the hour of day (00–23) or weekday (1 Monday … 7 Sunday) the call was
 * made, in the deployment's time zone (calendar.ts), for the best time to call (with a segment as filter).
 */
export const METRIC_DIMENSIONS = [
  'all',
  'agent',
  'team',
  'campaign',
  'daysPastDue',
  'amountDue',
  'product',
  'region',
  'country',
  'hourOfDay',
  'weekday',
] as const;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[number];
export const METRIC_PERIODS = ['day', 'week', 'month'] as const;
export type MetricPeriod = (typeof METRIC_PERIODS)[number];
/** What roll rates are grouped by. */
export const ROLL_DIMENSIONS = ['all', 'agent', 'team', 'campaign', 'daysPastDue'] as const;

/** What the collections metrics are grouped by: people, campaign, and the portfolio's segments. */
export const METRIC_DIMENSIONS = [
  'all',
  'agent',
  'team',
  'campaign',
  'daysPastDue',
  'amountDue',
  'product',
  'region',
] as const;
export type MetricDimension = (typeof METRIC_DIMENSIONS)[number];
export const METRIC_PERIODS = ['day', 'week', 'month'] as const;
export type MetricPeriod = (typeof METRIC_PERIODS)[number];

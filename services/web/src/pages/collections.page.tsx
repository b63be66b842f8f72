import { useState } from 'preact/hooks';
import {
  API,
  api,
  can,
  queryString,
  type CollectionsMetricsRow,
  type Me,
  type PaymentPromiseView,
  type RollRow,
} from '../api.ts';
import { CategoryChart } from '../components/chart.tsx';
import { ExportCsv, Field, ListState, Panel, useAsync, valueOf } from '../components/common.tsx';
import { CorrectionToggle, PromiseCorrection } from '../components/promise-correction.tsx';
import { FilterForm, useReportFilter } from '../components/report-filter.tsx';
import { formatAmount } from '../format.ts';
import { useI18n, type Lang, type MessageKey } from '../i18n.ts';
import { calendarDate, decimal, shortDate } from '../labels.ts';

const DIMENSIONS = [
  'agent',
  'team',
  'campaign',
  'daysPastDue',
  'amountDue',
  'product',
  'region',
  'country',
  'all',
  'hourOfDay',
  'weekday',
] as const;
type Dimension = (typeof DIMENSIONS)[number];
const PERIODS = ['day', 'week', 'month'] as const;
type Period = (typeof PERIODS)[number];
const CHARTED = [
  'keptRate',
  'brokenRate',
  'promiseRate',
  'amountPromised',
  'amountCollected',
  'calls',
  'contacts',
  'callsPerAgentHour',
  'ahtMs',
  'disclosureRate',
  'adherenceScore',
  'forbiddenRate',
] as const;
type Charted = (typeof CHARTED)[number];
const RATES = new Set<Charted>(['keptRate', 'brokenRate', 'promiseRate', 'disclosureRate', 'forbiddenRate']);
const MAX_SERIES = 8;

const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10} %`);
/** A sum in its currency, in the reader's language; a sum over several currencies as a number and their codes. */
const money = (v: number | null, currencies: readonly (string | null)[], lang: string) => {
  const known = currencies.filter((c): c is string => c !== null);
  return known.length === 1
    ? formatAmount(v, known[0]!, lang)
    : `${formatAmount(v, null, lang)} ${known.join(' ')}`.trim();
};
const minutes = (ms: number | null, lang: Lang) => (ms === null ? '—' : `${decimal(ms / 60_000, lang)} min`);

/** The table's figures in three groups: productivity, promises and their results, conduct. */
const METRIC_GROUPS = [
  ['calls', 'contacts', 'talkMs', 'ahtMs', 'callsPerAgentHour'],
  ['promiseRate', 'promises', 'amountPromised', 'keptRate', 'brokenRate', 'amountCollected'],
  ['disclosureRate', 'adherenceScore', 'forbiddenRate'],
] as const;
type MetricColumn = (typeof METRIC_GROUPS)[number][number];

/** One figure of a row as the table shows it. */
function cell(r: CollectionsMetricsRow, m: MetricColumn, lang: Lang): string {
  switch (m) {
    case 'calls':
    case 'contacts':
    case 'promises':
      return String(r[m]);
    case 'talkMs':
    case 'ahtMs':
      return minutes(r[m], lang);
    case 'callsPerAgentHour':
      return r.callsPerAgentHour === null ? '—' : decimal(r.callsPerAgentHour, lang);
    case 'amountPromised':
      return money(r.amountPromised, r.currencies, lang);
    case 'amountCollected':
      return money(r.amountCollected, r.currencies, lang);
    case 'adherenceScore':
      return r.adherenceScore === null ? '—' : String(Math.round(r.adherenceScore));
    default:
      return pct(r[m]);
  }
}

/**
 * Collections follow-up: the queue of broken promises and promises due today or tomorrow (each linking to the moment
 * it was made, exported for the dialer), and productivity, promise effectiveness and conduct by agent, team,
 * campaign or portfolio segment.
 */
export function CollectionsPage({ me }: { me: Me }) {
  return (
    <div>
      <FollowUp me={me} />
      <Metrics />
      <Roll />
    </div>
  );
}

function FollowUp({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const queue = useAsync(
    () => api<{ asOf: string; items: PaymentPromiseView[] }>('/promises/follow-up', { query: {} }),
    [],
  );
  const items = queue.data?.items ?? [];
  // Corrections are offered to whom the server lets correct (GET /auth/me).
  const corrects = can(me, 'promiseCorrect');
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <>
      <h1>{t('collectionsTitle')}</h1>
      <Panel
        title={t('followUpTitle', { day: queue.data ? calendarDate(queue.data.asOf, lang) : '' })}
        id="follow-up"
        actions={<ExportCsv testId="export-follow-up" href={`${API}/promises/follow-up.csv`} />}
      >
        <p class="muted small">{t('followUpHelp')}</p>
        <ListState of={queue} empty={t('followUpEmpty')} />
        {items.length > 0 && (
          <div class="table-wrap">
            <table class="compact">
              <thead>
                <tr>
                  <th scope="col">{t('account')}</th>
                  <th scope="col">{t('promiseStatus')}</th>
                  <th scope="col">{t('amountPromised')}</th>
                  <th scope="col">{t('amountCollected')}</th>
                  <th scope="col">{t('outstanding')}</th>
                  <th scope="col">{t('dueDate')}</th>
                  <th scope="col">{t('dim_agent')}</th>
                  <th scope="col">{t('campaign')}</th>
                  <th scope="col">{t('phone')}</th>
                  <th scope="col">{t('promiseMoment')}</th>
                  {corrects && (
                    <th scope="col">
                      <span class="sr-only">{t('promiseCorrect')}</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {items.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">{p.account ?? '—'}</th>
                    <td>{t(`promise_${p.status}` as MessageKey)}</td>
                    <td class="num">{formatAmount(p.amount, p.currency, lang)}</td>
                    <td class="num">{formatAmount(p.collected, p.currency, lang)}</td>
                    <td class="num">{formatAmount(p.outstanding, p.currency, lang)}</td>
                    <td class="nowrap">{shortDate(p.dueDate, lang, true)}</td>
                    <td>{p.agentName ?? p.agentId ?? '—'}</td>
                    <td>{p.campaign ?? '—'}</td>
                    <td class="nowrap">{p.phone ?? '—'}</td>
                    <td>
                      <a href={`/calls/${p.callId}${p.momentMs === null ? '' : `?t=${p.momentMs / 1000}`}`}>
                        {p.quote ? `“${p.quote}”` : t('listen')}
                      </a>
                    </td>
                    {corrects && (
                      <td>
                        <CorrectionToggle id={p.id} editing={editing} onEditing={setEditing} />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {corrects && editing && items.some((p) => p.id === editing) && (
          <PromiseCorrection
            key={editing}
            promise={items.find((p) => p.id === editing)!}
            onDone={() => {
              setEditing(null);
              queue.reload();
            }}
          />
        )}
      </Panel>
    </>
  );
}

function Metrics() {
  const { t, lang } = useI18n();
  const [by, setBy] = useState<Dimension>('agent');
  const [period, setPeriod] = useState<Period>('week');
  const [metric, setMetric] = useState<Charted>('keptRate');
  const { filter, apply, field } = useReportFilter('cm');
  const query = { ...filter, by, period };
  const data = useAsync(
    () => api<{ items: CollectionsMetricsRow[] }>('/portfolio/metrics', { query }),
    [JSON.stringify(query)],
  );
  const rows = data.data?.items ?? [];
  const periods = [...new Set(rows.map((r) => r.period))].sort();
  const keys = [...new Set(rows.map((r) => r.key ?? '—'))];
  const name = (k: string) => {
    const r = rows.find((x) => (x.key ?? '—') === k);
    return r?.label ? `${r.label} (${k})` : k;
  };
  const series = keys.slice(0, MAX_SERIES).map((k) => ({
    label: name(k),
    values: periods.map((p) => {
      const v = rows.find((r) => (r.key ?? '—') === k && r.period === p)?.[metric] ?? null;
      return v === null ? null : RATES.has(metric) ? Math.round(v * 1000) / 10 : v;
    }),
  }));
  const metricName = t(`col_${metric}` as MessageKey);
  return (
    <>
      <FilterForm onSubmit={apply}>
        <Field label={t('groupBy')} id="cm-by">
          <select id="cm-by" value={by} onChange={(e) => setBy(valueOf(e) as Dimension)}>
            {DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {t(`seg_${d}` as MessageKey)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('period')} id="cm-period">
          <select id="cm-period" value={period} onChange={(e) => setPeriod(valueOf(e) as Period)}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {t(`period_${p}` as MessageKey)}
              </option>
            ))}
          </select>
        </Field>
        {field('from', 'from', 'date')}
        {field('to', 'to', 'date')}
        {field('team', 'team')}
        {field('campaign', 'campaign')}
      </FilterForm>
      <Panel
        title={t('collectionsMetricTitle', { metric: metricName })}
        id="collections-chart"
        actions={
          <div class="row">
            <label for="cm-metric">{t('metric')}</label>
            <select id="cm-metric" value={metric} onChange={(e) => setMetric(valueOf(e) as Charted)}>
              {CHARTED.map((m) => (
                <option key={m} value={m}>
                  {t(`col_${m}` as MessageKey)}
                </option>
              ))}
            </select>
            <ExportCsv
              testId="export-collections"
              href={`${API}/portfolio/metrics.csv${queryString(query)}`}
            />
          </div>
        }
      >
        <ListState of={data} empty={t('noCallsMatch')} />
        {rows.length > 0 && (
          <>
            <CategoryChart
              label={t('collectionsMetricTitle', { metric: metricName })}
              xLabel={t(`period_${period}` as MessageKey)}
              categories={periods}
              series={series}
              {...(RATES.has(metric) || metric === 'adherenceScore'
                ? { yRange: [0, 100] as [number, number] }
                : {})}
            />
            {keys.length > MAX_SERIES && (
              <p class="muted small">{t('chartFirstSeries', { n: MAX_SERIES })}</p>
            )}
          </>
        )}
      </Panel>
      {rows.length > 0 && (
        <Panel title={t('collectionsTable')} id="collections-table">
          {/* Three narrower tables (results, promises, conduct) instead of one of sixteen columns, so each fits. */}
          {METRIC_GROUPS.map((group) => (
            <PeriodTable
              key={group.join()}
              segment={t(`seg_${by}` as MessageKey)}
              rows={rows}
              rowName={(r) => name(r.key ?? '—')}
              columns={group.map((m) => ({
                label: t(`col_${m}` as MessageKey),
                value: (r: CollectionsMetricsRow) => cell(r, m, lang),
              }))}
            />
          ))}
        </Panel>
      )}
    </>
  );
}

const ROLL_DIMENSIONS = ['all', 'agent', 'team', 'campaign', 'daysPastDue'] as const;
type RollDimension = (typeof ROLL_DIMENSIONS)[number];

/** How accounts move between days-past-due buckets, month to month (or week to week). */
function Roll() {
  const { t } = useI18n();
  const [by, setBy] = useState<RollDimension>('all');
  const [period, setPeriod] = useState<'week' | 'month'>('month');
  const data = useAsync(
    () => api<{ items: RollRow[] }>('/portfolio/roll', { query: { by, period } }),
    [by, period],
  );
  const rows = data.data?.items ?? [];
  return (
    <Panel
      title={t('rollTitle')}
      id="collections-roll"
      actions={
        <div class="row">
          <label for="roll-by">{t('groupBy')}</label>
          <select id="roll-by" value={by} onChange={(e) => setBy(valueOf(e) as RollDimension)}>
            {ROLL_DIMENSIONS.map((d) => (
              <option key={d} value={d}>
                {t(`seg_${d}` as MessageKey)}
              </option>
            ))}
          </select>
          <label for="roll-period">{t('period')}</label>
          <select id="roll-period" value={period} onChange={(e) => setPeriod(valueOf(e) as 'week' | 'month')}>
            <option value="month">{t('period_month')}</option>
            <option value="week">{t('period_week')}</option>
          </select>
        </div>
      }
    >
      <p class="muted small">{t('rollHelp')}</p>
      <ListState of={data} empty={t('rollEmpty')} />
      {rows.length > 0 && (
        <PeriodTable
          segment={t(`seg_${by}` as MessageKey)}
          rows={rows}
          rowName={(r) => r.key ?? '—'}
          columns={[
            { label: t('rollAccounts'), value: (r) => String(r.accounts) },
            { label: t('rollRate'), value: (r) => pct(r.rollRate) },
            { label: t('cureRate'), value: (r) => pct(r.cureRate) },
            { label: t('normalisationRate'), value: (r) => pct(r.normalisationRate) },
          ]}
        />
      )}
    </Panel>
  );
}

/** One row per segment and period, with the given figures as columns (the metrics and the roll tables). */
function PeriodTable<R extends { key: string | null; period: string }>(props: {
  segment: string;
  rows: readonly R[];
  rowName: (r: R) => string;
  columns: { label: string; value: (r: R) => string }[];
}) {
  const { t, lang } = useI18n();
  return (
    <div class="table-wrap">
      <table class="compact agent-metrics">
        <thead>
          <tr>
            <th scope="col">{props.segment}</th>
            <th scope="col">{t('period')}</th>
            {props.columns.map((c) => (
              <th scope="col" key={c.label}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={`${r.key}-${r.period}`}>
              <th scope="row">{props.rowName(r)}</th>
              <td class="nowrap">{shortDate(r.period, lang, true)}</td>
              {props.columns.map((c) => (
                <td class="num" key={c.label}>
                  {c.value(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

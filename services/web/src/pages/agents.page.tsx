import { useState } from 'preact/hooks';
import { API, api, queryString, type AgentWeek } from '../api.ts';
import { CategoryChart } from '../components/chart.tsx';
import { ExportCsv, Field, ListState, Panel, useAsync, valueOf } from '../components/common.tsx';
import { FilterForm, useReportFilter } from '../components/report-filter.tsx';
import { useI18n, type MessageKey } from '../i18n.ts';

const METRICS = [
  'adherenceScore',
  'disclosureRate',
  'sentimentCustomer',
  'sentimentAgent',
  'promiseRate',
  'agentTalkShare',
  'silenceShare',
] as const;
type Metric = (typeof METRICS)[number];
/** Rates are shown as percentages. */
const RATES = new Set<Metric>(['disclosureRate', 'promiseRate', 'agentTalkShare', 'silenceShare']);
const MAX_SERIES = 8;

const show = (v: number | null, rate = false) =>
  v === null ? '—' : rate ? `${Math.round(v * 1000) / 10} %` : String(v);

/** Week by week per agent or team: adherence, disclosure rate, sentiment, promise-to-pay rate, talk metrics. */
export function AgentsPage() {
  const { t } = useI18n();
  const [by, setBy] = useState<'agent' | 'team'>('agent');
  const [metric, setMetric] = useState<Metric>('adherenceScore');
  const { filter, apply, field } = useReportFilter('g');
  const data = useAsync(
    () => api<{ items: AgentWeek[] }>('/agents/metrics', { query: { ...filter, by } }),
    [JSON.stringify(filter), by],
  );
  const rows = data.data?.items ?? [];
  const weeks = [...new Set(rows.map((r) => r.week))].sort();
  const keys = [...new Set(rows.map((r) => r.key ?? '—'))];
  const name = (k: string) => {
    const r = rows.find((x) => (x.key ?? '—') === k);
    return r?.label ? `${r.label} (${k})` : k;
  };
  const series = keys.slice(0, MAX_SERIES).map((k) => ({
    label: name(k),
    values: weeks.map((w) => {
      const v = rows.find((r) => (r.key ?? '—') === k && r.week === w)?.[metric] ?? null;
      return v === null ? null : RATES.has(metric) ? Math.round(v * 1000) / 10 : v;
    }),
  }));

  return (
    <div>
      <h1>{t('agentsTitle')}</h1>
      <FilterForm onSubmit={apply}>
        <Field label={t('groupBy')} id="g-by">
          <select id="g-by" value={by} onChange={(e) => setBy(valueOf(e) as 'agent' | 'team')}>
            <option value="agent">{t('dim_agent')}</option>
            <option value="team">{t('dim_team')}</option>
          </select>
        </Field>
        {field('from', 'from', 'date')}
        {field('to', 'to', 'date')}
        {field('team', 'team')}
        {field('campaign', 'campaign')}
      </FilterForm>
      <Panel
        title={t('metricPerWeek', { metric: t(`metric_${metric}` as MessageKey) })}
        id="agents-chart"
        actions={
          <div class="row">
            <label for="g-metric">{t('metric')}</label>
            <select id="g-metric" value={metric} onChange={(e) => setMetric(valueOf(e) as Metric)}>
              {METRICS.map((m) => (
                <option key={m} value={m}>
                  {t(`metric_${m}` as MessageKey)}
                </option>
              ))}
            </select>
            <ExportCsv
              testId="export-agents"
              href={`${API}/agents/metrics.csv${queryString({ ...filter, by })}`}
            />
          </div>
        }
      >
        <ListState of={data} empty={t('noAnalysedCalls')} />
        {rows.length > 0 && (
          <>
            <CategoryChart
              label={t('metricPerWeek', { metric: t(`metric_${metric}` as MessageKey) })}
              categories={weeks}
              series={series}
              {...(RATES.has(metric) || metric === 'adherenceScore'
                ? { yRange: [0, 100] as [number, number] }
                : {})}
              {...(metric.startsWith('sentiment') ? { yRange: [-1, 1] as [number, number] } : {})}
            />
            {keys.length > MAX_SERIES && (
              <p class="muted small">{t('chartFirstSeries', { n: MAX_SERIES })}</p>
            )}
          </>
        )}
      </Panel>
      {rows.length > 0 && (
        <Panel title={t('agentsTable')} id="agents-table">
          <div class="table-wrap">
            <table class="agent-metrics compact">
              <thead>
                <tr>
                  <th scope="col">{t(`dim_${by}`)}</th>
                  <th scope="col">{t('week')}</th>
                  <th scope="col">{t('calls')}</th>
                  {METRICS.map((m) => (
                    <th scope="col" key={m}>
                      {t(`metric_${m}` as MessageKey)}
                    </th>
                  ))}
                  <th scope="col">{t('metric_overtalkMs')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.key}-${r.week}`}>
                    <th scope="row">{name(r.key ?? '—')}</th>
                    <td class="nowrap">{r.week}</td>
                    <td class="num">{r.calls}</td>
                    {METRICS.map((m) => (
                      <td class="num" key={m}>
                        {show(r[m], RATES.has(m))}
                      </td>
                    ))}
                    <td class="num">
                      {r.overtalkMs === null ? '—' : `${(r.overtalkMs / 1000).toFixed(1)} s`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Panel>
      )}
    </div>
  );
}

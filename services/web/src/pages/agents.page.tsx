import { useState } from 'preact/hooks';
import { API, api, queryString, type AgentWeek } from '../api.ts';
import { BarList, CategoryChart, COLORS } from '../components/chart.tsx';
import { ExportCsv, Field, ListState, Panel, useAsync, valueOf } from '../components/common.tsx';
import { FilterForm, useReportFilter } from '../components/report-filter.tsx';
import { searchHref } from '../drill.ts';
import { useI18n, type Lang, type MessageKey } from '../i18n.ts';
import { decimal, plural, shortDate } from '../labels.ts';

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

/** The average of a metric over rows, each weighted by its calls; null when no row has it. */
function weighted(rows: AgentWeek[], metric: Metric): number | null {
  let sum = 0;
  let n = 0;
  for (const r of rows) {
    const v = r[metric];
    if (v === null) continue;
    sum += v * r.calls;
    n += r.calls;
  }
  return n === 0 ? null : sum / n;
}

const show = (v: number | null, rate: boolean, lang: Lang) =>
  v === null ? '—' : rate ? `${decimal(v * 100, lang)} %` : decimal(v, lang, 2);

/** Week by week per agent or team: adherence, disclosure rate, sentiment, promise-to-pay rate, talk metrics. */
export function AgentsPage() {
  const { t, lang } = useI18n();
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
  /** As charted: rates in percent, scores as they are. */
  const scaled = (v: number | null) =>
    v === null ? null : RATES.has(metric) ? Math.round(v * 1000) / 10 : v;
  const trend = weeks.map((w) =>
    scaled(
      weighted(
        rows.filter((r) => r.week === w),
        metric,
      ),
    ),
  );
  const perKey = keys.map((k) => {
    const mine = rows.filter((r) => (r.key ?? '—') === k);
    return { key: k, value: weighted(mine, metric), calls: mine.reduce((a, r) => a + r.calls, 0) };
  });
  const sentiment = metric.startsWith('sentiment');
  const yRange: [number, number] | undefined =
    RATES.has(metric) || metric === 'adherenceScore' ? [0, 100] : sentiment ? [-1, 1] : undefined;
  const metricLabel = t(`metric_${metric}` as MessageKey);
  const drill = (k: string) =>
    k === '—' ? undefined : searchHref(filter, { [by === 'agent' ? 'agentId' : 'team']: k });

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
        title={t('metricTrendAll', { metric: metricLabel })}
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
          <CategoryChart
            label={t('metricTrendAll', { metric: metricLabel })}
            xLabel={t('week')}
            categories={weeks.map((w) => shortDate(w, lang))}
            series={[{ label: metricLabel, values: trend }]}
            {...(yRange ? { yRange } : {})}
          />
        )}
      </Panel>
      {rows.length > 0 && (
        <Panel
          title={t('metricBy', { metric: metricLabel, by: t(`dim_${by}`).toLowerCase() })}
          id="agents-bars"
        >
          <BarList
            label={t('metricBy', { metric: metricLabel, by: t(`dim_${by}`).toLowerCase() })}
            // Sentiment runs from -1 to 1: the bar shows it shifted onto 0..2.
            max={
              yRange ? yRange[1] - Math.min(0, yRange[0]) : Math.max(1, ...perKey.map((p) => p.value ?? 0))
            }
            rows={perKey.map((p) => {
              const v = scaled(p.value);
              const href = drill(p.key);
              return {
                key: p.key,
                name: name(p.key),
                value: `${show(p.value, RATES.has(metric), lang)} · ${plural(t, 'nCalls', p.calls)}`,
                segments: [
                  {
                    value: v === null ? 0 : sentiment ? v + 1 : v,
                    color: COLORS[3]!,
                    title: `${t('openCalls', { what: name(p.key) })}: ${metricLabel} ${show(p.value, RATES.has(metric), lang)}`,
                    ...(href ? { href } : {}),
                  },
                ],
              };
            })}
          />
          <p class="muted small">{t('barsHelp')}</p>
        </Panel>
      )}
      {rows.length > 0 && (
        <Panel title={t('agentsTable')} id="agents-table">
          <div class="table-wrap" tabIndex={0} role="region" aria-label={t('agentsTable')}>
            <table class="agent-metrics compact">
              <thead>
                <tr>
                  <th scope="col">{t(`dim_${by}`)}</th>
                  <th scope="col">{t('week')}</th>
                  <th scope="col" class="num">
                    {t('calls')}
                  </th>
                  {METRICS.map((m) => (
                    <th scope="col" class="num" key={m}>
                      {t(`metric_${m}` as MessageKey)}
                    </th>
                  ))}
                  <th scope="col" class="num">
                    {t('metric_overtalkMs')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.key}-${r.week}`}>
                    <th scope="row">{name(r.key ?? '—')}</th>
                    <td class="nowrap">{shortDate(r.week, lang, true)}</td>
                    <td class="num">{r.calls}</td>
                    {METRICS.map((m) => (
                      <td class="num" key={m}>
                        {show(r[m], RATES.has(m), lang)}
                      </td>
                    ))}
                    <td class="num">
                      {r.overtalkMs === null ? '—' : `${decimal(r.overtalkMs / 1000, lang)} s`}
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

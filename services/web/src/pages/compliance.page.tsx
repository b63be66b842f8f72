import { useState } from 'preact/hooks';
import { API, api, queryString, type CoverageRow, type DisclosureCall } from '../api.ts';
import { CategoryChart } from '../components/chart.tsx';
import { ExportCsv, ListState, ListTable, Panel, useAsync } from '../components/common.tsx';
import { FilterForm, useReportFilter } from '../components/report-filter.tsx';
import { formatDateTime } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';

const DIMENSIONS = ['day', 'agent', 'team', 'campaign'] as const;
type Dimension = (typeof DIMENSIONS)[number];

/** Disclosure coverage by day, agent, team and campaign (chart and table, CSV), and the calls that fell short. */
export function CompliancePage() {
  const { t, lang } = useI18n();
  const { filter, apply, field } = useReportFilter('c');
  const [by, setBy] = useState<Dimension>('day');
  const coverage = useAsync(
    () => api<{ items: CoverageRow[] }>('/compliance/disclosure', { query: { ...filter, by } }),
    [JSON.stringify(filter), by],
  );
  const calls = useAsync(
    () =>
      api<{ items: DisclosureCall[] }>('/compliance/disclosure/calls', {
        query: { ...filter, limit: '200' },
      }),
    [JSON.stringify(filter)],
  );
  const keyText = (r: CoverageRow) =>
    r.key === null ? t('none') : r.label ? `${r.label} (${r.key})` : r.key;
  const rows = coverage.data?.items ?? [];
  const totals = rows.reduce(
    (a, r) => ({
      disclosed: a.disclosed + r.disclosed,
      partial: a.partial + r.partial,
      missing: a.missing + r.missing,
      total: a.total + r.total,
    }),
    { disclosed: 0, partial: 0, missing: 0, total: 0 },
  );
  const pct = (n: number) => (totals.total === 0 ? 0 : Math.round((1000 * n) / totals.total) / 10);

  return (
    <div>
      <h1>{t('dashboardTitle')}</h1>
      <FilterForm onSubmit={apply}>
        {field('from', 'from', 'date')}
        {field('to', 'to', 'date')}
        {field('campaign', 'campaign')}
        {field('team', 'team')}
        {field('agentId', 'agentId')}
      </FilterForm>
      <p class="big" data-testid="coverage-total">
        {t('coverageSummary', {
          pct: pct(totals.disclosed),
          partial: pct(totals.partial),
          missing: pct(totals.missing),
          total: totals.total,
        })}
      </p>
      <Panel
        title={t('coverageBy', { by: t(`dim_${by}` as MessageKey) })}
        id="coverage"
        actions={
          <div class="row">
            <div role="group" aria-label={t('groupBy')} class="row">
              {DIMENSIONS.map((d) => (
                <button type="button" key={d} aria-pressed={by === d} data-by={d} onClick={() => setBy(d)}>
                  {t(`dim_${d}` as MessageKey)}
                </button>
              ))}
            </div>
            <ExportCsv
              testId="export-coverage"
              href={`${API}/compliance/disclosure.csv${queryString({ ...filter, by })}`}
            />
          </div>
        }
      >
        <ListState of={coverage} empty={t('noAnalysedCalls')} />
        {rows.length > 0 && (
          <>
            <CategoryChart
              label={t('coverageBy', { by: t(`dim_${by}` as MessageKey) })}
              categories={rows.map((r) => r.key ?? '—')}
              yRange={[0, 100]}
              series={[
                { label: `${t('disclosed')} %`, values: rows.map((r) => r.disclosedPct) },
                { label: `${t('partial')} %`, values: rows.map((r) => r.partialPct) },
                { label: `${t('missing')} %`, values: rows.map((r) => r.missingPct) },
              ]}
            />
            <div class="table-wrap">
              <table class="coverage compact">
                <thead>
                  <tr>
                    <th scope="col">{t(`dim_${by}` as MessageKey)}</th>
                    <th scope="col">{t('calls')}</th>
                    <th scope="col">{t('disclosed')}</th>
                    <th scope="col">{t('partial')}</th>
                    <th scope="col">{t('missing')}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.key ?? ''}>
                      <th scope="row">{keyText(r)}</th>
                      <td class="num">{r.total}</td>
                      <td class="num">
                        {r.disclosed} ({r.disclosedPct} %)
                      </td>
                      <td class="num">
                        {r.partial} ({r.partialPct} %)
                      </td>
                      <td class="num">
                        {r.missing} ({r.missingPct} %)
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Panel>
      <Panel
        title={t('callsMissingDisclosure')}
        id="disclosure-calls"
        actions={
          <ExportCsv
            testId="export-calls"
            href={`${API}/compliance/disclosure/calls.csv${queryString(filter)}`}
          />
        }
      >
        <ListTable
          of={calls}
          empty={t('noneMissing')}
          class="disclosure-calls compact"
          labels={[
            t('startedAt'),
            t('agent'),
            t('team'),
            t('campaign'),
            t('disclosure'),
            t('missingElements'),
          ]}
        >
          {(c) => (
            <tr key={c.callId}>
              <td class="nowrap">
                <a href={`/calls/${c.callId}`}>{formatDateTime(c.startedAt, lang)}</a>
              </td>
              <td>{c.agentName ?? c.agentId ?? '—'}</td>
              <td>{c.team ?? '—'}</td>
              <td>{c.campaign ?? '—'}</td>
              <td>
                <span class={`badge outcome-${c.outcome}`}>{t(c.outcome)}</span>
              </td>
              <td>{c.missingElements.join(', ') || '—'}</td>
            </tr>
          )}
        </ListTable>
      </Panel>
    </div>
  );
}

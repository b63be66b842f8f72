import { useState } from 'preact/hooks';
import { API, api, queryString, type CoverageRow, type DisclosureCall } from '../api.ts';
import { BarList, CategoryChart, COLORS } from '../components/chart.tsx';
import { ExportCsv, ListState, ListTable, Panel, useAsync } from '../components/common.tsx';
import { FilterForm, useReportFilter } from '../components/report-filter.tsx';
import { nextDay, searchHref } from '../drill.ts';
import { formatDateTime } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { decimal, labelOf, plural, shortDate } from '../labels.ts';
import { navigate } from '../router.ts';

const DIMENSIONS = ['agent', 'team', 'campaign'] as const;
type Dimension = (typeof DIMENSIONS)[number];
const OUTCOMES = ['disclosed', 'late', 'partial', 'missing'] as const;
type Outcome = (typeof OUTCOMES)[number];
const OUTCOME_COLOR: Record<Outcome, string> = {
  disclosed: COLORS[0]!,
  late: COLORS[4]!,
  partial: COLORS[1]!,
  missing: COLORS[2]!,
};
/** The search parameter of each dimension, for drill-down. */
const PARAM: Record<Dimension | 'day', string> = {
  day: 'from',
  agent: 'agentId',
  team: 'team',
  campaign: 'campaign',
};

/**
 * Disclosure coverage: the trend by day (a line), and by agent, team or campaign (bars); every figure opens the
 * calls it counts in the search. The calls that fell short are listed below; both export as CSV.
 */
export function CompliancePage() {
  const { t, lang } = useI18n();
  const { filter, apply, field } = useReportFilter('c');
  const [by, setBy] = useState<Dimension>('agent');
  const days = useAsync(
    () => api<{ items: CoverageRow[] }>('/compliance/disclosure', { query: { ...filter, by: 'day' } }),
    [JSON.stringify(filter)],
  );
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
  const dayRows = days.data?.items ?? [];
  const rows = coverage.data?.items ?? [];
  const totals = dayRows.reduce(
    (a, r) => ({
      disclosed: a.disclosed + r.disclosed,
      late: a.late + r.late,
      partial: a.partial + r.partial,
      missing: a.missing + r.missing,
      total: a.total + r.total,
    }),
    { disclosed: 0, late: 0, partial: 0, missing: 0, total: 0 },
  );
  const pct = (n: number) => (totals.total === 0 ? 0 : Math.round((1000 * n) / totals.total) / 10);
  /** The search for the calls of one row (a day, an agent, a team, a campaign), with one outcome or all. */
  const drill = (dim: Dimension | 'day', key: string | null, outcome?: string): string | undefined => {
    if (key === null) return undefined;
    const where: Record<string, string> =
      dim === 'day'
        ? { from: `${key}T00:00:00.000Z`, to: `${nextDay(key)}T00:00:00.000Z` }
        : { [PARAM[dim]]: key };
    return searchHref(filter, { ...where, ...(outcome ? { disclosure: outcome } : {}) });
  };
  const dimLabel = t(`dim_${by}` as MessageKey).toLowerCase();

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
          pct: decimal(pct(totals.disclosed), lang),
          late: decimal(pct(totals.late), lang),
          partial: decimal(pct(totals.partial), lang),
          missing: decimal(pct(totals.missing), lang),
          calls: plural(t, 'nAnalysedCalls', totals.total),
        })}
      </p>
      <Panel
        title={t('coverageTrend')}
        id="coverage-trend"
        actions={
          <ExportCsv
            testId="export-coverage-days"
            href={`${API}/compliance/disclosure.csv${queryString({ ...filter, by: 'day' })}`}
          />
        }
      >
        <ListState of={days} empty={t('noAnalysedCalls')} />
        {dayRows.length > 0 && (
          <>
            <CategoryChart
              label={t('coverageTrend')}
              xLabel={t('dim_day')}
              categories={dayRows.map((r) => (r.key ? shortDate(r.key, lang) : '—'))}
              yRange={[0, 100]}
              series={OUTCOMES.map((o) => ({
                label: `${t(o)} %`,
                color: OUTCOME_COLOR[o],
                values: dayRows.map((r) => r[`${o}Pct`]),
              }))}
              onPick={(i) => {
                const href = drill('day', dayRows[i]?.key ?? null, 'late,partial,missing');
                if (href) navigate(href);
              }}
            />
            <p class="muted small">{t('trendHelp')}</p>
            <details>
              <summary>{t('figuresByDay')}</summary>
              <CoverageTable rows={dayRows} dim="day" keyText={keyText} drill={drill} />
            </details>
          </>
        )}
      </Panel>
      <Panel
        title={t('coverageBars', { by: dimLabel })}
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
            <BarList
              label={t('coverageBars', { by: dimLabel })}
              max={100}
              legend={OUTCOMES.map((o) => ({ label: t(o), color: OUTCOME_COLOR[o] }))}
              rows={rows.map((r) => ({
                key: r.key ?? '',
                name: keyText(r),
                value: `${decimal(r.disclosedPct, lang)} % · ${plural(t, 'nCalls', r.total)}`,
                segments: OUTCOMES.map((o) => {
                  const href = drill(by, r.key, o);
                  return {
                    value: r[`${o}Pct`],
                    color: OUTCOME_COLOR[o],
                    title: t('openCallsOf', {
                      what: keyText(r),
                      outcome: t(o),
                      pct: decimal(r[`${o}Pct`], lang),
                      n: r[o],
                    }),
                    ...(href ? { href } : {}),
                  };
                }),
              }))}
            />
            <p class="muted small">{t('barsHelp')}</p>
            <CoverageTable rows={rows} dim={by} keyText={keyText} drill={drill} />
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
              <td>{c.missingElements.map((e) => labelOf(t, 'element_', e)).join(', ') || '—'}</td>
            </tr>
          )}
        </ListTable>
      </Panel>
    </div>
  );
}

/** The figures of a chart as a table; each count opens its calls. */
function CoverageTable(props: {
  rows: CoverageRow[];
  dim: Dimension | 'day';
  keyText: (r: CoverageRow) => string;
  drill: (dim: Dimension | 'day', key: string | null, outcome?: string) => string | undefined;
}) {
  const { t, lang } = useI18n();
  const count = (r: CoverageRow, o: Outcome | null) => {
    const text = o === null ? String(r.total) : `${r[o]} (${decimal(r[`${o}Pct`], lang)} %)`;
    const href = props.drill(props.dim, r.key, o ?? undefined);
    return href ? <a href={href}>{text}</a> : text;
  };
  return (
    <div class="table-wrap">
      <table class="coverage compact">
        <thead>
          <tr>
            <th scope="col">{t(`dim_${props.dim}` as MessageKey)}</th>
            <th scope="col" class="num">
              {t('calls')}
            </th>
            {OUTCOMES.map((o) => (
              <th scope="col" class="num" key={o}>
                {t(o)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key ?? ''}>
              <th scope="row">{props.keyText(r)}</th>
              <td class="num">{count(r, null)}</td>
              {OUTCOMES.map((o) => (
                <td class="num" key={o}>
                  {count(r, o)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

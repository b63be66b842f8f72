import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, can, type CallSummary, type Me, type Page, type SavedSearch } from '../api.ts';
import {
  ErrorBox,
  Field,
  InputField,
  ListState,
  Outcome,
  Panel,
  useAsync,
  valueOf,
} from '../components/common.tsx';
import { DateField } from '../components/date-field.tsx';
import { formatAmount, formatDateTime, formatDuration, isoToLocal, localToIso } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { errorText, labelOf } from '../labels.ts';
import { navigate, useLocation } from '../router.ts';
import { FILTER_LABEL, filterLabel } from '../search-query.ts';

type Kind = 'text' | 'number' | 'seconds' | 'datetime' | 'direction' | 'party' | 'source';
interface FilterDef {
  name: string;
  /** FILTER_LABEL's, unless given. */
  label?: MessageKey;
  kind: Kind;
  help?: MessageKey;
  labelParams?: Record<string, string>;
}

const BASIC: FilterDef[] = [
  { name: 'from', kind: 'datetime' },
  { name: 'to', kind: 'datetime' },
  { name: 'agentName', kind: 'text' },
  { name: 'campaign', kind: 'text' },
  { name: 'disposition', kind: 'text' },
  { name: 'number', kind: 'text' },
];

const MORE: FilterDef[] = [
  { name: 'direction', kind: 'direction' },
  { name: 'agentId', kind: 'text' },
  { name: 'team', kind: 'text' },
  { name: 'customerRef', kind: 'text' },
  { name: 'reason', kind: 'text' },
  { name: 'product', kind: 'text' },
  { name: 'region', kind: 'text' },
  { name: 'country', kind: 'text' },
  { name: 'language', kind: 'text' },
  { name: 'currency', kind: 'text' },
  { name: 'source', kind: 'source' },
  { name: 'callerNumber', kind: 'text' },
  { name: 'calleeNumber', kind: 'text' },
  { name: 'sipCallId', kind: 'text' },
  { name: 'externalId', kind: 'text' },
  { name: 'minDurationMs', kind: 'seconds' },
  { name: 'maxDurationMs', kind: 'seconds' },
  { name: 'minDaysPastDue', kind: 'number' },
  { name: 'maxDaysPastDue', kind: 'number' },
  { name: 'minAmountDue', kind: 'number' },
  { name: 'maxAmountDue', kind: 'number' },
];

/** The analytics filters this page has a control for (the rest the server offers get a text box). */
const ANALYTICS = [
  'sentiment',
  'sentimentParty',
  'disclosure',
  'adherenceBelow',
  'keyword',
  'promiseToPay',
  'redacted',
];
/** The disclosure outcomes the select offers; another set (a dashboard's drill-down) is added as it comes. */
const DISCLOSURE_CHOICES = ['', 'disclosed', 'late,partial,missing', 'late', 'partial', 'missing'];
/** The keyword categories the analytics stage counts (services/analytics/counts/keyword-categories.ts). */
const KEYWORDS = [
  'lawyer',
  'lawsuit',
  'seizure',
  'complaint',
  'payment_plan',
  'hardship',
  'dispute',
  'cease_contact',
  'bankruptcy',
];
const KNOWN = new Set(
  [...BASIC, ...MORE]
    .map((f) => f.name)
    .concat(['q', 'party', 'custom', 'limit', 'cursor', 'sort'], ANALYTICS),
);

/** The result columns a supervisor may show; the chosen ones are kept in this browser. */
const COLUMNS = [
  'durationMs',
  'direction',
  'agent',
  'team',
  'campaign',
  'disposition',
  'customerRef',
  'amountDue',
  'daysPastDue',
  'numbers',
  'region',
  'country',
  'language',
  'source',
] as const;
type Column = (typeof COLUMNS)[number];
const DEFAULT_COLUMNS: Column[] = [
  'durationMs',
  'agent',
  'campaign',
  'disposition',
  'customerRef',
  'amountDue',
];
const COLUMN_LABEL: Record<Column, MessageKey> = {
  durationMs: 'duration',
  direction: 'direction',
  agent: 'agent',
  team: 'team',
  campaign: 'campaign',
  disposition: 'disposition',
  customerRef: 'customerRef',
  amountDue: 'amountDue',
  daysPastDue: 'daysPastDue',
  numbers: 'numbers',
  region: 'region',
  country: 'country',
  language: 'lang',
  source: 'source',
};
const COLUMNS_KEY = 'escucha.searchColumns';

function storedColumns(): Column[] {
  try {
    const raw = JSON.parse(localStorage.getItem(COLUMNS_KEY) ?? 'null') as unknown;
    if (Array.isArray(raw)) return COLUMNS.filter((c) => raw.includes(c));
  } catch {
    // an unreadable choice falls back to the default columns
  }
  return DEFAULT_COLUMNS;
}
const PAGE_SIZE = '25';

/** The query of the URL, without paging. */
function filtersOf(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of query) if (k !== 'cursor' && v !== '') out[k] = v;
  return out;
}

export function SearchPage({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const loc = useLocation();
  const applied = useMemo(() => filtersOf(loc.query), [loc.query.toString()]);
  const cursor = loc.query.get('cursor') ?? undefined;
  const [form, setForm] = useState<Record<string, string>>(applied);
  const [customRows, setCustomRows] = useState<[string, string][]>(() =>
    Object.entries(applied)
      .filter(([k]) => k.startsWith('custom.'))
      .map(([k, v]) => [k.slice(7), v]),
  );
  const [cursors, setCursors] = useState<string[]>([]);
  const supportsQ = me.capabilities.searchParams.includes('q');
  const offered = new Set(me.capabilities.searchParams);
  const otherParams = me.capabilities.searchParams.filter((p) => !KNOWN.has(p));
  const [columns, setColumns] = useState<Column[]>(storedColumns);
  const toggleColumn = (c: Column, on: boolean) => {
    const next = COLUMNS.filter((x) => (x === c ? on : columns.includes(x)));
    setColumns(next);
    localStorage.setItem(COLUMNS_KEY, JSON.stringify(next));
  };

  useEffect(() => {
    setForm(applied);
  }, [applied]);

  const results = useAsync(
    () =>
      api<Page<CallSummary>>('/calls', {
        query: { limit: PAGE_SIZE, ...applied, ...(cursor ? { cursor } : {}) },
      }),
    [loc.query.toString()],
  );

  const set = (name: string, value: string) => setForm((f) => ({ ...f, [name]: value }));

  const submit = (e?: Event) => {
    e?.preventDefault();
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) {
      if (k.startsWith('custom.') || v.trim() === '') continue;
      params.set(k, v.trim());
    }
    for (const [k, v] of customRows) if (k.trim() && v.trim()) params.set(`custom.${k.trim()}`, v.trim());
    // Whose sentiment means nothing without a sentiment to look for.
    if (!params.has('sentiment')) params.delete('sentimentParty');
    setCursors([]);
    navigate(`/?${params.toString()}`);
  };

  const reset = () => {
    setForm({});
    setCustomRows([]);
    setCursors([]);
    navigate('/');
  };

  const goPage = (next: string | null) => {
    const params = new URLSearchParams(applied);
    if (next) params.set('cursor', next);
    navigate(`/?${params.toString()}`);
  };

  const sortBy = (col: 'startedAt' | 'durationMs') => {
    const current = applied.sort ?? '-startedAt';
    const next = current === `-${col}` ? col : `-${col}`;
    const params = new URLSearchParams(applied);
    params.set('sort', next);
    setCursors([]);
    navigate(`/?${params.toString()}`);
  };

  const sortState = (col: string): 'ascending' | 'descending' | 'none' => {
    const s = applied.sort ?? '-startedAt';
    return s === col ? 'ascending' : s === `-${col}` ? 'descending' : 'none';
  };

  /** The head of a column the results can be sorted by: a button that flips the order. */
  const sortHead = (col: 'startedAt' | 'durationMs', label: string) => (
    <th scope="col" aria-sort={sortState(col)}>
      <button type="button" class="sort" onClick={() => sortBy(col)} aria-label={t('sortBy', { col: label })}>
        {label} {sortIcon(sortState(col))}
      </button>
    </th>
  );

  const input = (f: FilterDef) => {
    const id = `f-${f.name}`;
    const value = form[f.name] ?? '';
    let control;
    switch (f.kind) {
      case 'datetime':
        return (
          <DateField
            key={f.name}
            label={t(f.label ?? filterLabel(f.name) ?? 'f_otherFilter')}
            id={id}
            kind="datetime"
            at={f.name === 'to' ? 'end' : 'start'}
            value={isoToLocal(value)}
            onValue={(v) => set(f.name, localToIso(v) ?? '')}
          />
        );
      case 'seconds':
        control = (
          <input
            id={id}
            type="number"
            min="0"
            value={value ? String(Number(value) / 1000) : ''}
            onInput={(e) => {
              const v = valueOf(e);
              set(f.name, v === '' ? '' : String(Math.round(Number(v) * 1000)));
            }}
          />
        );
        break;
      case 'direction':
        control = (
          <select id={id} value={value} onChange={(e) => set(f.name, valueOf(e))}>
            <option value="">{t('any')}</option>
            <option value="inbound">{t('inbound')}</option>
            <option value="outbound">{t('outbound')}</option>
          </select>
        );
        break;
      case 'source':
        control = (
          <select id={id} value={value} onChange={(e) => set(f.name, valueOf(e))}>
            <option value="">{t('any')}</option>
            {['upload', 'siprec', 'sip', 'pcap', 'hep', 'seed'].map((s) => (
              <option value={s} key={s}>
                {t(`source_${s}` as MessageKey)}
              </option>
            ))}
          </select>
        );
        break;
      case 'number':
        control = <input id={id} type="number" value={value} onInput={(e) => set(f.name, valueOf(e))} />;
        break;
      default:
        control = <input id={id} type="text" value={value} onInput={(e) => set(f.name, valueOf(e))} />;
    }
    return (
      <div class="field" key={f.name}>
        <label for={id}>{t(f.label ?? filterLabel(f.name) ?? 'f_otherFilter', f.labelParams)}</label>
        {control}
      </div>
    );
  };

  /** A yes/no filter as three radio buttons: any, yes, no. */
  const yesNo = (name: string, label: string) => (
    <fieldset class="field yes-no" key={name}>
      <legend>{label}</legend>
      <div class="row">
        {(['', 'true', 'false'] as const).map((v) => (
          <label key={v}>
            <input
              type="radio"
              name={`f-${name}`}
              value={v}
              checked={(form[name] ?? '') === v}
              onChange={() => set(name, v)}
            />{' '}
            {v === '' ? t('any') : v === 'true' ? t('yes') : t('no')}
          </label>
        ))}
      </div>
    </fieldset>
  );

  const cell = (c: CallSummary, col: Column) => {
    switch (col) {
      case 'durationMs':
        return <td class="num">{formatDuration(c.durationMs)}</td>;
      case 'direction':
        return <td>{c.direction ? t(c.direction) : '—'}</td>;
      case 'agent':
        return <td>{c.agentName ?? c.agentId ?? '—'}</td>;
      case 'amountDue':
        return <td class="num nowrap">{formatAmount(c.amountDue, c.currency, lang)}</td>;
      case 'daysPastDue':
        return <td class="num">{c.daysPastDue ?? '—'}</td>;
      case 'numbers':
        return (
          <td class="nowrap">
            {c.callerNumber ?? '—'} → {c.calleeNumber ?? '—'}
          </td>
        );
      case 'source':
        return <td>{t(`source_${c.source}` as MessageKey)}</td>;
      default:
        return <td>{c[col] ?? '—'}</td>;
    }
  };

  const page = cursors.length + 1;

  return (
    <div class="layout-search">
      <div>
        <h1>{t('searchTitle')}</h1>
        <form class="filters card" onSubmit={submit} aria-label={t('filters')}>
          {supportsQ && (
            <div class="row">
              <Field label={t('q')} id="f-q" grow>
                <input
                  id="f-q"
                  type="search"
                  value={form.q ?? ''}
                  aria-describedby="f-q-help"
                  onInput={(e) => set('q', valueOf(e))}
                />
                <small id="f-q-help" class="muted">
                  {t('qHelp')}
                </small>
              </Field>
              <Field label={t('party')} id="f-party">
                <select id="f-party" value={form.party ?? ''} onChange={(e) => set('party', valueOf(e))}>
                  <option value="">{t('partyAny')}</option>
                  <option value="agent">{t('agent')}</option>
                  <option value="customer">{t('customer')}</option>
                </select>
              </Field>
            </div>
          )}
          <div class="grid">{BASIC.map(input)}</div>
          <details open={MORE.some((f) => applied[f.name]) || customRows.length > 0}>
            <summary>{t('moreFilters')}</summary>
            <div class="grid">{MORE.map(input)}</div>
            <fieldset class="custom">
              <legend>{t('custom')}</legend>
              {customRows.map(([k, v], i) => (
                <div class="row" key={i}>
                  <div class="field">
                    <label for={`c-k-${i}`}>{t('customField')}</label>
                    <input
                      id={`c-k-${i}`}
                      value={k}
                      onInput={(e) =>
                        setCustomRows((rows) => rows.map((r, j) => (j === i ? [valueOf(e), r[1]] : r)))
                      }
                    />
                  </div>
                  <div class="field">
                    <label for={`c-v-${i}`}>{t('customValue')}</label>
                    <input
                      id={`c-v-${i}`}
                      value={v}
                      onInput={(e) =>
                        setCustomRows((rows) => rows.map((r, j) => (j === i ? [r[0], valueOf(e)] : r)))
                      }
                    />
                  </div>
                  <button
                    type="button"
                    class="link"
                    onClick={() => setCustomRows((rows) => rows.filter((_, j) => j !== i))}
                  >
                    {t('delete')}
                  </button>
                </div>
              ))}
              <button type="button" class="link" onClick={() => setCustomRows((rows) => [...rows, ['', '']])}>
                + {t('addCustom')}
              </button>
            </fieldset>
          </details>
          {ANALYTICS.some((p) => offered.has(p)) && (
            <fieldset class="analytics">
              <legend>{t('analyticsFilters')}</legend>
              <div class="grid">
                {offered.has('sentiment') && (
                  <Field label={t(FILTER_LABEL.sentiment)} id="f-sentiment">
                    <select
                      id="f-sentiment"
                      value={form.sentiment ?? ''}
                      onChange={(e) => set('sentiment', valueOf(e))}
                    >
                      <option value="">{t('any')}</option>
                      {['positive', 'neutral', 'negative'].map((v) => (
                        <option key={v} value={v}>
                          {t(`sentimentLabel_${v}` as MessageKey)}
                        </option>
                      ))}
                    </select>
                  </Field>
                )}
                {offered.has('sentimentParty') && (
                  <Field label={t(FILTER_LABEL.sentimentParty)} id="f-sentimentParty">
                    <select
                      id="f-sentimentParty"
                      value={form.sentimentParty ?? ''}
                      disabled={!form.sentiment}
                      onChange={(e) => set('sentimentParty', valueOf(e))}
                    >
                      <option value="">{t('customer')}</option>
                      <option value="agent">{t('agent')}</option>
                      <option value="overall">{t('f_wholeCall')}</option>
                    </select>
                  </Field>
                )}
                {offered.has('disclosure') && (
                  <Field label={t(FILTER_LABEL.disclosure)} id="f-disclosure">
                    <select
                      id="f-disclosure"
                      value={form.disclosure ?? ''}
                      onChange={(e) => set('disclosure', valueOf(e))}
                    >
                      <option value="">{t('any')}</option>
                      <option value="disclosed">{t('disclosed')}</option>
                      <option value="late,partial,missing">{t('notOnTime')}</option>
                      <option value="late">{t('late')}</option>
                      <option value="partial">{t('partial')}</option>
                      <option value="missing">{t('missing')}</option>
                      {form.disclosure && !DISCLOSURE_CHOICES.includes(form.disclosure) && (
                        <option value={form.disclosure}>
                          {form.disclosure
                            .split(',')
                            .map((o, i) =>
                              i === 0 ? labelOf(t, 'outcome_', o) : labelOf(t, 'outcome_', o).toLowerCase(),
                            )
                            .join(t('orSeparator'))}
                        </option>
                      )}
                    </select>
                  </Field>
                )}
                {offered.has('adherenceBelow') && (
                  <Field label={t(FILTER_LABEL.adherenceBelow)} id="f-adherenceBelow">
                    <input
                      id="f-adherenceBelow"
                      type="number"
                      min="0"
                      max="100"
                      step="1"
                      inputMode="numeric"
                      value={form.adherenceBelow ?? ''}
                      onInput={(e) => set('adherenceBelow', valueOf(e))}
                    />
                  </Field>
                )}
                {offered.has('keyword') && (
                  <Field label={t(FILTER_LABEL.keyword)} id="f-keyword">
                    <select
                      id="f-keyword"
                      value={form.keyword ?? ''}
                      onChange={(e) => set('keyword', valueOf(e))}
                    >
                      <option value="">{t('any')}</option>
                      {KEYWORDS.map((k) => (
                        <option key={k} value={k}>
                          {t(`kw_${k}` as MessageKey)}
                        </option>
                      ))}
                      {form.keyword && !KEYWORDS.includes(form.keyword) && (
                        <option value={form.keyword}>{form.keyword}</option>
                      )}
                    </select>
                  </Field>
                )}
                {offered.has('promiseToPay') && yesNo('promiseToPay', t('f_promiseToPay'))}
                {offered.has('redacted') && yesNo('redacted', t('f_redacted'))}
                {otherParams.map((p) =>
                  input({ name: p, label: 'f_otherFilter', kind: 'text', labelParams: { name: p } }),
                )}
              </div>
            </fieldset>
          )}
          <div class="actions">
            <button type="submit" class="primary">
              {t('search')}
            </button>
            <button type="button" onClick={reset}>
              {t('reset')}
            </button>
          </div>
        </form>

        <section aria-labelledby="results-h" class="results">
          <div class="results-head">
            <h2 id="results-h">
              {t('results')} <span class="muted">· {t('pageN', { n: page })}</span>
            </h2>
            <details class="columns-picker">
              <summary>{t('columns')}</summary>
              <fieldset>
                <legend>{t('columnsHelp')}</legend>
                {COLUMNS.map((col) => (
                  <label key={col}>
                    <input
                      type="checkbox"
                      checked={columns.includes(col)}
                      onChange={(e) => toggleColumn(col, (e.currentTarget as HTMLInputElement).checked)}
                    />{' '}
                    {t(COLUMN_LABEL[col])}
                  </label>
                ))}
              </fieldset>
            </details>
          </div>
          <ListState of={results} empty={t('noResults')} />
          {results.data && results.data.items.length > 0 && (
            <div class="table-wrap">
              <table class="calls" aria-busy={results.loading}>
                <thead>
                  <tr>
                    {sortHead('startedAt', t('startedAt'))}
                    {columns.map((col) =>
                      col === 'durationMs' ? (
                        sortHead('durationMs', t('duration'))
                      ) : (
                        <th scope="col" key={col}>
                          {t(COLUMN_LABEL[col])}
                        </th>
                      ),
                    )}
                  </tr>
                </thead>
                <tbody>
                  {results.data.items.map((c) => (
                    <tr key={c.id}>
                      <td class="nowrap">
                        <a href={`/calls/${c.id}`}>{formatDateTime(c.startedAt, lang)}</a>
                      </td>
                      {columns.map((col) => cell(c, col))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav class="pager" aria-label={t('results')}>
            <button
              type="button"
              disabled={cursors.length === 0}
              onClick={() => {
                const prev = cursors.slice(0, -1);
                setCursors(prev);
                goPage(prev[prev.length - 1] ?? null);
              }}
            >
              ← {t('prevPage')}
            </button>
            <button
              type="button"
              disabled={!results.data?.nextCursor}
              onClick={() => {
                const next = results.data!.nextCursor!;
                setCursors((c) => [...c, next]);
                goPage(next);
              }}
            >
              {t('nextPage')} →
            </button>
          </nav>
        </section>
      </div>
      <SearchAside applied={applied} canHold={can(me, 'retention')} />
    </div>
  );
}

function sortIcon(state: 'ascending' | 'descending' | 'none'): string {
  return state === 'ascending' ? '▲' : state === 'descending' ? '▼' : '↕';
}

/** Saved searches (open, delete, save the current one) and, for those who may, a legal hold on a search. */
function SearchAside({ applied, canHold }: { applied: Record<string, string>; canHold: boolean }) {
  const { t } = useI18n();
  const saved = useAsync(() => api<{ items: SavedSearch[] }>('/saved-searches'), []);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const { sort: _sort, ...query } = applied;
      await api('/saved-searches', { method: 'POST', body: { name, query } });
      setName('');
      setMessage(t('savedOk'));
      saved.reload();
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  const remove = async (id: string) => {
    await api(`/saved-searches/${id}`, { method: 'DELETE' });
    saved.reload();
  };

  return (
    <aside>
      <Panel title={t('savedSearches')} id="saved">
        {saved.error && <ErrorBox error={saved.error} />}
        {saved.data && saved.data.items.length === 0 && <p class="muted">{t('noSaved')}</p>}
        {saved.data && saved.data.items.length > 0 && (
          <ul class="saved">
            {saved.data.items.map((s) => (
              <li key={s.id}>
                <a href={`/?${new URLSearchParams(s.query).toString()}`}>{s.name}</a>
                <button
                  type="button"
                  class="link danger"
                  aria-label={`${t('delete')} ${s.name}`}
                  onClick={() => remove(s.id)}
                >
                  ✕
                </button>
              </li>
            ))}
          </ul>
        )}
        <form onSubmit={save} class="save-search">
          <InputField
            label={t('searchName')}
            id="save-name"
            required
            maxLength={200}
            value={name}
            onValue={setName}
          />
          <button type="submit">{t('saveSearch')}</button>
          <Outcome message={message} error={error} />
        </form>
      </Panel>
      {canHold && <HoldSearch applied={applied} saved={saved.data?.items ?? []} />}
    </aside>
  );
}

/** A legal hold on the filters applied now, or on a saved search (which holds what it finds as it changes). */
function HoldSearch({ applied, saved }: { applied: Record<string, string>; saved: SavedSearch[] }) {
  const { t } = useI18n();
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { sort: _sort, limit: _limit, ...query } = applied;
  const hasFilter = Object.keys(query).length > 0;

  const place = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    if (target === '' && !hasFilter) {
      setError(t('holdSearch_needFilter'));
      return;
    }
    try {
      const body = target === '' ? { query, reason } : { savedSearchId: target, reason };
      await api('/legal-holds', { method: 'POST', body });
      setReason('');
      setMessage(t('holdSearch_done'));
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  return (
    <Panel title={t('holdSearch_title')} id="hold-search">
      <p class="muted small">{t('holdSearch_help')}</p>
      <form onSubmit={place} class="save-search hold-search">
        <Field label={t('holdSearch_what')} id="hold-target">
          <select id="hold-target" value={target} onChange={(e) => setTarget(valueOf(e))}>
            <option value="">{t('holdSearch_current')}</option>
            {saved.length > 0 && (
              <optgroup label={t('savedSearches')}>
                {saved.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </Field>
        <InputField
          label={t('holdReason')}
          id="hold-reason"
          required
          maxLength={2000}
          value={reason}
          onValue={setReason}
        />
        <button type="submit">{t('addHold')}</button>
        <Outcome message={message} error={error} />
      </form>
    </Panel>
  );
}

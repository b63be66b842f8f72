import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, type CallSummary, type Me, type Page, type SavedSearch } from '../api.ts';
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
import { formatAmount, formatDateTime, formatDuration, isoToLocal, localToIso } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { navigate, useLocation } from '../router.ts';

type Kind = 'text' | 'number' | 'seconds' | 'datetime' | 'direction' | 'party' | 'source';
interface FilterDef {
  name: string;
  label: MessageKey;
  kind: Kind;
  help?: MessageKey;
}

const BASIC: FilterDef[] = [
  { name: 'from', label: 'from', kind: 'datetime' },
  { name: 'to', label: 'to', kind: 'datetime' },
  { name: 'agentName', label: 'agentName', kind: 'text' },
  { name: 'campaign', label: 'campaign', kind: 'text' },
  { name: 'disposition', label: 'disposition', kind: 'text' },
  { name: 'number', label: 'number', kind: 'text' },
];

const MORE: FilterDef[] = [
  { name: 'direction', label: 'direction', kind: 'direction' },
  { name: 'agentId', label: 'agentId', kind: 'text' },
  { name: 'team', label: 'team', kind: 'text' },
  { name: 'customerRef', label: 'customerRef', kind: 'text' },
  { name: 'reason', label: 'reason', kind: 'text' },
  { name: 'product', label: 'product', kind: 'text' },
  { name: 'region', label: 'region', kind: 'text' },
  { name: 'language', label: 'lang', kind: 'text' },
  { name: 'currency', label: 'currency', kind: 'text' },
  { name: 'source', label: 'source', kind: 'source' },
  { name: 'callerNumber', label: 'callerNumber', kind: 'text' },
  { name: 'calleeNumber', label: 'calleeNumber', kind: 'text' },
  { name: 'sipCallId', label: 'sipCallId', kind: 'text' },
  { name: 'externalId', label: 'externalId', kind: 'text' },
  { name: 'minDurationMs', label: 'minDuration', kind: 'seconds' },
  { name: 'maxDurationMs', label: 'maxDuration', kind: 'seconds' },
  { name: 'minDaysPastDue', label: 'minDaysPastDue', kind: 'number' },
  { name: 'maxDaysPastDue', label: 'maxDaysPastDue', kind: 'number' },
  { name: 'minAmountDue', label: 'minAmountDue', kind: 'number' },
  { name: 'maxAmountDue', label: 'maxAmountDue', kind: 'number' },
];

const KNOWN = new Set(
  [...BASIC, ...MORE].map((f) => f.name).concat(['q', 'party', 'custom', 'limit', 'cursor', 'sort']),
);
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
  const analyticsParams = me.capabilities.searchParams.filter((p) => !KNOWN.has(p));

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
        control = (
          <input
            id={id}
            type="datetime-local"
            value={isoToLocal(value)}
            onInput={(e) => set(f.name, localToIso(valueOf(e)) ?? '')}
          />
        );
        break;
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
                {s}
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
        <label for={id}>{t(f.label)}</label>
        {control}
      </div>
    );
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
          {analyticsParams.length > 0 && (
            <fieldset>
              <legend>{t('analyticsFilters')}</legend>
              <div class="grid">
                {analyticsParams.map((p) => input({ name: p, label: p as MessageKey, kind: 'text' }))}
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
          <h2 id="results-h">
            {t('results')} <span class="muted">· {t('pageN', { n: page })}</span>
          </h2>
          <ListState of={results} empty={t('noResults')} />
          {results.data && results.data.items.length > 0 && (
            <div class="table-wrap">
              <table class="calls" aria-busy={results.loading}>
                <thead>
                  <tr>
                    {sortHead('startedAt', t('startedAt'))}
                    {sortHead('durationMs', t('duration'))}
                    <th scope="col">{t('direction')}</th>
                    <th scope="col">{t('agent')}</th>
                    <th scope="col">{t('team')}</th>
                    <th scope="col">{t('campaign')}</th>
                    <th scope="col">{t('disposition')}</th>
                    <th scope="col">{t('customerRef')}</th>
                    <th scope="col">{t('amountDue')}</th>
                    <th scope="col">{t('numbers')}</th>
                    <th scope="col">{t('lang')}</th>
                  </tr>
                </thead>
                <tbody>
                  {results.data.items.map((c) => (
                    <tr key={c.id}>
                      <td class="nowrap">
                        <a href={`/calls/${c.id}`}>{formatDateTime(c.startedAt, lang)}</a>
                      </td>
                      <td class="num">{formatDuration(c.durationMs)}</td>
                      <td>{c.direction ? t(c.direction) : '—'}</td>
                      <td>{c.agentName ?? c.agentId ?? '—'}</td>
                      <td>{c.team ?? '—'}</td>
                      <td>{c.campaign ?? '—'}</td>
                      <td>{c.disposition ?? '—'}</td>
                      <td>{c.customerRef ?? '—'}</td>
                      <td class="num">{formatAmount(c.amountDue, c.currency, lang)}</td>
                      <td class="nowrap">
                        {c.callerNumber ?? '—'} → {c.calleeNumber ?? '—'}
                      </td>
                      <td>{c.language ?? '—'}</td>
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
      <SavedSearches applied={applied} />
    </div>
  );
}

function sortIcon(state: 'ascending' | 'descending' | 'none'): string {
  return state === 'ascending' ? '▲' : state === 'descending' ? '▼' : '↕';
}

function SavedSearches({ applied }: { applied: Record<string, string> }) {
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
      setError(err instanceof ApiError ? err.message : String(err));
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
    </aside>
  );
}

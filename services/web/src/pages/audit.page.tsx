import { useState } from 'preact/hooks';
import { API, api, queryString, type AuditEntry, type AuditVerify, type Me } from '../api.ts';
import { Field, InputField, ListTable, Notice, useAsync, valueOf } from '../components/common.tsx';
import { DateField } from '../components/date-field.tsx';
import { formatDateTime, isoToLocal, localToIso, shortId } from '../format.ts';
import { decimal, labelOf, plural } from '../labels.ts';
import { describeQuery } from '../search-query.ts';
import { FilterForm } from '../components/report-filter.tsx';
import { MESSAGES, useI18n, type Lang, type MessageKey } from '../i18n.ts';

/** The actions the UI has a name for, as the action filter offers them. */
const ACTIONS = Object.keys(MESSAGES.en)
  .filter((k) => k.startsWith('act_'))
  .map((k) => k.slice(4));

/** An audit action in the user's language; one the UI does not know yet is shown with spaces for underscores. */
function useActionText(): (action: string) => string {
  const { t } = useI18n();
  return (action) =>
    `act_${action}` in MESSAGES.en ? t(`act_${action}` as MessageKey) : action.replaceAll('_', ' ');
}

export function AuditPage(_props: { me: Me }) {
  const { t, lang } = useI18n();
  const actionText = useActionText();
  const [form, setForm] = useState<Record<string, string>>({});
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const page = useAsync(
    () =>
      api<{ items: AuditEntry[]; nextCursor: string | null }>('/audit', {
        query: { ...filter, limit: '50', ...(cursor ? { cursor } : {}) },
      }),
    [JSON.stringify(filter), cursor],
  );
  const [verify, setVerify] = useState<AuditVerify | null>(null);

  const set = (k: string, v: string) => setForm((f) => ({ ...f, [k]: v }));
  /** A date-time bound of the filter: shown in local time, kept as ISO. */
  const time = (k: 'from' | 'to') => (
    <DateField
      label={t(k)}
      id={`a-${k}`}
      kind="datetime"
      at={k === 'to' ? 'end' : 'start'}
      value={isoToLocal(form[k])}
      onValue={(v) => set(k, localToIso(v) ?? '')}
    />
  );
  const bind = (k: string) => ({ value: form[k] ?? '', onValue: (v: string) => set(k, v) });
  const apply = (e: Event) => {
    e.preventDefault();
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) if (v.trim()) clean[k] = v.trim();
    setCursors([]);
    setFilter(clean);
  };

  return (
    <div>
      <h1>{t('auditTitle')}</h1>
      <FilterForm
        onSubmit={apply}
        actions={
          <>
            <a
              class="button"
              href={`${API}/audit.csv${queryString(filter)}`}
              download
              data-testid="export-csv"
            >
              ↓ {t('exportCsv')}
            </a>
            <button
              type="button"
              onClick={async () => {
                setVerify(await api<AuditVerify>('/audit/verify'));
                page.reload();
              }}
            >
              {t('verifyChain')}
            </button>
          </>
        }
        footer={
          verify && (
            <Notice kind={verify.ok ? 'ok' : 'warn'}>
              {verify.ok
                ? plural(t, 'chainOk', verify.checked)
                : t('chainBad', { id: verify.firstBad?.id ?? '?', problem: verify.firstBad?.problem ?? '?' })}
            </Notice>
          )
        }
      >
        {time('from')}
        {time('to')}
        <Field label={t('action')} id="a-action">
          <select id="a-action" value={form.action ?? ''} onChange={(e) => set('action', valueOf(e))}>
            <option value="">{t('anyAction')}</option>
            {ACTIONS.map((a) => [a, actionText(a)] as const)
              .sort((a, b) => a[1].localeCompare(b[1], lang))
              .map(([a, text]) => (
                <option key={a} value={a}>
                  {text}
                </option>
              ))}
          </select>
        </Field>
        <InputField label={t('actor')} id="a-actor" {...bind('actor')} />
        <InputField label={t('call')} id="a-call" {...bind('callId')} />
      </FilterForm>
      <ListTable
        of={page}
        empty={t('noAudit')}
        class="audit"
        busy={page.loading}
        labels={['#', t('when'), t('actor'), t('action'), t('call'), t('client'), t('details')]}
      >
        {(e) => (
          <tr key={e.id}>
            <td class="num">{e.id}</td>
            <td class="nowrap">{formatDateTime(e.at, lang)}</td>
            <td>
              {e.actorName ?? e.actorType}
              {e.actorRole ? <span class="muted"> · {labelOf(t, 'role_', e.actorRole)}</span> : null}
            </td>
            <td>
              <span class={`badge action-${e.action}`} data-action={e.action}>
                {actionText(e.action)}
              </span>
            </td>
            <td>
              {e.callId ? (
                <a href={`/calls/${e.callId}`}>{shortId(e.callId)}</a>
              ) : e.targetType ? (
                `${labelOf(t, 'target_', e.targetType)} ${shortId(e.targetId ?? '')}`.trim()
              ) : (
                '—'
              )}
            </td>
            <td class="small" title={e.userAgent ?? ''}>
              {e.clientIp ?? '—'}
            </td>
            <td class="small details">
              <DetailsList details={e.details} targetType={e.targetType} />
            </td>
          </tr>
        )}
      </ListTable>
      <nav class="pager" aria-label={t('results')}>
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          ← {t('prevPage')}
        </button>
        <button
          type="button"
          disabled={!page.data?.nextCursor}
          onClick={() => setCursors((c) => [...c, page.data!.nextCursor!])}
        >
          {t('nextPage')} →
        </button>
      </nav>
    </div>
  );
}

/** The names of the details entries carry most often, in the UI's words; others are shown as they are named. */
const DETAIL_LABEL: Record<string, MessageKey> = {
  kind: 'detail_kind',
  score: 'score',
  formId: 'detail_form',
  formVersion: 'detail_version',
  version: 'detail_version',
  calibration: 'detail_calibration',
  queue: 'detail_queue',
  name: 'displayName',
  username: 'user',
  role: 'role',
  teams: 'teams',
  languages: 'languages',
  reason: 'reason',
  campaign: 'campaign',
  disposition: 'disposition',
  title: 'clipTitle',
  startMs: 'clipStart',
  endMs: 'clipEnd',
  format: 'detail_format',
  bytes: 'detail_bytes',
  recording: 'detail_kind',
  checked: 'detail_checked',
  ok: 'detail_ok',
};

/** Details whose meaning depends on what the entry is about: a real-time alert's kind is the alert's, not a recording's. */
const TARGET_DETAIL_LABEL: Record<string, Record<string, MessageKey>> = {
  live_alert: { kind: 'alertKind', already: 'detail_alreadyAcknowledged' },
};
const TARGET_DETAIL_VALUE: Record<string, Record<string, string>> = {
  live_alert: { kind: 'alertKind_' },
};

function detailLabel(key: string, t: (k: MessageKey) => string, targetType: string | null): string {
  const label = (targetType && TARGET_DETAIL_LABEL[targetType]?.[key]) || DETAIL_LABEL[key];
  return label ? t(label) : key;
}

function detailValue(
  key: string,
  value: unknown,
  t: (k: MessageKey) => string,
  lang: Lang,
  targetType: string | null,
): string {
  const prefix = targetType ? TARGET_DETAIL_VALUE[targetType]?.[key] : undefined;
  if (prefix && typeof value === 'string') return labelOf(t, prefix, value);
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (value === true) return t('yes');
  if (value === false) return t('no');
  if (value === null || value === undefined) return '—';
  if ((key === 'startMs' || key === 'endMs') && typeof value === 'number') return decimal(value / 1000, lang);
  if (key === 'role' && typeof value === 'string') return labelOf(t, 'role_', value);
  if ((key === 'kind' || key === 'recording') && typeof value === 'string')
    return labelOf(t, 'recordingKind_', value);
  return typeof value === 'number' ? decimal(value, lang, 2) : String(value);
}

/** The details of an entry as `field: value` lines; nested objects by their path (filter · campaign: x). */
function DetailsList({ details, targetType }: { details: unknown; targetType: string | null }) {
  const { t, lang } = useI18n();
  const lines: [string, string][] = [];
  const walk = (value: unknown, path: string[]) => {
    // A search's or a report's filters, as the search page names them.
    if (path.length === 1 && (path[0] === 'query' || path[0] === 'filter') && isStrings(value)) {
      const words = describeQuery(value, t, lang);
      if (words) lines.push([t('filters'), words]);
      return;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    } else {
      const name = path[path.length - 1] ?? '';
      lines.push([
        path.map((k) => detailLabel(k, t, targetType)).join(' · '),
        detailValue(name, value, t, lang, targetType),
      ]);
    }
  };
  walk(details, []);
  if (lines.length === 0) return <>—</>;
  return (
    <ul class="details-list">
      {lines.map(([k, v], i) => (
        <li key={i}>
          {k ? <span class="muted">{k}: </span> : null}
          {v}
        </li>
      ))}
    </ul>
  );
}

const isStrings = (v: unknown): v is Record<string, string> =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string' || typeof x === 'number');

import { useState } from 'preact/hooks';
import {
  api,
  type LegalHold as Hold,
  type RetentionPolicy as Policy,
  type RetentionReport as Report,
  type SavedSearch,
  type Tombstone,
} from '../api.ts';
import {
  ColumnHeads,
  ErrorBox,
  Field,
  InputField,
  Outcome,
  Panel,
  useAction,
  useAsync,
  valueOf,
} from '../components/common.tsx';
import { formatDateTime, shortId } from '../format.ts';
import { describeQuery } from '../search-query.ts';
import { useI18n } from '../i18n.ts';
import { plural } from '../labels.ts';

export function RetentionPage() {
  const { t, lang } = useI18n();
  const policies = useAsync(() => api<{ items: Policy[] }>('/retention/policies'), []);
  const holds = useAsync(() => api<{ items: Hold[] }>('/legal-holds'), []);
  const tombstones = useAsync(() => api<{ items: Tombstone[] }>('/retention/tombstones'), []);
  const saved = useAsync(() => api<{ items: SavedSearch[] }>('/saved-searches'), []);
  const [policy, setPolicy] = useState({
    name: '',
    campaign: '',
    disposition: '',
    maxAgeDays: '',
    action: 'delete',
  });
  const [hold, setHold] = useState({ callId: '', savedSearchId: '', reason: '' });
  const { run, message, error } = useAction(() => {
    policies.reload();
    holds.reload();
    tombstones.reload();
  });

  const runRetention = (dryRun: boolean) =>
    run(async () => {
      if (!dryRun && !window.confirm(t('confirmRun'))) return null;
      const r = await api<Report>('/retention/run', { method: 'POST', body: { dryRun } });
      return `${dryRun ? `${t('dryRun')}: ` : ''}${[
        plural(t, 'runExpired', r.expired),
        plural(t, 'runDeleted', r.deleted.length),
        plural(t, 'runHeld', r.held.length),
        plural(t, 'runFailed', r.failed.length),
      ].join(', ')}.`;
    });

  return (
    <div>
      <h1>{t('retentionTitle')}</h1>
      <Outcome message={message} error={error} />
      <Panel title={t('policies')} id="policies">
        {policies.error && <ErrorBox error={policies.error} />}
        {policies.data && policies.data.items.length === 0 && <p class="muted">{t('noPolicies')}</p>}
        {policies.data && policies.data.items.length > 0 && (
          <table>
            <ColumnHeads
              labels={[
                t('policyName'),
                t('campaign'),
                t('disposition'),
                t('maxAgeDays'),
                t('policyAction'),
                t('enabled'),
              ]}
              action={t('action')}
            />
            <tbody>
              {policies.data.items.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td>{p.campaign ?? <span class="muted">{t('anyValue')}</span>}</td>
                  <td>{p.disposition ?? <span class="muted">{t('anyValue')}</span>}</td>
                  <td class="num">{p.maxAgeDays ?? '—'}</td>
                  <td>{p.action === 'delete' ? t('actionDelete') : t('actionKeep')}</td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${t('enabled')}: ${p.name}`}
                      checked={p.enabled}
                      onChange={() =>
                        run(() =>
                          api(`/retention/policies/${p.id}`, {
                            method: 'PATCH',
                            body: { enabled: !p.enabled },
                          }),
                        )
                      }
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      class="link danger"
                      onClick={() => run(() => api(`/retention/policies/${p.id}`, { method: 'DELETE' }))}
                    >
                      {t('delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form
          class="grid"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await api('/retention/policies', {
                method: 'POST',
                body: {
                  name: policy.name,
                  campaign: policy.campaign || null,
                  disposition: policy.disposition || null,
                  maxAgeDays: policy.maxAgeDays === '' ? null : Number(policy.maxAgeDays),
                  action: policy.action,
                },
              });
              setPolicy({ name: '', campaign: '', disposition: '', maxAgeDays: '', action: 'delete' });
            });
          }}
        >
          <InputField
            label={t('policyName')}
            id="p-name"
            required
            value={policy.name}
            onValue={(v) => setPolicy({ ...policy, name: v })}
          />
          <InputField
            label={t('campaign')}
            id="p-campaign"
            placeholder={t('anyValue')}
            value={policy.campaign}
            onValue={(v) => setPolicy({ ...policy, campaign: v })}
          />
          <InputField
            label={t('disposition')}
            id="p-disposition"
            placeholder={t('anyValue')}
            value={policy.disposition}
            onValue={(v) => setPolicy({ ...policy, disposition: v })}
          />
          <Field label={t('maxAgeDays')} id="p-days">
            <input
              id="p-days"
              type="number"
              min="0"
              required={policy.action === 'delete'}
              value={policy.maxAgeDays}
              onInput={(e) => setPolicy({ ...policy, maxAgeDays: valueOf(e) })}
            />
          </Field>
          <Field label={t('policyAction')} id="p-action">
            <select
              id="p-action"
              value={policy.action}
              onChange={(e) => setPolicy({ ...policy, action: valueOf(e) })}
            >
              <option value="delete">{t('actionDelete')}</option>
              <option value="keep">{t('actionKeep')}</option>
            </select>
          </Field>
          <div class="actions">
            <button type="submit">{t('addPolicy')}</button>
          </div>
        </form>
        <div class="actions">
          <button type="button" onClick={() => runRetention(true)}>
            {t('dryRun')}
          </button>
          <button type="button" class="danger" onClick={() => runRetention(false)}>
            {t('runNow')}
          </button>
        </div>
      </Panel>

      <Panel title={t('legalHolds')} id="holds">
        {holds.data && holds.data.items.length === 0 && <p class="muted">{t('noHolds')}</p>}
        {holds.data && holds.data.items.length > 0 && (
          <ul class="plain">
            {holds.data.items.map((h) => (
              <li key={h.id}>
                {h.callId ? (
                  <a href={`/calls/${h.callId}`}>
                    {t('call')} {shortId(h.callId)}
                  </a>
                ) : h.query ? (
                  <a href={`/?${new URLSearchParams(h.query).toString()}`}>
                    {t('holdOnSearch', { filters: describeQuery(h.query, t, lang) })}
                  </a>
                ) : (
                  <span>
                    {t('holdOnSaved', {
                      name: saved.data?.items.find((s) => s.id === h.savedSearchId)?.name ?? '—',
                    })}
                  </span>
                )}{' '}
                — {h.reason} <span class="muted">({formatDateTime(h.createdAt, lang)})</span>{' '}
                <button
                  type="button"
                  class="link"
                  onClick={() => {
                    const reason = window.prompt(t('releaseReason'));
                    if (reason)
                      void run(() =>
                        api(`/legal-holds/${h.id}/release`, { method: 'POST', body: { reason } }),
                      );
                  }}
                >
                  {t('release')}
                </button>
              </li>
            ))}
          </ul>
        )}
        <form
          class="grid"
          onSubmit={(e) => {
            e.preventDefault();
            void run(async () => {
              await api('/legal-holds', {
                method: 'POST',
                body: {
                  reason: hold.reason,
                  ...(hold.callId ? { callId: hold.callId.trim() } : { savedSearchId: hold.savedSearchId }),
                },
              });
              setHold({ callId: '', savedSearchId: '', reason: '' });
            });
          }}
        >
          <InputField
            label={t('holdCall')}
            id="h-call"
            value={hold.callId}
            onValue={(v) => setHold({ ...hold, callId: v })}
          />
          <Field label={t('holdSearch')} id="h-search">
            <select
              id="h-search"
              value={hold.savedSearchId}
              disabled={Boolean(hold.callId)}
              onChange={(e) => setHold({ ...hold, savedSearchId: valueOf(e) })}
            >
              <option value="">{t('holdNoSaved')}</option>
              {saved.data?.items.map((s) => (
                <option value={s.id} key={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
          <InputField
            label={t('holdReason')}
            id="h-reason"
            grow
            required
            minLength={3}
            value={hold.reason}
            onValue={(v) => setHold({ ...hold, reason: v })}
          />
          <div class="actions">
            <button type="submit">{t('addHold')}</button>
          </div>
        </form>
      </Panel>

      <Panel title={t('tombstones')} id="tombstones">
        {tombstones.data && tombstones.data.items.length === 0 && <p class="muted">{t('noTombstones')}</p>}
        {tombstones.data && tombstones.data.items.length > 0 && (
          <table class="compact">
            <ColumnHeads labels={[t('call'), t('startedAt'), t('campaign'), t('policyName'), t('when')]} />
            <tbody>
              {tombstones.data.items.map((x) => (
                <tr key={x.callId}>
                  <td>
                    <code>{shortId(x.callId)}</code>
                  </td>
                  <td>{formatDateTime(x.startedAt, lang)}</td>
                  <td>{x.campaign ?? '—'}</td>
                  <td>{x.policyName ?? '—'}</td>
                  <td>{formatDateTime(x.deletedAt, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}

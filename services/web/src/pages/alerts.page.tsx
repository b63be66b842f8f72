import { useState } from 'preact/hooks';
import { api, type LiveAlertView } from '../api.ts';
import { ListTable, Outcome, useAction, useAsync } from '../components/common.tsx';
import { alertDetail, formatClock, formatDateTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { liveCallHref } from '../live-alerts.ts';
import { labelOf } from '../labels.ts';

/** Real-time alerts in the viewer's scope, unacknowledged first: acknowledge one, listen to its call live. */
export function AlertsPage() {
  const { t, lang } = useI18n();
  const [openOnly, setOpenOnly] = useState(false);
  const list = useAsync(
    () =>
      api<{ items: LiveAlertView[] }>('/live/alerts', {
        query: { state: openOnly ? 'open' : 'all', limit: '200' },
      }),
    [openOnly],
  );
  const action = useAction(list.reload);
  return (
    <div>
      <h1>{t('alertsTitle')}</h1>
      <label class="checkbox">
        <input
          type="checkbox"
          checked={openOnly}
          onChange={(e) => setOpenOnly((e.currentTarget as HTMLInputElement).checked)}
        />{' '}
        {t('alertsOpenOnly')}
      </label>
      <Outcome message={action.message} error={action.error} />
      <ListTable
        of={list}
        empty={t('alertsEmpty')}
        class="alerts-table"
        labels={[
          t('alertKind'),
          t('alertDetail'),
          t('alertAt'),
          t('alertRaised'),
          t('alertAgent'),
          t('alertState'),
        ]}
        action={t('alertAcknowledge')}
      >
        {(a: LiveAlertView) => {
          return (
            <tr key={a.alertId} data-testid="alert-row">
              <td>{labelOf(t, 'alertKind_', a.kind)}</td>
              <td>{alertDetail(a.kind, a.detail, t)}</td>
              <td>{formatClock(a.atMs / 1000)}</td>
              <td>{formatDateTime(a.raisedAt, lang)}</td>
              <td>{a.agentId ?? '—'}</td>
              <td>
                {a.acknowledgedAt ? (
                  t('alertAcknowledged', { who: a.acknowledgedBy ?? '—' })
                ) : a.callId ? (
                  <a href={`/calls/${a.callId}`}>{t('alertOpenCall')}</a>
                ) : (
                  <a href={liveCallHref(a.captureId)}>{t('live_listen')}</a>
                )}
              </td>
              <td>
                {!a.acknowledgedAt && (
                  <button
                    type="button"
                    onClick={() =>
                      action.run(async () => {
                        await api(`/live/alerts/${a.alertId}/acknowledge`, { method: 'POST' });
                        return t('alertAcknowledgedDone');
                      })
                    }
                  >
                    {t('alertAcknowledge')}
                  </button>
                )}
              </td>
            </tr>
          );
        }}
      </ListTable>
    </div>
  );
}

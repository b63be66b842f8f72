import { api, type LiveAlertView } from '../api.ts';
import { alertDetail, formatDateTime } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { labelOf } from '../labels.ts';
import { SeekTime, type Seek } from './analysis.tsx';
import { ErrorBox, Panel, useAsync } from './common.tsx';

/**
 * The real-time alerts raised while an archived call was in progress (GET /calls/:id/alerts), in call order: what
 * kind, the moment in the call (plays from there), what raised it, and who acknowledged it when. Shown only when the
 * call has any; for those allowed to see alerts.
 */
export function CallAlertsPanel({ callId, onSeek }: { callId: string; onSeek: Seek }) {
  const { t, lang } = useI18n();
  const alerts = useAsync(() => api<{ items: LiveAlertView[] }>(`/calls/${callId}/alerts`), [callId]);
  if (alerts.error) {
    return (
      <Panel title={t('callAlertsTitle')} id="call-alerts">
        <ErrorBox error={alerts.error} onRetry={alerts.reload} />
      </Panel>
    );
  }
  const items = alerts.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <Panel title={t('callAlertsTitle')} id="call-alerts">
      <ul class="call-alerts">
        {items.map((a) => (
          <li key={a.alertId} data-testid="call-alert" data-kind={a.kind}>
            <strong>{labelOf(t, 'alertKind_', a.kind)}</strong> · <SeekTime ms={a.atMs} onSeek={onSeek} />
            <div>
              <span class="muted">{t('alertDetail')}:</span> {alertDetail(a.kind, a.detail, t)}
            </div>
            <div class="muted small" data-testid="call-alert-state">
              {a.acknowledgedAt
                ? t('alertAcknowledgedAt', {
                    who: a.acknowledgedBy ?? t('none'),
                    time: formatDateTime(a.acknowledgedAt, lang),
                  })
                : t('alertNotAcknowledged')}
            </div>
          </li>
        ))}
      </ul>
    </Panel>
  );
}

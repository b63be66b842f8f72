import { useEffect, useState } from 'preact/hooks';
import { api, type LiveAlertView, type LiveLineView, type LiveTranscriptView } from '../api.ts';
import { alertDetail, formatClock } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { openEvents } from '../live-alerts.ts';
import { labelOf } from '../labels.ts';
import { ErrorBox, Loading } from './common.tsx';

/**
 * The live transcript of a call in progress: the lines so far, then each new line and alert as the server sends it
 * (GET /live/calls/:captureId/transcript, then its event stream). Meant for the live call page, beside the player.
 */
export function LiveTranscriptPanel({ captureId }: { captureId: string }) {
  const { t } = useI18n();
  const [view, setView] = useState<LiveTranscriptView | null>(null);
  const [lines, setLines] = useState<LiveLineView[]>([]);
  const [alerts, setAlerts] = useState<LiveAlertView[]>([]);
  const [error, setError] = useState<Error | null>(null);

  useEffect(() => {
    let alive = true;
    setView(null);
    setLines([]);
    setAlerts([]);
    setError(null);
    const close = openEvents<{ line: LiveLineView; alert: LiveAlertView }>(
      `/live/calls/${encodeURIComponent(captureId)}/events`,
      {
        line: (l) => alive && setLines((ls) => add(ls, l)),
        alert: (a) => alive && setAlerts((as) => [...as, a]),
      },
    );
    api<LiveTranscriptView>(`/live/calls/${encodeURIComponent(captureId)}/transcript`).then(
      (v) => {
        if (!alive) return;
        setView(v);
        setLines((ls) => v.lines.reduce(add, ls));
      },
      (e: Error) => alive && setError(e),
    );
    return () => {
      alive = false;
      close();
    };
  }, [captureId]);

  return (
    <section id="transcript" class="panel live-transcript" aria-labelledby="live-transcript-h">
      <h2 id="live-transcript-h">{t('liveTranscriptTitle')}</h2>
      {error && <ErrorBox error={error} />}
      {!error && !view && <Loading />}
      {alerts.length > 0 && (
        <ul class="live-alerts" aria-label={t('alertsTitle')}>
          {alerts.map((a) => {
            return (
              <li key={a.alertId} class="notice notice-warn">
                <strong>{labelOf(t, 'alertKind_', a.kind)}</strong> · {formatClock(a.atMs / 1000)} ·{' '}
                {alertDetail(a.kind, a.detail, t)}
              </li>
            );
          })}
        </ul>
      )}
      {view && lines.length === 0 && <p class="muted">{t('liveTranscriptEmpty')}</p>}
      <ol class="live-lines" aria-live="polite" data-testid="live-lines">
        {lines.map((l) => (
          <li key={`${l.channel}-${l.startMs}`} class={`live-line party-${l.party}`}>
            <span class="muted">{formatClock(l.startMs / 1000)}</span>{' '}
            <strong>{labelOf(t, 'party_', l.party)}:</strong> {l.text}
          </li>
        ))}
      </ol>
      {view && !view.inProgress && (
        <p class="muted">
          {t('liveTranscriptEnded')} {view.complete ? t('liveTranscriptComplete') : ''}
        </p>
      )}
    </section>
  );
}

/** Lines in call order, each once (the stream and the first load may both carry a line). */
function add(lines: LiveLineView[], line: LiveLineView): LiveLineView[] {
  if (lines.some((l) => l.channel === line.channel && l.startMs === line.startMs)) return lines;
  return [...lines, line].sort((a, b) => a.startMs - b.startMs || a.channel - b.channel);
}

import { useEffect, useState } from 'preact/hooks';
import { api, type LiveAlertView } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { liveCallHref } from '../live-alerts.ts';
import { labelOf } from '../labels.ts';

/** How often the shell asks for new alerts. */
const POLL_MS = 4000;

/**
 * The app shell's notice of new real-time alerts in the viewer's scope: each unacknowledged alert raised since the
 * page was opened is shown at the top of every page (with a link to listen to the call live) and announced with a
 * short tone. The shell asks every few seconds rather than holding the alerts' event stream open on every page;
 * pages that follow one call (the live call page) use the stream.
 */
export function AlertNotice() {
  const { t } = useI18n();
  const [shown, setShown] = useState<LiveAlertView[]>([]);
  useEffect(() => {
    const since = Date.now() - POLL_MS;
    const seen = new Set<string>();
    let alive = true;
    const poll = async () => {
      try {
        const { items } = await api<{ items: LiveAlertView[] }>('/live/alerts', {
          query: { state: 'open', limit: '20' },
        });
        const fresh = items.filter((a) => !seen.has(a.alertId) && Date.parse(a.raisedAt) >= since);
        for (const a of items) seen.add(a.alertId);
        if (alive && fresh.length > 0) {
          setShown((s) => [...fresh, ...s].slice(0, 3));
          chime();
        }
      } catch {
        // the next poll tries again
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, []);
  if (shown.length === 0) return null;
  return (
    <div class="alert-notices" role="alert" aria-live="assertive">
      {shown.map((a) => {
        return (
          <div key={a.alertId} class="notice notice-warn" data-testid="alert-notice">
            <strong>{t('alertNew', { kind: labelOf(t, 'alertKind_', a.kind) })}</strong> {a.detail}{' '}
            <a href={liveCallHref(a.captureId)}>{t('alertListen')}</a> <a href="/alerts">{t('navAlerts')}</a>{' '}
            <button
              type="button"
              class="link"
              onClick={() => setShown((s) => s.filter((x) => x.alertId !== a.alertId))}
            >
              {t('alertNewDismiss')}
            </button>
          </div>
        );
      })}
    </div>
  );
}

/** Two short tones (the browser may refuse sound before the user has interacted with the page). */
function chime(): void {
  try {
    const Ctx =
      window.AudioContext ??
      (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
    if (!Ctx) return;
    const ctx = new Ctx();
    [0, 0.18].forEach((at, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = i === 0 ? 880 : 660;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.14);
    });
    setTimeout(() => void ctx.close(), 800);
  } catch {
    // no sound: the visible notice remains
  }
}

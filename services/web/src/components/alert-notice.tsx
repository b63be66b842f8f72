import { useEffect, useState } from 'preact/hooks';
import { api, type LiveAlertView } from '../api.ts';
import { alertDetail } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { liveCallHref } from '../live-alerts.ts';
import { openSharedEvents } from '../shared-events.ts';
import { labelOf } from '../labels.ts';

/** How often the shell asks for new alerts once the alerts' event stream cannot be had. */
const POLL_MS = 4000;
/** How far before the page was opened an alert still counts as new (the browser's clock may be behind the server's). */
const GRACE_MS = 4000;

/** How the notice hears of alerts: the event stream (connecting, open) or, once the stream failed, asking. */
type Feed = 'connecting' | 'open' | 'polling';

/**
 * The app shell's notice of new real-time alerts in the viewer's scope: each alert raised since the page was opened
 * is shown at the top of every page as soon as the server raises it (GET /live/alerts/events, one stream for all the
 * browser's tabs: shared-events.ts), with a link to listen to the call live, and announced with a short tone. Whenever the stream (re)opens, the alerts raised meanwhile are
 * asked for once; where the stream cannot be had at all, the notice asks every few seconds instead.
 */
export function AlertNotice() {
  const { t } = useI18n();
  const [shown, setShown] = useState<LiveAlertView[]>([]);
  const [feed, setFeed] = useState<Feed>('connecting');
  useEffect(() => {
    const since = Date.now() - GRACE_MS;
    const seen = new Set<string>();
    let alive = true;
    /** This tab holds the alerts' stream for the browser's tabs. */
    let holder = false;
    let poller: ReturnType<typeof setInterval> | undefined;
    const show = (alerts: LiveAlertView[]) => {
      const fresh = alerts.filter((a) => !seen.has(a.alertId));
      for (const a of fresh) seen.add(a.alertId);
      if (!alive || fresh.length === 0) return;
      setShown((s) => [...fresh, ...s].slice(0, 3));
      // Every tab shows it; the tab in view and the one holding the stream sound it (not one tone per tab).
      if (holder || document.visibilityState === 'visible') chime();
    };
    const catchUp = async () => {
      try {
        const { items } = await api<{ items: LiveAlertView[] }>('/live/alerts', {
          query: { state: 'open', limit: '20' },
        });
        show(items.filter((a) => Date.parse(a.raisedAt) >= since));
      } catch {
        // the stream, or the next poll, tries again
      }
    };
    const close = openSharedEvents<{ alert: LiveAlertView }>(
      '/live/alerts/events',
      { alert: (a) => show([a]) },
      {
        onOpen: () => {
          setFeed('open');
          void catchUp();
        },
        onError: (givenUp) => {
          if (!givenUp || poller) return;
          setFeed('polling');
          void catchUp();
          poller = setInterval(() => void catchUp(), POLL_MS);
        },
        onRole: (holds) => (holder = holds),
      },
    );
    return () => {
      alive = false;
      close();
      clearInterval(poller);
    };
  }, []);
  // The live region is there before any alert, so that screen readers announce the first one.
  return (
    <div
      class="alert-notices"
      role="alert"
      aria-live="assertive"
      data-feed={feed}
      data-testid="alert-notices"
    >
      {shown.map((a) => {
        return (
          <div key={a.alertId} class="notice notice-warn" data-testid="alert-notice">
            <strong>{t('alertNew', { kind: labelOf(t, 'alertKind_', a.kind) })}</strong>{' '}
            {alertDetail(a.kind, a.detail, t)} <a href={liveCallHref(a.captureId)}>{t('live_listen')}</a>{' '}
            <a href="/alerts">{t('navAlerts')}</a>{' '}
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

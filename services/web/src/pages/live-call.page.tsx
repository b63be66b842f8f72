import { can, type Me } from '../api.ts';
import { LivePlayer } from '../components/live-player.tsx';
import { LiveTranscriptPanel } from '../components/live-transcript.tsx';
import { useI18n } from '../i18n.ts';

/**
 * A call in progress (`/live/calls/<captureId>`, linked from the live board): listen to it live, and its live transcript
 * beside it (LiveTranscriptPanel: its lines as they are said and its alerts).
 */
export function LiveCallPage({ captureId, me }: { captureId: string; me: Me }) {
  const { t } = useI18n();
  return (
    <div class="live-call-page">
      <p>
        <a href="/live">{t('liveBackToBoard')}</a>
      </p>
      <h1>{t('liveCallTitle')}</h1>
      <p class="muted">{t('liveCallId', { id: captureId })}</p>
      <section class="panel" aria-labelledby="live-listen-h">
        <h2 id="live-listen-h" class="sr-only">
          {t('liveListen')}
        </h2>
        <LivePlayer captureId={captureId} />
      </section>
      {/* The live transcript and alerts are the supervisors' and compliance's (the server's `alerts` rule). */}
      {can(me, 'alerts') && <LiveTranscriptPanel captureId={captureId} />}
    </div>
  );
}

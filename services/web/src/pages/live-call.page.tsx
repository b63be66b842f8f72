import type { Me } from '../api.ts';
import { LivePlayer } from '../components/live-player.tsx';
import { LiveTranscriptSlot } from '../components/live-transcript.slot.tsx';
import { useI18n } from '../i18n.ts';

/**
 * A call in progress (`/live/calls/<captureId>`, linked from the live board): listen to it live, and its live transcript
 * beside it (LiveTranscriptSlot).
 */
export function LiveCallPage({ captureId }: { captureId: string; me: Me }) {
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
      <LiveTranscriptSlot captureId={captureId} />
    </div>
  );
}

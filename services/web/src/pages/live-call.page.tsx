import { LiveTranscriptPanel } from '../components/live-transcript.tsx';
import { useI18n } from '../i18n.ts';

/** A call in progress (`/live/<captureId>`): its live transcript and alerts. */
export function LiveCallPage({ captureId }: { captureId: string }) {
  const { t } = useI18n();
  return (
    <div>
      <h1>
        {t('liveCallTitle')} <span class="muted">{captureId}</span>
      </h1>
      <LiveTranscriptPanel captureId={captureId} />
    </div>
  );
}

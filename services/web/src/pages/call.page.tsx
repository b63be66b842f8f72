import { useMemo, useRef, useState } from 'preact/hooks';
import { readAnalytics } from '../analytics-view.ts';
import {
  API,
  api,
  ApiError,
  can,
  hasRoute,
  type Analysis,
  type CallDetail,
  type Clip,
  type Collection,
  type Me,
  type PaymentPromiseView,
  type Transcript,
} from '../api.ts';
import {
  AdherencePanel,
  DisclosurePanel,
  PiiPanel,
  PromisesPanel,
  QualityPanel,
  SentimentPanel,
  StagesPanel,
  TalkMetricsPanel,
} from '../components/analysis.tsx';
import {
  ErrorBox,
  Field,
  InputField,
  KeyValues,
  Loading,
  Notice,
  Outcome,
  Panel,
  useAsync,
  valueOf,
} from '../components/common.tsx';
import { CallAlertsPanel } from '../components/call-alerts.tsx';
import { Player, type PlayerHandle } from '../components/player.tsx';
import { CorrectionToggle, PromiseCorrection } from '../components/promise-correction.tsx';
import { TranscriptView } from '../components/transcript.tsx';
import { formatAmount, formatDateTime, formatDuration, shortId } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { errorText, labelOf, languageName, shortDate, stageReason } from '../labels.ts';
import { useLocation } from '../router.ts';

export function CallPage({ id, me }: { id: string; me: Me }) {
  const { t, lang } = useI18n();
  const loc = useLocation();
  const call = useAsync(() => api<CallDetail>(`/calls/${id}`), [id]);
  const hasTranscriptApi = hasRoute(me, 'GET /calls/:id/transcript');
  const hasAnalysisApi = hasRoute(me, 'GET /calls/:id/analysis');
  const transcript = useAsync(
    () => (hasTranscriptApi ? api<Transcript>(`/calls/${id}/transcript`) : Promise.resolve(undefined)),
    [id, hasTranscriptApi],
  );
  const analysis = useAsync(
    () => (hasAnalysisApi ? api<Analysis>(`/calls/${id}/analysis`) : Promise.resolve(undefined)),
    [id, hasAnalysisApi],
  );
  const [timeMs, setTimeMs] = useState(0);
  const player = useRef<PlayerHandle | null>(null);
  const [selection, setSelection] = useState<{ start: number; end: number } | null>(null);
  const seek = (s: number) => player.current?.seek(s);
  const startAt = Number(loc.query.get('t') ?? '') || undefined;
  const durationMs = call.data?.durationMs ?? 0;
  const view = useMemo(() => readAnalytics(analysis.data, durationMs), [analysis.data, durationMs]);

  if (call.error) return <ErrorBox error={call.error} onRetry={call.reload} />;
  if (!call.data) return <Loading />;
  const c = call.data;
  const original = c.recordings.find((r) => r.kind === 'original');
  const channels = original?.channels ?? 2;

  const transcriptStage = analysis.data?.stages.find((s) => s.stage === 'transcribe');
  let transcriptBody;
  if (!hasTranscriptApi) transcriptBody = <p class="muted not-analysed">{t('transcriptUnavailable')}</p>;
  else if (transcript.loading && !transcript.data) transcriptBody = <Loading />;
  else if (transcript.error instanceof ApiError && transcript.error.status === 404) {
    transcriptBody = (
      <p class="muted not-analysed" data-testid="not-analysed">
        {transcriptStage?.reason || (transcriptStage && transcriptStage.status !== 'done')
          ? t('notAnalysedWhy', {
              why: [
                labelOf(t, 'stageStatus_', transcriptStage.status),
                stageReason(transcriptStage.reason, t),
              ]
                .filter(Boolean)
                .join(': '),
            })
          : t('notAnalysed')}
      </p>
    );
  } else if (transcript.error)
    transcriptBody = <ErrorBox error={transcript.error} onRetry={transcript.reload} />;
  else if (transcript.data) {
    transcriptBody = (
      <>
        {'redacted' in transcript.data && (
          <p class="muted" data-testid="pii-redacted">
            {t('piiRedacted')}
          </p>
        )}
        <TranscriptView segments={transcript.data.segments} timeMs={timeMs} onSeek={seek} />
      </>
    );
  }

  return (
    <div class="call-page">
      <p>
        <a
          href="/"
          onClick={(e) => {
            if (window.history.length > 1 && document.referrer.startsWith(window.location.origin)) {
              e.preventDefault();
              window.history.back();
            }
          }}
        >
          ← {t('backToSearch')}
        </a>
      </p>
      <h1>
        {t('callTitle', { id: shortId(c.id) })}{' '}
        <small class="muted">
          {formatDateTime(c.startedAt, lang)} · {formatDuration(c.durationMs)} ·{' '}
          {c.agentName ?? c.agentId ?? '—'}
          {c.campaign ? ` · ${c.campaign}` : ''}
        </small>
      </h1>
      <div class="call-grid">
        <div class="call-main">
          <Panel title={t('player')} id="player">
            {original ? (
              <Player
                src={`${API}/calls/${c.id}/audio`}
                durationMs={c.durationMs}
                channels={channels}
                onTime={(s) => setTimeMs(Math.round(s * 1000))}
                onSelection={setSelection}
                handle={player}
                startAt={startAt}
                downloadHref={can(me, 'download') ? `${API}/calls/${c.id}/audio?download=1` : undefined}
              />
            ) : (
              <p class="muted">—</p>
            )}
          </Panel>
          <Panel title={t('transcript')} id="transcript">
            {transcriptBody}
          </Panel>
          <SentimentPanel view={view} durationMs={c.durationMs} timeMs={timeMs} onSeek={seek} />
          {can(me, 'library') && original && (
            <ClipForm callId={c.id} durationMs={c.durationMs} selection={selection} player={player} />
          )}
        </div>
        <div class="call-side">
          <Panel title={t('metadata')} id="metadata">
            <KeyValues
              data={{
                [t('startedAt')]: formatDateTime(c.startedAt, lang),
                [t('duration')]: formatDuration(c.durationMs),
                [t('direction')]: c.direction ? t(c.direction) : null,
                [t('agent')]: [c.agentName, c.agentId && `(${c.agentId})`].filter(Boolean).join(' '),
                [t('team')]: c.team,
                [t('campaign')]: c.campaign,
                [t('disposition')]: c.disposition,
                [t('reason')]: c.reason,
                [t('product')]: c.product,
                [t('customerRef')]: c.customerRef,
                [t('callerNumber')]: c.callerNumber,
                [t('calleeNumber')]: c.calleeNumber,
                [t('daysPastDue')]: c.daysPastDue,
                [t('amountDue')]: c.amountDue === null ? null : formatAmount(c.amountDue, c.currency, lang),
                [t('region')]: c.region,
                [t('country')]: c.country,
                [t('lang')]: languageName(c.language, lang),
                [t('source')]: labelOf(t, 'source_', c.source),
                [t('externalId')]: c.externalId,
                [t('sipCallId')]: c.sipCallId,
              }}
            />
            {Object.keys(c.custom ?? {}).length > 0 && (
              <>
                <h3>{t('custom')}</h3>
                <KeyValues data={c.custom} />
              </>
            )}
            {c.participants.length > 0 && (
              <>
                <h3>{t('participants')}</h3>
                <ul class="plain">
                  {c.participants.map((p, i) => (
                    <li key={i}>
                      {labelOf(t, 'party_', p.role)}
                      {p.channel !== null ? ` · ${t('channelN', { n: p.channel })}` : ''} {p.name ?? ''}{' '}
                      {p.number ?? ''}
                    </li>
                  ))}
                </ul>
              </>
            )}
            <h3>{t('recordings')}</h3>
            <ul class="plain">
              {c.recordings.map((r) => (
                <li key={r.kind}>
                  {labelOf(t, 'recordingKind_', r.kind)}:{' '}
                  {t('recordingFormat', {
                    format: `${r.format}/${r.codec}`,
                    channels: r.channels,
                    rate: r.sampleRate / 1000,
                    size: Math.max(1, Math.round(r.sizeBytes / 1024)),
                  })}
                </li>
              ))}
            </ul>
          </Panel>
          <StagesPanel analysis={analysis.data} error={analysis.error} />
          {can(me, 'alerts') && <CallAlertsPanel callId={c.id} onSeek={seek} />}
          <DisclosurePanel view={view} onSeek={seek} />
          <AdherencePanel view={view} onSeek={seek} />
          <TalkMetricsPanel view={view} onSeek={seek} />
          <PromisesPanel view={view} onSeek={seek} />
          {hasRoute(me, 'GET /promises') && <TrackedPromisesPanel callId={c.id} me={me} />}
          <PiiPanel view={view} onSeek={seek} />
          <QualityPanel
            call={c}
            view={view}
            redacted={Boolean(transcript.data && 'redacted' in transcript.data)}
            onSeek={seek}
          />
        </div>
      </div>
    </div>
  );
}

function ClipForm(props: {
  callId: string;
  durationMs: number;
  selection: { start: number; end: number } | null;
  player: { current: PlayerHandle | null };
}) {
  const { t } = useI18n();
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [title, setTitle] = useState('');
  const [note, setNote] = useState('');
  const [collectionId, setCollectionId] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const collections = useAsync(() => api<{ items: Collection[] }>('/collections'), []);
  const [lastSelection, setLastSelection] = useState(props.selection);
  if (props.selection !== lastSelection) {
    setLastSelection(props.selection);
    if (props.selection) {
      setStart(props.selection.start.toFixed(1));
      setEnd(props.selection.end.toFixed(1));
    }
  }

  const mark = (which: 'start' | 'end') => {
    const now = props.player.current?.currentTime() ?? 0;
    const s = which === 'start' ? now : Number(start || 0);
    const e = which === 'end' ? now : Number(end || 0);
    if (which === 'start') setStart(now.toFixed(1));
    else setEnd(now.toFixed(1));
    if (e > s) props.player.current?.select({ start: s, end: e });
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMessage(null);
    try {
      const clip = await api<Clip>('/clips', {
        method: 'POST',
        body: {
          callId: props.callId,
          startMs: Math.round(Number(start) * 1000),
          endMs: Math.round(Number(end) * 1000),
          title,
          ...(note.trim() ? { note } : {}),
          ...(collectionId ? { collectionId } : {}),
        },
      });
      setMessage(`${t('clipSaved')} ${clip.title}`);
      setTitle('');
      setNote('');
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  const bound = (which: 'start' | 'end') => (
    <>
      <InputField
        label={t(which === 'start' ? 'clipStart' : 'clipEnd')}
        id={`clip-${which}`}
        type="number"
        step="0.1"
        min="0"
        max={props.durationMs / 1000}
        required
        value={which === 'start' ? start : end}
        onValue={which === 'start' ? setStart : setEnd}
      />
      <button type="button" onClick={() => mark(which)}>
        {t(which === 'start' ? 'setStart' : 'setEnd')}
      </button>
    </>
  );

  return (
    <Panel title={t('makeClip')} id="clip">
      <p class="muted small">{t('clipHelp')}</p>
      <form onSubmit={submit} class="clip-form">
        <div class="row">
          {bound('start')}
          {bound('end')}
        </div>
        <div class="row">
          <InputField
            label={t('clipTitle')}
            id="clip-title"
            grow
            required
            maxLength={200}
            value={title}
            onValue={setTitle}
          />
          <Field label={t('addToCollection')} id="clip-collection">
            <select id="clip-collection" value={collectionId} onChange={(e) => setCollectionId(valueOf(e))}>
              <option value="">{t('noCollection')}</option>
              {collections.data?.items
                .filter((c) => c.mayChange)
                .map((c) => (
                  <option value={c.id} key={c.id}>
                    {c.name}
                  </option>
                ))}
            </select>
          </Field>
        </div>
        <Field label={t('clipNote')} id="clip-note">
          <textarea id="clip-note" rows={2} value={note} onInput={(e) => setNote(valueOf(e))} />
        </Field>
        <button type="submit" class="primary">
          {t('save')}
        </button>
        {message && (
          <Notice kind="ok">
            {message} · <a href="/library">{t('navLibrary')}</a>
          </Notice>
        )}
        <Outcome error={error} />
      </form>
    </Panel>
  );
}

/**
 * The promise ledger's view of this call's promises (kept, partially kept, broken, pending), with a supervisor's
 * correction of each (audited), as in the follow-up queue.
 */
function TrackedPromisesPanel({ callId, me }: { callId: string; me: Me }) {
  const { t, lang } = useI18n();
  const tracked = useAsync(
    () => api<{ items: PaymentPromiseView[] }>('/promises', { query: { callId } }),
    [callId],
  );
  const corrects = can(me, 'promiseCorrect');
  const [editing, setEditing] = useState<string | null>(null);
  if (tracked.error) {
    return (
      <Panel title={t('trackedPromises')} id="tracked-promises">
        <ErrorBox error={tracked.error} onRetry={tracked.reload} />
      </Panel>
    );
  }
  const items = tracked.data?.items ?? [];
  if (items.length === 0) return null;
  const promise = items.find((p) => p.id === editing);
  return (
    <Panel title={t('trackedPromises')} id="tracked-promises">
      <ul class="plain">
        {items.map((p) => (
          <li key={p.id}>
            <strong>{labelOf(t, 'promise_', p.status)}</strong> · {formatAmount(p.amount, p.currency, lang)} ·{' '}
            {t('dueDate')} {shortDate(p.dueDate, lang, true)} · {t('amountCollected')}{' '}
            {formatAmount(p.collected, p.currency, lang)}
            {p.correction && <span class="muted small"> · {t('promiseCorrected')}</span>}
            {corrects && (
              <>
                {' '}
                <CorrectionToggle id={p.id} editing={editing} onEditing={setEditing} />
              </>
            )}
          </li>
        ))}
      </ul>
      {corrects && promise && (
        <PromiseCorrection
          key={promise.id}
          promise={promise}
          onDone={() => {
            setEditing(null);
            tracked.reload();
          }}
        />
      )}
    </Panel>
  );
}

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { readAnalytics } from '../analytics-view.ts';
import {
  API,
  api,
  ApiError,
  hasRoute,
  principalRef,
  type Analysis,
  type CallDetail,
  type FormQuestion,
  type Me,
  type ReviewItemDetail,
  type TimedComment,
  type Transcript,
} from '../api.ts';
import { AdherencePanel, DisclosurePanel } from '../components/analysis.tsx';
import { ErrorBox, Field, Loading, Notice, Panel, useAsync, valueOf } from '../components/common.tsx';
import { Player, type PlayerHandle } from '../components/player.tsx';
import { TranscriptView } from '../components/transcript.tsx';
import { formatClock, formatDateTime, reviewReason } from '../format.ts';
import { useI18n } from '../i18n.ts';
import { decimal } from '../labels.ts';

type Answers = Record<string, string | number>;

/** The answers a completed item was stored with (a scorecard may also hold true, false or null: not answers). */
function answersOf(scorecard: Record<string, unknown> | null): Answers {
  const out: Answers = {};
  for (const [k, v] of Object.entries(scorecard ?? {}))
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  return out;
}

/**
 * One review item: the call (player and transcript) beside its evaluation form. Answers start from what the
 * call's analytics suggest; comments are anchored to the playback position and seek the player when clicked;
 * completing shows the score the server computed.
 */
export function ReviewItemPage({ id, me }: { id: string; me: Me }) {
  const { t, lang } = useI18n();
  const detail = useAsync(() => api<ReviewItemDetail>(`/review-items/${id}`), [id]);
  const callId = detail.data?.item.callId;
  const call = useAsync(
    () => (callId ? api<CallDetail>(`/calls/${callId}`) : Promise.resolve(undefined)),
    [callId],
  );
  const transcript = useAsync(
    () =>
      callId
        ? api<Transcript>(`/calls/${callId}/transcript`).catch((e: unknown) => {
            if (e instanceof ApiError && e.status === 404) return undefined;
            throw e;
          })
        : Promise.resolve(undefined),
    [callId],
  );
  const hasAnalysisApi = hasRoute(me, 'GET /calls/:id/analysis');
  const analysis = useAsync(
    () =>
      callId && hasAnalysisApi ? api<Analysis>(`/calls/${callId}/analysis`) : Promise.resolve(undefined),
    [callId, hasAnalysisApi],
  );
  const view = useMemo(
    () => readAnalytics(analysis.data, call.data?.durationMs ?? 0),
    [analysis.data, call.data?.durationMs],
  );
  const player = useRef<PlayerHandle | null>(null);
  const [timeMs, setTimeMs] = useState(0);
  const seek = (s: number) => player.current?.seek(s);

  if (detail.error) return <ErrorBox error={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <Loading />;
  const { item } = detail.data;
  const c = call.data;
  const original = c?.recordings.find((r) => r.kind === 'original');

  return (
    <div class="call-page review-item">
      <p>
        <a href={`/review?queue=${encodeURIComponent(item.queue)}`}>← {t('reviewBack')}</a>
      </p>
      <h1>
        {t('reviewOf', { when: formatDateTime(item.call.startedAt, lang) })}{' '}
        <small class="muted">
          {item.call.agentName ?? item.call.agentId ?? '—'}
          {item.call.campaign ? ` · ${item.call.campaign}` : ''} · {reviewReason(item.reason, t)}
        </small>
      </h1>
      <div class="call-grid">
        <div class="call-main">
          <Panel title={t('player')} id="player">
            {call.error && <ErrorBox error={call.error} />}
            {c && original ? (
              <Player
                src={`${API}/calls/${c.id}/audio`}
                durationMs={c.durationMs}
                channels={original.channels}
                onTime={(s) => setTimeMs(Math.round(s * 1000))}
                handle={player}
              />
            ) : (
              !call.error && <Loading />
            )}
          </Panel>
          <Panel title={t('transcript')} id="transcript">
            {transcript.data ? (
              <TranscriptView segments={transcript.data.segments} timeMs={timeMs} onSeek={seek} />
            ) : transcript.loading ? (
              <Loading />
            ) : (
              <p class="muted not-analysed">{t('notAnalysed')}</p>
            )}
          </Panel>
          <p>
            <a href={`/calls/${item.callId}`}>{t('reviewOpenCall')}</a>
          </p>
        </div>
        <div class="call-side">
          <EvaluationPanel
            detail={detail.data}
            me={me}
            player={player}
            timeMs={timeMs}
            onChanged={detail.reload}
          />
          {hasAnalysisApi && (
            <>
              <DisclosurePanel view={view} onSeek={seek} />
              <AdherencePanel view={view} onSeek={seek} />
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function EvaluationPanel(props: {
  detail: ReviewItemDetail;
  me: Me;
  player: { current: PlayerHandle | null };
  timeMs: number;
  onChanged(): void;
}) {
  const { t, lang } = useI18n();
  const { item, form, prefill, evaluations } = props.detail;
  const completed = item.status === 'completed';
  const me = principalRef(props.me);
  const mine = item.status === 'claimed' && item.claimedBy === me;
  // Calibration: someone who has not evaluated this call yet scores it too, once the item is completed.
  const mayCalibrate = completed && !!form && !evaluations.some((e) => e.reviewer === me);
  const [calibrating, setCalibrating] = useState(false);
  const editable = mine || (props.me.principal.role === 'admin' && !completed) || calibrating;
  const [answers, setAnswers] = useState<Answers>(() => ({
    ...(completed ? answersOf(item.scorecard) : prefill),
  }));
  const [comments, setComments] = useState<TimedComment[]>(() => item.evaluation?.comments ?? []);
  const [draft, setDraft] = useState('');
  const [general, setGeneral] = useState(item.comments ?? '');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  const errorBox = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (error) errorBox.current?.focus();
  }, [error]);

  const set = (q: string, v: string | number | undefined) =>
    setAnswers((a) => {
      const next = { ...a };
      if (v === undefined || v === '') delete next[q];
      else next[q] = v;
      return next;
    });

  const claim = async () => {
    setError(null);
    try {
      await api(`/review-items/${item.id}/claim`, { method: 'POST', body: {} });
      props.onChanged();
    } catch (e) {
      setError(e as Error);
    }
  };

  const addComment = () => {
    const text = draft.trim();
    if (!text) return;
    const atMs = Math.round((props.player.current?.currentTime() ?? props.timeMs / 1000) * 1000);
    setComments((cs) => [...cs, { atMs, text }].sort((a, b) => a.atMs - b.atMs));
    setDraft('');
  };

  const complete = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (calibrating && form) {
        await api(`/calls/${item.callId}/evaluations`, {
          method: 'POST',
          body: { scorecard: answers, comments, formId: form.id, formVersion: form.version },
        });
        setCalibrating(false);
      } else {
        await api(`/review-items/${item.id}/complete`, {
          method: 'POST',
          body: form
            ? { scorecard: answers, comments, formId: form.id, formVersion: form.version }
            : { scorecard: {}, ...(general.trim() ? { comments: general.trim() } : {}) },
        });
      }
      props.onChanged();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  const problems =
    error instanceof ApiError
      ? ((error.details?.problems as { field: string; message: string }[] | undefined) ?? [])
      : [];
  const problemOf = (q: string) => problems.find((p) => p.field === q)?.message;

  return (
    <Panel
      title={form ? `${t('evaluation')}: ${form.name} (v${form.version})` : t('evaluation')}
      id="evaluation"
    >
      {item.evaluation && (
        <p class="big" data-testid="score">
          {t('scoreIs', { score: decimal(item.evaluation.score, lang) })}
        </p>
      )}
      {item.status === 'open' && (
        <p>
          <button type="button" class="primary" onClick={claim}>
            {t('reviewClaim')}
          </button>
        </p>
      )}
      {item.status === 'claimed' && !mine && <Notice kind="warn">{t('reviewClaimedByOther')}</Notice>}
      {mayCalibrate && !calibrating && (
        <p>
          <button
            type="button"
            id="calibrate"
            onClick={() => {
              setAnswers({ ...prefill });
              setComments([]);
              setCalibrating(true);
            }}
          >
            {t('calibrate')}
          </button>
        </p>
      )}
      {calibrating && <Notice>{t('calibrating')}</Notice>}
      {error && (
        <div ref={errorBox} tabIndex={-1}>
          <ErrorBox error={error} />
        </div>
      )}
      {!form && <p class="muted">{t('noEvaluationForm')}</p>}
      <form onSubmit={complete} aria-label={t('evaluation')}>
        {form?.questions.map((q) => (
          <QuestionField
            key={q.id}
            q={q}
            lang={lang}
            value={answers[q.id]}
            suggested={prefill[q.id] !== undefined && answers[q.id] === prefill[q.id]}
            disabled={!editable}
            problem={problemOf(q.id)}
            onChange={(v) => set(q.id, v)}
          />
        ))}
        {form ? (
          <fieldset class="comments">
            <legend>{t('timedComments')}</legend>
            {comments.length === 0 && <p class="muted small">{t('noComments')}</p>}
            <ul class="plain timed-comments">
              {comments.map((cm, i) => (
                <li key={`${cm.atMs}-${i}`}>
                  <button
                    type="button"
                    class="link"
                    data-at={cm.atMs}
                    onClick={() => props.player.current?.seek(cm.atMs / 1000)}
                    aria-label={t('seekTo', { time: formatClock(cm.atMs / 1000) })}
                  >
                    {formatClock(cm.atMs / 1000)}
                  </button>{' '}
                  {cm.text}
                  {editable && (
                    <button
                      type="button"
                      class="link danger"
                      onClick={() => setComments((cs) => cs.filter((_, j) => j !== i))}
                    >
                      {t('delete')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {editable && (
              <div class="row">
                <label class="sr-only" for="comment-text">
                  {t('comment')}
                </label>
                <input
                  id="comment-text"
                  class="grow"
                  value={draft}
                  placeholder={t('comment')}
                  onInput={(e) => setDraft(valueOf(e))}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      addComment();
                    }
                  }}
                />
                <button type="button" id="comment-add" onClick={addComment}>
                  {t('commentAtCurrentTime', { time: formatClock(props.timeMs / 1000) })}
                </button>
              </div>
            )}
          </fieldset>
        ) : (
          <Field label={t('comment')} id="general-comment">
            <textarea
              id="general-comment"
              value={general}
              disabled={!editable}
              onInput={(e) => setGeneral(valueOf(e))}
            />
          </Field>
        )}
        {editable && (
          <p>
            <button type="submit" class="primary" id="complete-review" disabled={busy}>
              {calibrating ? t('saveCalibration') : t('completeReview')}
            </button>
          </p>
        )}
      </form>
      {evaluations.length > 0 && (
        <>
          <h3>{t('evaluationsOfCall')}</h3>
          <ul class="plain calibration">
            {evaluations.map((ev) => (
              <li key={ev.id}>
                {formatDateTime(ev.createdAt, lang)} · {ev.reviewerName ?? ev.reviewer} ·{' '}
                {form && ev.formId === form.id ? form.name : ev.formId} (v{ev.formVersion})
                {ev.reviewItemId === null ? ` (${t('calibration')})` : ''}:{' '}
                <strong>{decimal(ev.score, lang)}</strong>
              </li>
            ))}
          </ul>
        </>
      )}
    </Panel>
  );
}

function QuestionField(props: {
  q: FormQuestion;
  lang: 'es' | 'en';
  value: string | number | undefined;
  suggested: boolean;
  disabled: boolean;
  problem: string | undefined;
  onChange(v: string | number | undefined): void;
}) {
  const { t } = useI18n();
  const { q } = props;
  const id = `q-${q.id}`;
  const label = (
    <>
      {q.text[props.lang]}
      {q.type === 'yes_no' && q.critical && <span class="badge outcome-partial"> {t('critical')}</span>}
      {props.suggested && <span class="badge"> {t('suggested')}</span>}
    </>
  );
  const problem = props.problem && (
    <small class="error" id={`${id}-problem`}>
      {props.problem}
    </small>
  );
  if (q.type === 'yes_no') {
    const options = q.allowNa === false ? ['yes', 'no'] : ['yes', 'no', 'na'];
    return (
      <fieldset
        class="question"
        id={id}
        data-question={q.id}
        aria-describedby={props.problem ? `${id}-problem` : undefined}
      >
        <legend>{label}</legend>
        <div class="row">
          {options.map((o) => (
            <label key={o}>
              <input
                type="radio"
                name={id}
                value={o}
                checked={props.value === o}
                disabled={props.disabled}
                onChange={() => props.onChange(o)}
              />{' '}
              {t(o === 'yes' ? 'yes' : o === 'no' ? 'no' : 'notApplicable')}
            </label>
          ))}
        </div>
        {problem}
      </fieldset>
    );
  }
  if (q.type === 'text') {
    return (
      <div class="field question" data-question={q.id}>
        <label for={id}>{label}</label>
        <textarea
          id={id}
          value={(props.value as string | undefined) ?? ''}
          disabled={props.disabled}
          onInput={(e) => props.onChange(valueOf(e))}
        />
        {problem}
      </div>
    );
  }
  const options =
    q.type === 'scale'
      ? Array.from({ length: (q.max ?? 0) + 1 }, (_, i) => ({ value: String(i), text: String(i) }))
      : (q.options ?? []).map((o) => ({ value: o.id, text: o.text[props.lang] }));
  return (
    <div class="field question" data-question={q.id}>
      <label for={id}>
        {label}
        {q.type === 'scale' ? ` (0–${q.max})` : ''}
      </label>
      <select
        id={id}
        value={props.value === undefined ? '' : String(props.value)}
        disabled={props.disabled}
        aria-describedby={props.problem ? `${id}-problem` : undefined}
        onChange={(e) => {
          const v = valueOf(e);
          props.onChange(v === '' ? undefined : q.type === 'scale' ? Number(v) : v);
        }}
      >
        <option value="">—</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
      {problem}
    </div>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Analysis, CallDetail } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ColumnHeads, KeyValues, Panel } from './common.tsx';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A result of the analysis by name, wherever the pipeline put it: a property of the analysis answer (or of an object
 * in it), a stage of that name that is done, or a property of that name in any stage's result.
 */
export function findResult(analysis: Analysis | undefined, names: string[]): unknown {
  if (!analysis) return undefined;
  const top: Obj = analysis;
  for (const name of names) if (top[name] !== undefined && top[name] !== null) return top[name];
  // One level down, for answers that group results (`{ analytics: { sentiment, disclosure, … } }`).
  for (const [key, value] of Object.entries(analysis)) {
    if (key === 'stages' || !isObj(value)) continue;
    for (const name of names) if (value[name] !== undefined && value[name] !== null) return value[name];
  }
  for (const s of analysis.stages) {
    if (s.status === 'done' && names.includes(s.stage) && s.result !== undefined && s.result !== null)
      return s.result;
  }
  for (const s of analysis.stages) {
    if (s.status === 'not queued' || !isObj(s.result)) continue;
    for (const name of names)
      if (s.result[name] !== undefined && s.result[name] !== null) return s.result[name];
  }
  return undefined;
}

function ComingSoon() {
  const { t } = useI18n();
  return <p class="muted not-analysed">{t('comingFromAnalytics')}</p>;
}

export function StagesPanel({
  analysis,
  error,
}: {
  analysis: Analysis | undefined;
  error?: Error | undefined;
}) {
  const { t } = useI18n();
  return (
    <Panel title={t('analysis')} id="stages">
      {error && <p class="muted not-analysed">{t('notAnalysed')}</p>}
      {analysis && analysis.stages.length === 0 && <p class="muted not-analysed">{t('notAnalysed')}</p>}
      {analysis && analysis.stages.length > 0 && (
        <table class="compact">
          <ColumnHeads labels={[t('stage'), t('status'), t('details')]} />
          <tbody>
            {analysis.stages.map((s) => (
              <tr key={s.stage}>
                <td>{s.stage}</td>
                <td>
                  <span class={`badge status-${s.status.replace(/\W/g, '-')}`}>{s.status}</span>
                </td>
                <td class="muted">{s.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function DisclosurePanel({ analysis }: { analysis: Analysis | undefined }) {
  const { t } = useI18n();
  const d = findResult(analysis, ['disclosure']);
  return (
    <Panel title={t('disclosure')} id="disclosure">
      {!isObj(d) ? (
        <ComingSoon />
      ) : (
        <>
          {typeof d.outcome === 'string' && (
            <p>
              <span class={`badge outcome-${d.outcome}`}>{outcomeLabel(d.outcome, t)}</span>
            </p>
          )}
          {Array.isArray(d.elements) ? (
            <ul class="checklist">
              {(d.elements as Obj[]).map((e, i) => (
                <li key={String(e.id ?? i)} class={e.disclosed ? 'ok' : e.present ? 'late' : 'missing'}>
                  <span aria-hidden="true">{e.disclosed ? '✔' : e.present ? '◐' : '✘'}</span>{' '}
                  {String(e.description ?? e.id ?? '')}
                  <ElementTiming element={e} />
                </li>
              ))}
            </ul>
          ) : (
            <KeyValues data={d} />
          )}
          {isObj(d.recordingTone) && <RecordingTone tone={d.recordingTone} />}
        </>
      )}
    </Panel>
  );
}

const OUTCOME_LABELS = {
  disclosed: 'disclosed',
  late: 'late',
  partial: 'partial',
  missing: 'missing',
} as const;

/** The call's disclosure outcome in the UI's language (`late`: every notice said, one after the window). */
function outcomeLabel(outcome: string, t: ReturnType<typeof useI18n>['t']): string {
  return Object.hasOwn(OUTCOME_LABELS, outcome)
    ? t(OUTCOME_LABELS[outcome as keyof typeof OUTCOME_LABELS])
    : outcome;
}

/** When a late element was said, or the recording tone that gave it. */
function ElementTiming({ element: e }: { element: Obj }) {
  const { t } = useI18n();
  const s = (ms: unknown) => (typeof ms === 'number' ? Math.round(ms / 100) / 10 : '—');
  if (e.outcome === 'late') {
    return (
      <span class="muted">
        {' '}
        · {t('late')}: {t('disclosureLateAt', { at: s(e.atMs), window: s(e.windowMs) })}
      </span>
    );
  }
  if (isObj(e.tone)) {
    return (
      <span class="muted">
        {' '}
        ·{' '}
        {t('disclosureByTone', {
          channel: Number(e.tone.channel),
          at: s(e.tone.startMs),
          hz: typeof e.tone.frequencyHz === 'number' ? Math.round(e.tone.frequencyHz) : '—',
          period: s(e.tone.periodMs),
        })}
      </span>
    );
  }
  return null;
}

function RecordingTone({ tone }: { tone: Obj }) {
  const { t } = useI18n();
  const text =
    tone.measured === false
      ? t('recordingToneUnmeasured')
      : !tone.beeps
        ? t('recordingToneNone')
        : t('recordingTone', {
            beeps: Number(tone.beeps),
            channel: Number(tone.channel),
            interval:
              typeof tone.meanIntervalMs === 'number' ? Math.round(tone.meanIntervalMs / 100) / 10 : '—',
            state: t(tone.throughout ? 'toneThroughout' : 'toneBroken'),
          });
  return (
    <p class={`recording-tone ${tone.throughout ? 'ok' : 'missing'}`} data-testid="recording-tone">
      {text}
    </p>
  );
}

export function AdherencePanel({ analysis }: { analysis: Analysis | undefined }) {
  const { t } = useI18n();
  const a = findResult(analysis, ['adherence', 'scriptAdherence']);
  const steps = isObj(a) ? ((a.steps ?? a.items ?? a.elements ?? a.checks) as unknown) : undefined;
  return (
    <Panel title={t('adherence')} id="adherence">
      {!isObj(a) ? (
        <ComingSoon />
      ) : (
        <>
          {typeof a.score === 'number' && (
            <p class="big">{Math.round(a.score * (a.score <= 1 ? 100 : 1))}%</p>
          )}
          {Array.isArray(steps) ? (
            <ul class="checklist">
              {(steps as Obj[]).map((s, i) => {
                const ok = Boolean(s.done ?? s.present ?? s.passed ?? s.ok ?? s.followed);
                return (
                  <li key={i} class={ok ? 'ok' : 'missing'}>
                    <span aria-hidden="true">{ok ? '✔' : '✘'}</span>{' '}
                    {String(s.label ?? s.description ?? s.id ?? s.name ?? '')}
                  </li>
                );
              })}
            </ul>
          ) : (
            <KeyValues data={a} />
          )}
        </>
      )}
    </Panel>
  );
}

export function TalkMetricsPanel({ analysis }: { analysis: Analysis | undefined }) {
  const { t } = useI18n();
  const m = findResult(analysis, ['talk', 'talkMetrics', 'metrics']);
  return (
    <Panel title={t('talkMetrics')} id="talk">
      {isObj(m) ? <KeyValues data={flatten(m)} /> : <ComingSoon />}
    </Panel>
  );
}

export function PromisesPanel({ analysis }: { analysis: Analysis | undefined }) {
  const { t } = useI18n();
  const p = findResult(analysis, ['promise', 'promises', 'paymentPromise']);
  if (!isObj(p)) return null;
  return (
    <Panel title={t('promises')} id="promises">
      <KeyValues data={flatten({ promised: p.promised, ...(isObj(p.primary) ? p.primary : {}) })} />
    </Panel>
  );
}

/** RTP quality and DTMF digits: from the call's capture details, or the analysis when it has them. */
export function QualityPanel({ call, analysis }: { call: CallDetail; analysis: Analysis | undefined }) {
  const { t } = useI18n();
  const rtp: unknown = call.capture?.streams.length
    ? call.capture.streams
    : findResult(analysis, ['rtp', 'rtpStats', 'quality']);
  const dtmf: unknown = call.capture?.dtmf.length ? call.capture.dtmf : findResult(analysis, ['dtmf']);
  if (!rtp && !dtmf) return null;
  return (
    <Panel title={t('quality')} id="quality">
      {isObj(rtp) && <KeyValues data={flatten(rtp)} />}
      {Array.isArray(rtp) && (rtp as Obj[]).map((r, i) => <KeyValues key={i} data={flatten(r)} />)}
      {Array.isArray(dtmf) && dtmf.length > 0 && (
        <p>
          DTMF:{' '}
          {(dtmf as unknown[])
            .map((d) =>
              isObj(d)
                ? `${String(d.digit ?? d.event ?? '?')}@${Number(d.atMs ?? d.startMs ?? 0) / 1000}s`
                : String(d),
            )
            .join(' · ')}
        </p>
      )}
    </Panel>
  );
}

function flatten(o: Obj, prefix = ''): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (isObj(v) && Object.keys(v).length <= 12) Object.assign(out, flatten(v, `${prefix}${k}.`));
    else if (typeof v === 'number') out[prefix + k] = Number.isInteger(v) ? v : Number(v.toFixed(3));
    else out[prefix + k] = v;
  }
  return out;
}

interface Bucket {
  startMs: number;
  agent: { score: number } | null;
  customer: { score: number } | null;
}

/** Sentiment per party over the call (uPlot), with a cursor at the playback position. */
export function SentimentPanel(props: {
  analysis: Analysis | undefined;
  timeMs: number;
  onSeek(seconds: number): void;
}) {
  const { t } = useI18n();
  const s = findResult(props.analysis, ['sentiment']);
  const buckets =
    isObj(s) && isObj(s.timeline) && Array.isArray(s.timeline.buckets)
      ? (s.timeline.buckets as Bucket[])
      : undefined;
  return (
    <Panel title={t('sentiment')} id="sentiment">
      {buckets && buckets.length > 0 ? (
        <>
          {isObj(s) && isObj(s.overall) && (
            <p>
              <span class={`badge sentiment-${String(s.overall.label)}`}>{String(s.overall.label)}</span>{' '}
              <span class="muted">{Number(s.overall.score).toFixed(2)}</span>
            </p>
          )}
          <SentimentChart
            buckets={buckets}
            timeMs={props.timeMs}
            onSeek={props.onSeek}
            labels={[t('agent'), t('customer')]}
          />
        </>
      ) : (
        <ComingSoon />
      )}
    </Panel>
  );
}

function SentimentChart(props: {
  buckets: Bucket[];
  timeMs: number;
  onSeek(s: number): void;
  labels: [string, string];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return;
    const xs = props.buckets.map((b) => b.startMs / 1000);
    const agent = props.buckets.map((b) => (b.agent ? b.agent.score : null));
    const customer = props.buckets.map((b) => (b.customer ? b.customer.score : null));
    const chart = new uPlot(
      {
        width: Math.max(280, box.current.clientWidth),
        height: 160,
        scales: { x: { time: false }, y: { range: [-1, 1] } },
        axes: [
          {
            values: (_u, ticks) =>
              ticks.map((v) => `${Math.floor(v / 60)}:${String(Math.round(v % 60)).padStart(2, '0')}`),
          },
          {},
        ],
        series: [
          {
            label: 't',
            value: (_u, v) =>
              v === null ? '--' : `${Math.floor(v / 60)}:${String(Math.round(v % 60)).padStart(2, '0')}`,
          },
          { label: props.labels[0], stroke: '#1d4ed8', width: 2, spanGaps: true },
          { label: props.labels[1], stroke: '#b45309', width: 2, spanGaps: true },
        ],
        cursor: { drag: { x: false, y: false } },
      },
      [xs, agent, customer] as uPlot.AlignedData,
      box.current,
    );
    chart.over.addEventListener('click', () => {
      const idx = chart.cursor.idx;
      if (idx !== null && idx !== undefined && xs[idx] !== undefined) props.onSeek(xs[idx]!);
    });
    plot.current = chart;
    return () => {
      chart.destroy();
      plot.current = null;
    };
  }, [props.buckets]);
  useEffect(() => {
    const chart = plot.current;
    if (!chart) return;
    const left = chart.valToPos(props.timeMs / 1000, 'x');
    chart.root.style.setProperty('--playhead', `${left}px`);
  }, [props.timeMs]);
  return <div ref={box} class="chart" role="img" aria-label="sentiment timeline" />;
}

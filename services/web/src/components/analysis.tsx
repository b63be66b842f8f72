import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type {
  AdherenceView,
  CallAnalyticsView,
  DisclosureElementView,
  EvidenceView,
  RecordingToneView,
  RuleView,
  SentimentView,
  TalkView,
} from '../analytics-view.ts';
import type { Analysis, CallDetail } from '../api.ts';
import { formatAmount } from '../format.ts';
import { useI18n } from '../i18n.ts';
import {
  calendarDate,
  clock,
  decimal,
  labelOf,
  percent,
  plural,
  stageReason,
  type Translate,
} from '../labels.ts';
import { ColumnHeads, Panel } from './common.tsx';

/** Seeks the player to a moment of the call. */
export type Seek = (seconds: number) => void;

function ComingSoon() {
  const { t } = useI18n();
  return <p class="muted not-analysed">{t('comingFromAnalytics')}</p>;
}

/** A moment of the call as a button that plays from there. */
export function SeekTime({ ms, onSeek }: { ms: number; onSeek: Seek }) {
  const { t } = useI18n();
  return (
    <button
      type="button"
      class="link time"
      data-at={ms}
      onClick={() => onSeek(ms / 1000)}
      aria-label={t('seekTo', { time: clock(ms) })}
    >
      {clock(ms)}
    </button>
  );
}

function partyName(t: Translate, party: string | null): string | null {
  return party ? labelOf(t, 'party_', party) : null;
}

/** What was heard for a finding: the words, who said them and when (each plays from there). */
function EvidenceList({ evidence, onSeek }: { evidence: EvidenceView[]; onSeek: Seek }) {
  const { t } = useI18n();
  if (evidence.length === 0) return null;
  return (
    <ul class="evidence">
      {evidence.map((e, i) => (
        <li key={i}>
          <SeekTime ms={e.startMs} onSeek={onSeek} /> {e.text && <q>{e.text}</q>}{' '}
          {e.party && <span class="muted small">{partyName(t, e.party)}</span>}
        </li>
      ))}
    </ul>
  );
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
                <td>{labelOf(t, 'stage_', s.stage)}</td>
                <td>
                  <span class={`badge status-${s.status.replace(/\W/g, '-')}`}>
                    {labelOf(t, 'stageStatus_', s.status)}
                  </span>
                </td>
                <td class="muted">
                  {'errorCode' in s && s.errorCode && s.status === 'failed'
                    ? labelOf(t, 'error_', s.errorCode, stageReason(s.reason, t))
                    : stageReason(s.reason, t)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

const ICONS: Record<string, string> = {
  on_time: '✔',
  passed: '✔',
  late: '◐',
  missing: '✘',
  failed: '✘',
  not_applicable: '–',
};
const CHECK_CLASS: Record<string, string> = {
  on_time: 'ok',
  passed: 'ok',
  late: 'late',
  missing: 'missing',
  failed: 'missing',
  not_applicable: 'na',
};

function DisclosureElement({ e, onSeek }: { e: DisclosureElementView; onSeek: Seek }) {
  const { t, lang } = useI18n();
  return (
    <li class={CHECK_CLASS[e.status] ?? 'late'} data-element={e.id} data-status={e.status}>
      <span aria-hidden="true">{ICONS[e.status] ?? '◐'}</span>{' '}
      <span class="check-name">{labelOf(t, 'element_', e.id, e.description)}</span>{' '}
      <span class={`badge check-${CHECK_CLASS[e.status] ?? 'late'}`}>
        {labelOf(t, 'elementStatus_', e.status)}
      </span>
      {e.by === 'tone' && <span class="muted small"> {t('givenByTone')}</span>}
      {e.status === 'late' && e.atMs !== null && (
        <div class="muted small">
          {e.limitMs !== null
            ? t('saidLate', { time: clock(e.atMs), limit: decimal(e.limitMs / 1000, lang, 0) })
            : t('saidAt', { time: clock(e.atMs) })}
        </div>
      )}
      <EvidenceList evidence={e.evidence} onSeek={onSeek} />
    </li>
  );
}

function RecordingTone({ tone, onSeek }: { tone: RecordingToneView; onSeek: Seek }) {
  const { t, lang } = useI18n();
  const text = !tone.measured
    ? t('recordingToneUnmeasured')
    : !tone.beeps
      ? t('recordingToneNone')
      : t('recordingTone', {
          beeps: tone.beeps,
          channel: tone.channel ?? '—',
          interval: tone.meanIntervalMs !== null ? decimal(tone.meanIntervalMs / 1000, lang) : '—',
          state: t(tone.throughout ? 'toneThroughout' : 'toneBroken'),
        });
  return (
    <p class={`recording-tone ${tone.throughout ? 'ok' : 'missing'}`}>
      <span data-testid="recording-tone">{text}</span>
      {tone.firstMs !== null && tone.beeps > 0 && (
        <span class="muted small">
          {' '}
          · {t('firstBeep')} <SeekTime ms={tone.firstMs} onSeek={onSeek} />
        </span>
      )}
    </p>
  );
}

export function DisclosurePanel({ view, onSeek }: { view: CallAnalyticsView | null; onSeek: Seek }) {
  const { t } = useI18n();
  const d = view?.disclosure;
  return (
    <Panel title={t('disclosure')} id="disclosure">
      {!d ? (
        <ComingSoon />
      ) : (
        <>
          <p>
            <span class={`badge outcome-${d.outcome}`} data-testid="disclosure-outcome">
              {labelOf(t, 'outcome_', d.outcome)}
            </span>{' '}
            {d.profile && (
              <span class="muted small">
                {t('disclosureProfile', {
                  profile: labelOf(t, 'profile_', d.profile, d.profile.toUpperCase()),
                })}
              </span>
            )}
          </p>
          <ul class="checklist">
            {d.elements.map((e) => (
              <DisclosureElement key={e.id} e={e} onSeek={onSeek} />
            ))}
          </ul>
          {d.recordingTone && <RecordingTone tone={d.recordingTone} onSeek={onSeek} />}
        </>
      )}
    </Panel>
  );
}

/** The adherence engine's reasons (services/analytics/adherence), in the UI's language; others as written. */
export function ruleReason(reason: string | null, rules: readonly RuleView[], t: Translate): string | null {
  if (!reason) return null;
  const name = (id: string) => rules.find((r) => r.id === id)?.description ?? id;
  const patterns: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^not said$/, () => t('ruleReason_notSaid')],
    [/^not mentioned$/, () => t('ruleReason_notMentioned')],
    [/^said (\d+) time\(s\)$/, (m) => plural(t, 'ruleReason_saidTimes', Number(m[1]))],
    [
      /^mentioned (\d+) time\(s\), (\d+) required$/,
      (m) => plural(t, 'ruleReason_mentionedTimes', Number(m[1]), { required: m[2]! }),
    ],
    [
      /^said, but not within the (first|last) (\d+) s$/,
      (m) => t(m[1] === 'first' ? 'ruleReason_notWithinFirst' : 'ruleReason_notWithinLast', { s: m[2]! }),
    ],
    [/^"(.+)" never happened$/, (m) => t('ruleReason_neverHappened', { step: name(m[1]!) })],
    [
      /^"(.+)" happened without "(.+)"$/,
      (m) => t('ruleReason_without', { step: name(m[1]!), before: name(m[2]!) }),
    ],
    [/^"(.+)" came before "(.+)"$/, (m) => t('ruleReason_before', { step: name(m[1]!), after: name(m[2]!) })],
  ];
  for (const [re, say] of patterns) {
    const m = re.exec(reason);
    if (m) return say(m);
  }
  return reason;
}

function AdherenceRules({ a, onSeek }: { a: AdherenceView; onSeek: Seek }) {
  const { t } = useI18n();
  return (
    <ul class="checklist">
      {a.rules.map((r) => (
        <li key={r.id} class={CHECK_CLASS[r.status]} data-rule={r.id} data-status={r.status}>
          <span aria-hidden="true">{ICONS[r.status]}</span>{' '}
          <span class="check-name">{r.description || labelOf(t, 'scriptRule_', r.id)}</span>{' '}
          <span class={`badge check-${CHECK_CLASS[r.status]}`}>{labelOf(t, 'ruleStatus_', r.status)}</span>
          {r.critical && <span class="badge warn"> {t('critical')}</span>}
          {r.status === 'failed' && r.reason && (
            <div class="muted small">{ruleReason(r.reason, a.rules, t)}</div>
          )}
          <EvidenceList evidence={r.evidence} onSeek={onSeek} />
        </li>
      ))}
    </ul>
  );
}

export function AdherencePanel({ view, onSeek }: { view: CallAnalyticsView | null; onSeek: Seek }) {
  const { t, lang } = useI18n();
  const a = view?.adherence;
  return (
    <Panel title={t('adherence')} id="adherence">
      {!view ? (
        <ComingSoon />
      ) : !a ? (
        <p class="muted">{t('noScript')}</p>
      ) : (
        <>
          <p>
            {a.score !== null && (
              <span class="big" data-testid="adherence-score">
                {t('scoreOf100', { score: decimal(a.score, lang) })}
              </span>
            )}{' '}
            {a.passed !== null && (
              <span class={`badge ${a.passed ? 'status-done' : 'status-failed'}`}>
                {t(a.passed ? 'scriptPassed' : 'scriptFailed')}
              </span>
            )}
            {a.script && <span class="muted small"> · {t('scriptName', { script: a.script })}</span>}
          </p>
          <AdherenceRules a={a} onSeek={onSeek} />
        </>
      )}
    </Panel>
  );
}

interface BarPart {
  key: 'agent' | 'customer' | 'overtalk' | 'silence';
  ms: number;
}

/** Talk, silence and overtalk over the call: one bar, and the figures beside it (m:ss and share of the call). */
export function TalkMetricsPanel({ view, onSeek }: { view: CallAnalyticsView | null; onSeek: Seek }) {
  const { t } = useI18n();
  const m = view?.talk;
  return (
    <Panel title={t('talkMetrics')} id="talk">
      {m ? <TalkFigures m={m} onSeek={onSeek} /> : <ComingSoon />}
    </Panel>
  );
}

function TalkFigures({ m, onSeek }: { m: TalkView; onSeek: Seek }) {
  const { t, lang } = useI18n();
  const overtalk = m.overtalkMs;
  const parts: BarPart[] = [
    { key: 'agent', ms: Math.max(0, (m.agent?.talkMs ?? 0) - overtalk) },
    { key: 'customer', ms: Math.max(0, (m.customer?.talkMs ?? 0) - overtalk) },
    { key: 'overtalk', ms: overtalk },
    { key: 'silence', ms: m.silenceMs },
  ];
  const total = Math.max(
    m.durationMs,
    parts.reduce((s, p) => s + p.ms, 0),
    1,
  );
  const share = (ms: number) => percent(ms / total, lang);
  const label: Record<BarPart['key'], string> = {
    agent: t('talkAgentOnly'),
    customer: t('talkCustomerOnly'),
    overtalk: t('overtalk'),
    silence: t('silence'),
  };
  const summary = parts.map((p) => `${label[p.key]} ${clock(p.ms)} (${share(p.ms)})`).join(' · ');
  const monologue = (party: 'agent' | 'customer') => {
    const s = m[party];
    if (!s || !s.longestMonologue) return null;
    return (
      <div>
        <dt>{t(party === 'agent' ? 'longestMonologueAgent' : 'longestMonologueCustomer')}</dt>
        <dd>
          {clock(s.longestMonologueMs)} · {t('from')}{' '}
          <SeekTime ms={s.longestMonologue.startMs} onSeek={onSeek} />
        </dd>
      </div>
    );
  };
  return (
    <>
      <div class="talk-bar" role="img" aria-label={summary} data-testid="talk-bar">
        {parts.map((p) =>
          p.ms > 0 ? (
            <span
              key={p.key}
              class={`talk-${p.key}`}
              style={{ width: `${(p.ms / total) * 100}%` }}
              title={`${label[p.key]}: ${clock(p.ms)} (${share(p.ms)})`}
            />
          ) : null,
        )}
      </div>
      <ul class="talk-legend">
        {parts.map((p) => (
          <li key={p.key}>
            <span class={`swatch talk-${p.key}`} aria-hidden="true" /> {label[p.key]}{' '}
            <strong>{clock(p.ms)}</strong> <span class="muted">({share(p.ms)})</span>
          </li>
        ))}
      </ul>
      <dl class="kv" data-testid="talk-figures">
        <div>
          <dt>{t('duration')}</dt>
          <dd>{clock(m.durationMs)}</dd>
        </div>
        {(['agent', 'customer'] as const).map((party) =>
          m[party] ? (
            <div key={party}>
              <dt>{t(party === 'agent' ? 'talkAgent' : 'talkCustomer')}</dt>
              <dd>
                {clock(m[party]!.talkMs)} ({share(m[party]!.talkMs)})
              </dd>
            </div>
          ) : null,
        )}
        <div>
          <dt>{t('overtalk')}</dt>
          <dd>{t('overtalkTimes', { time: clock(overtalk), n: m.overtalkCount })}</dd>
        </div>
        {monologue('agent')}
        {monologue('customer')}
        <div>
          <dt>{t('interruptions')}</dt>
          <dd>
            {t('interruptionsBy', {
              agent: m.agent?.interruptionsMade ?? 0,
              customer: m.customer?.interruptionsMade ?? 0,
            })}
          </dd>
        </div>
        <div>
          <dt>{t('holds')}</dt>
          <dd>
            {m.holds.length === 0
              ? t('none')
              : m.holds.map((h, i) => (
                  <span key={i}>
                    {i > 0 && ', '}
                    <SeekTime ms={h.startMs} onSeek={onSeek} /> ({clock(h.endMs - h.startMs)})
                  </span>
                ))}
          </dd>
        </div>
      </dl>
    </>
  );
}

/** Sentiment per party over the call (uPlot, the axis from 0 to the call's end), a cursor at the playback position. */
export function SentimentPanel(props: {
  view: CallAnalyticsView | null;
  durationMs: number;
  timeMs: number;
  onSeek: Seek;
}) {
  const { t, lang } = useI18n();
  const s = props.view?.sentiment;
  return (
    <Panel title={t('sentimentTimeline')} id="sentiment">
      {!s ? (
        <ComingSoon />
      ) : (
        <>
          <p>
            {s.overall && (
              <>
                {t('sentimentOverall')}{' '}
                <span class={`badge sentiment-${s.overall.label}`} data-testid="sentiment-overall">
                  {labelOf(t, 'sentimentLabel_', s.overall.label)}
                </span>
              </>
            )}
            {s.parties.map((p) => (
              <span key={p.party} class="muted small">
                {' '}
                · {partyName(t, p.party)}: {labelOf(t, 'sentimentLabel_', p.label)} (
                {decimal(p.score, lang, 2)})
              </span>
            ))}
          </p>
          {s.points.length > 0 && (
            <SentimentChart
              s={s}
              durationMs={props.durationMs}
              timeMs={props.timeMs}
              onSeek={props.onSeek}
              labels={[t('agent'), t('customer')]}
              time={t('timeInCall')}
              aria={t('sentimentChart')}
            />
          )}
          <p class="muted small">{t('sentimentScale')}</p>
        </>
      )}
    </Panel>
  );
}

function SentimentChart(props: {
  s: SentimentView;
  durationMs: number;
  timeMs: number;
  onSeek: Seek;
  labels: [string, string];
  time: string;
  aria: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const endS = Math.max(1, props.durationMs / 1000);
  useEffect(() => {
    if (!box.current) return;
    const xs = [...new Set(props.s.points.map((p) => p.atMs / 1000))].sort((a, b) => a - b);
    const at = new Map(xs.map((x, i) => [x, i]));
    const agent: (number | null)[] = xs.map(() => null);
    const customer: (number | null)[] = xs.map(() => null);
    for (const p of props.s.points)
      (p.party === 'agent' ? agent : customer)[at.get(p.atMs / 1000)!] = p.score;
    const mmss = (v: number) => clock(v * 1000);
    const chart = new uPlot(
      {
        width: Math.max(280, box.current.clientWidth),
        height: 170,
        scales: { x: { time: false, range: [0, endS] }, y: { range: [-1, 1] } },
        axes: [{ values: (_u, ticks) => ticks.map(mmss) }, {}],
        series: [
          { label: props.time, value: (_u, v) => (v === null ? '--' : mmss(v)) },
          { label: props.labels[0], stroke: '#1d4ed8', width: 2, spanGaps: true, points: { show: true } },
          { label: props.labels[1], stroke: '#b45309', width: 2, spanGaps: true, points: { show: true } },
        ],
        cursor: { drag: { x: false, y: false } },
      },
      [xs, agent, customer] as uPlot.AlignedData,
      box.current,
    );
    chart.over.addEventListener('click', () => {
      const left = chart.cursor.left;
      if (left === undefined || left < 0) return;
      props.onSeek(Math.min(endS, Math.max(0, chart.posToVal(left, 'x'))));
    });
    plot.current = chart;
    return () => {
      chart.destroy();
      plot.current = null;
    };
  }, [props.s, endS, props.labels[0], props.time]);
  useEffect(() => {
    const chart = plot.current;
    if (!chart) return;
    chart.root.style.setProperty('--playhead', `${chart.valToPos(props.timeMs / 1000, 'x')}px`);
  }, [props.timeMs]);
  return <div ref={box} class="chart" role="img" aria-label={props.aria} />;
}

export function PromisesPanel({ view, onSeek }: { view: CallAnalyticsView | null; onSeek: Seek }) {
  const { t, lang } = useI18n();
  const p = view?.promises;
  if (!p) return null;
  return (
    <Panel title={t('promises')} id="promises">
      {!p.promised || p.items.length === 0 ? (
        <p class="muted">{t('noPromise')}</p>
      ) : (
        <ul class="plain promises">
          {p.items.map((x, i) => (
            <li key={i} class={x.primary ? 'primary' : undefined}>
              <strong>
                {x.amount ? formatAmount(x.amount.value, x.amount.currency, lang) : t('promiseNoAmount')}
              </strong>{' '}
              · {x.date ? calendarDate(x.date, lang) : (x.dateText ?? t('promiseNoDate'))}
              {x.kind && <span class="muted small"> · {labelOf(t, 'promiseKind_', x.kind)}</span>}
              {x.primary && p.items.length > 1 && <span class="badge"> {t('promisePrimary')}</span>}
              {x.atMs !== null && (
                <div class="small">
                  {t('said')} <SeekTime ms={x.atMs} onSeek={onSeek} /> {x.said && <q>{x.said}</q>}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

/** Sensitive data found in the call: its kind, who said it and when; never the value. */
export function PiiPanel({ view, onSeek }: { view: CallAnalyticsView | null; onSeek: Seek }) {
  const { t } = useI18n();
  const p = view?.pii;
  if (!p) return null;
  return (
    <Panel title={t('piiFound')} id="pii">
      {p.spans.length === 0 ? (
        <p class="muted">{t('piiNone')}</p>
      ) : (
        <>
          <p class="muted small">{t('piiHelp')}</p>
          <table class="compact">
            <ColumnHeads labels={[t('piiType'), t('party'), t('when')]} />
            <tbody>
              {p.spans.map((s, i) => (
                <tr key={i}>
                  <td>{labelOf(t, 'pii_', s.type)}</td>
                  <td>{partyName(t, s.party) ?? '—'}</td>
                  <td>
                    <SeekTime ms={s.startMs} onSeek={onSeek} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Panel>
  );
}

/** A stream's listening quality from its MOS estimate, in words. */
function qualityWord(mos: number): 'good' | 'fair' | 'poor' | 'bad' {
  return mos >= 4 ? 'good' : mos >= 3.6 ? 'fair' : mos >= 3.1 ? 'poor' : 'bad';
}

/** How the call was recorded: network quality per channel, key presses and pauses, in a supervisor's words. */
export function QualityPanel(props: {
  call: CallDetail;
  view: CallAnalyticsView | null;
  /** The role may not read sensitive data: key presses are shown without their digits. */
  redacted: boolean;
  onSeek: Seek;
}) {
  const { t, lang } = useI18n();
  const cap = props.call.capture;
  const keyTones = props.view?.keyTones ?? [];
  if (!cap && keyTones.length === 0) return null;
  const channelName = (channel: number) => {
    const p = props.call.participants.find((x) => x.channel === channel);
    return p && (p.role === 'agent' || p.role === 'customer')
      ? t('channelOf', { n: channel, party: labelOf(t, 'party_', p.role) })
      : t('channelN', { n: channel });
  };
  return (
    <Panel title={t('quality')} id="quality">
      {cap && (
        <>
          {cap.oneWayAudio && <p class="warn-text">{t('oneWayAudio')}</p>}
          {cap.truncated && <p class="warn-text">{t('captureTruncated')}</p>}
          {cap.recovered && <p class="muted small">{t('captureRecovered')}</p>}
          {cap.streams.length > 0 && (
            <ul class="plain quality">
              {cap.streams.map((s, i) => {
                const word = qualityWord(s.mos);
                return (
                  <li key={i}>
                    <strong>{channelName(s.channel)}</strong>:{' '}
                    <span class={`badge quality-${word}`}>{t(`quality_${word}`)}</span>{' '}
                    {t('streamFigures', {
                      loss: percent(s.lossPercent / 100, lang, 1),
                      jitter: decimal(s.jitterMs, lang, 0),
                      mos: decimal(s.mos, lang, 1),
                    })}
                    {s.audio === 'not-decodable' && (
                      <span class="warn-text"> · {t('streamNotInRecording')}</span>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
          {cap.dtmf.length > 0 && (
            <>
              <h3>{t('keyPresses')}</h3>
              <ul class="plain">
                {cap.dtmf.map((d, i) => (
                  <li key={i}>
                    {t('keyPressed', { key: props.redacted ? '•' : d.digit })}{' '}
                    <SeekTime ms={d.startMs} onSeek={props.onSeek} />{' '}
                    <span class="muted small">{channelName(d.channel)}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
          {cap.pauses.length > 0 && (
            <>
              <h3>{t('recordingPauses')}</h3>
              <ul class="plain">
                {cap.pauses.map((p, i) => (
                  <li key={i}>
                    <SeekTime ms={p.startMs} onSeek={props.onSeek} />–{clock(p.endMs)} (
                    {clock(p.endMs - p.startMs)}) · {labelOf(t, 'pauseReason_', p.reason)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      {keyTones.length > 0 && (
        <p>
          {t('keyTonesHeard', { n: keyTones.length })}{' '}
          {keyTones.map((k, i) => (
            <span key={i}>
              {i > 0 && ', '}
              <SeekTime ms={k.startMs} onSeek={props.onSeek} />
            </span>
          ))}
        </p>
      )}
    </Panel>
  );
}

import type { Analysis } from './api.ts';

/**
 * What the call page shows of a call's analytics result. The API sends the result as the analytics stage stored it
 * (`Analysis.analytics`, open-ended in the contract: services/analytics `CallAnalysis` with its revision), and a
 * stored result may come from an earlier analytics version, so each part is read here, field by field, into the
 * shapes the panels draw; a part that is not there, or not of the expected shape, is null.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Where a finding was heard: the words and when. */
export interface EvidenceView {
  text: string;
  party: string | null;
  startMs: number;
  endMs: number;
}

export interface DisclosureElementView {
  id: string;
  description: string;
  /** `on_time`, `late`, `missing`, or a status the analytics names itself. */
  status: string;
  /** How an element given on time was given. */
  by: 'speech' | 'tone' | null;
  /** When it was first said on the call's clock, when known. */
  atMs: number | null;
  /** The window it had to be said in, ms. */
  limitMs: number | null;
  evidence: EvidenceView[];
}

export interface RecordingToneView {
  measured: boolean;
  beeps: number;
  channel: number | null;
  meanIntervalMs: number | null;
  firstMs: number | null;
  throughout: boolean;
}

export interface DisclosureView {
  profile: string | null;
  outcome: string;
  elements: DisclosureElementView[];
  recordingTone: RecordingToneView | null;
}

export interface RuleView {
  id: string;
  type: string | null;
  description: string;
  status: 'passed' | 'failed' | 'not_applicable';
  critical: boolean;
  reason: string | null;
  evidence: EvidenceView[];
}

export interface AdherenceView {
  script: string | null;
  score: number | null;
  passed: boolean | null;
  rules: RuleView[];
}

export interface IntervalView {
  startMs: number;
  endMs: number;
}

export interface SpeakerView {
  talkMs: number;
  longestMonologueMs: number;
  longestMonologue: IntervalView | null;
  interruptionsMade: number;
}

export interface TalkView {
  durationMs: number;
  agent: SpeakerView | null;
  customer: SpeakerView | null;
  silenceMs: number;
  overtalkMs: number;
  overtalkCount: number;
  holds: IntervalView[];
}

export interface SentimentPointView {
  party: 'agent' | 'customer';
  atMs: number;
  score: number;
}

export interface SentimentView {
  overall: { label: string; score: number } | null;
  parties: { party: 'agent' | 'customer'; label: string; score: number }[];
  /** Per utterance when the result has them, else per bucket (at its middle). */
  points: SentimentPointView[];
}

export interface PromiseView {
  kind: string | null;
  amount: { value: number; currency: string | null } | null;
  /** YYYY-MM-DD in the call's local calendar. */
  date: string | null;
  dateText: string | null;
  atMs: number | null;
  said: string | null;
  primary: boolean;
}

export interface PiiView {
  type: string;
  party: string | null;
  startMs: number;
  endMs: number;
}

export interface CallAnalyticsView {
  disclosure: DisclosureView | null;
  adherence: AdherenceView | null;
  talk: TalkView | null;
  sentiment: SentimentView | null;
  promises: { promised: boolean; items: PromiseView[] } | null;
  pii: { spans: PiiView[]; counts: Record<string, number> } | null;
  /** Key presses heard in the audio (muted in the redacted copy). */
  keyTones: IntervalView[];
}

function evidence(v: unknown): EvidenceView[] {
  return arr(v).flatMap((e) => {
    if (!isObj(e)) return [];
    const startMs = num(e.startMs);
    if (startMs === null) return [];
    return [{ text: str(e.matchedText) ?? '', party: str(e.party), startMs, endMs: num(e.endMs) ?? startMs }];
  });
}

function interval(v: unknown): IntervalView | null {
  if (!isObj(v)) return null;
  const startMs = num(v.startMs);
  const endMs = num(v.endMs);
  return startMs === null || endMs === null ? null : { startMs, endMs };
}

function disclosure(d: unknown): DisclosureView | null {
  if (!isObj(d) || typeof d.outcome !== 'string') return null;
  const late = new Set(arr(d.late).filter((x): x is string => typeof x === 'string'));
  const elements = arr(d.elements).flatMap((e): DisclosureElementView[] => {
    if (!isObj(e)) return [];
    const id = str(e.id) ?? '';
    const ev = evidence(e.evidence);
    // The detector's `outcome` (given / late / missing); older stored results only say disclosed / present.
    const outcome = str(e.outcome);
    const status =
      str(e.status) ??
      (outcome === 'given'
        ? 'on_time'
        : (outcome ??
          (e.disclosed === true ? 'on_time' : e.present === true || late.has(id) ? 'late' : 'missing')));
    return [
      {
        id,
        description: str(e.description) ?? id,
        status,
        by: e.by === 'speech' || e.by === 'tone' ? e.by : isObj(e.tone) ? 'tone' : null,
        // On the call's clock (the player's): where it was first heard; the detector's own atMs counts from the
        // first speech, which is what its window is measured from.
        atMs: ev[0]?.startMs ?? num(e.startMs) ?? num(e.atMs) ?? null,
        limitMs: num(e.limitMs) ?? num(e.windowMs),
        evidence: ev,
      },
    ];
  });
  const tone = isObj(d.recordingTone) ? d.recordingTone : null;
  return {
    profile: str(d.profile),
    outcome: d.outcome,
    elements,
    recordingTone: tone
      ? {
          measured: tone.measured !== false,
          beeps: num(tone.beeps) ?? 0,
          channel: num(tone.channel),
          meanIntervalMs: num(tone.meanIntervalMs),
          firstMs: num(tone.firstMs),
          throughout: tone.throughout === true,
        }
      : null,
  };
}

function adherence(a: unknown): AdherenceView | null {
  if (!isObj(a)) return null;
  const rules = arr(a.rules).flatMap((r): RuleView[] => {
    if (!isObj(r)) return [];
    const ev = evidence(r.evidence);
    const type = str(r.type);
    // An order rule that passed with nothing heard: neither step happened, so the order did not apply.
    const status =
      r.passed === true
        ? type === 'order' && ev.length === 0
          ? 'not_applicable'
          : 'passed'
        : r.passed === false
          ? 'failed'
          : 'not_applicable';
    return [
      {
        id: str(r.id) ?? '',
        type,
        description: str(r.description) ?? '',
        status,
        critical: r.critical === true,
        reason: str(r.reason),
        evidence: ev,
      },
    ];
  });
  const scriptId = str(a.scriptId);
  const version = num(a.scriptVersion);
  return {
    script: scriptId ? `${scriptId}${version !== null ? ` v${version}` : ''}` : null,
    score: num(a.score),
    passed: typeof a.passed === 'boolean' ? a.passed : null,
    rules,
  };
}

function speaker(v: unknown): SpeakerView | null {
  if (!isObj(v)) return null;
  return {
    talkMs: num(v.talkMs) ?? 0,
    longestMonologueMs: num(v.longestMonologueMs) ?? 0,
    longestMonologue: interval(v.longestMonologue),
    interruptionsMade: num(v.interruptionsMade) ?? 0,
  };
}

function talk(m: unknown, callDurationMs: number): TalkView | null {
  if (!isObj(m) || !isObj(m.speakers)) return null;
  const overtalk = isObj(m.overtalk) ? m.overtalk : {};
  return {
    durationMs: num(m.durationMs) ?? callDurationMs,
    agent: speaker(m.speakers.agent),
    customer: speaker(m.speakers.customer),
    silenceMs: num(m.silenceMs) ?? 0,
    overtalkMs: num(overtalk.totalMs) ?? 0,
    overtalkCount: num(overtalk.count) ?? 0,
    holds: arr(m.holds).flatMap((h) => interval(h) ?? []),
  };
}

const PARTIES = ['agent', 'customer'] as const;

function sentiment(s: unknown, durationMs: number): SentimentView | null {
  if (!isObj(s)) return null;
  const points: SentimentPointView[] = [];
  for (const u of arr(s.utterances)) {
    if (!isObj(u) || (u.party !== 'agent' && u.party !== 'customer')) continue;
    const start = num(u.startMs);
    const score = num(u.score);
    if (start === null || score === null) continue;
    const end = num(u.endMs) ?? start;
    points.push({ party: u.party, atMs: Math.min(durationMs, (start + end) / 2), score });
  }
  if (points.length === 0 && isObj(s.timeline)) {
    for (const b of arr(s.timeline.buckets)) {
      if (!isObj(b)) continue;
      const start = num(b.startMs);
      if (start === null || start > durationMs) continue;
      const end = Math.min(durationMs, num(b.endMs) ?? start);
      for (const party of PARTIES) {
        const p = b[party];
        const score = isObj(p) ? num(p.score) : null;
        if (score !== null) points.push({ party, atMs: (start + end) / 2, score });
      }
    }
  }
  const parties = isObj(s.parties)
    ? PARTIES.flatMap((party) => {
        const p = (s.parties as Obj)[party];
        if (!isObj(p) || num(p.utterances) === 0) return [];
        const label = str(p.label);
        const score = num(p.score);
        return label !== null && score !== null ? [{ party, label, score }] : [];
      })
    : [];
  const overall =
    isObj(s.overall) && typeof s.overall.label === 'string' && num(s.overall.score) !== null
      ? { label: s.overall.label, score: s.overall.score as number }
      : null;
  if (!overall && points.length === 0) return null;
  return { overall, parties, points: points.sort((a, b) => a.atMs - b.atMs) };
}

function promise(p: unknown, primary: unknown): PromiseView | null {
  if (!isObj(p)) return null;
  const ev = evidence(p.evidence);
  const amount = isObj(p.amount) ? p.amount : null;
  const value = amount ? num(amount.value) : null;
  return {
    kind: str(p.kind),
    amount: value !== null ? { value, currency: str(amount!.currency) } : null,
    date: str(p.date),
    dateText: str(p.dateText),
    atMs: ev[0]?.startMs ?? null,
    said: ev.map((e) => e.text).join(' … ') || null,
    // The stored result holds the primary promise as a copy of one of the list's.
    primary: JSON.stringify(p) === JSON.stringify(primary),
  };
}

function promises(p: unknown): CallAnalyticsView['promises'] {
  if (!isObj(p)) return null;
  const items = arr(p.promises).flatMap((x) => promise(x, p.primary) ?? []);
  if (items.length === 0 && isObj(p.primary)) {
    const only = promise(p.primary, p.primary);
    if (only) items.push(only);
  }
  return { promised: p.promised === true || items.length > 0, items };
}

function pii(p: unknown): CallAnalyticsView['pii'] {
  if (!isObj(p)) return null;
  const spans = arr(p.spans).flatMap((s): PiiView[] => {
    if (!isObj(s) || typeof s.type !== 'string') return [];
    const startMs = num(s.startMs);
    if (startMs === null) return [];
    return [{ type: s.type, party: str(s.party), startMs, endMs: num(s.endMs) ?? startMs }];
  });
  const counts: Record<string, number> = {};
  if (isObj(p.counts)) for (const [k, v] of Object.entries(p.counts)) if (num(v)) counts[k] = v as number;
  return { spans: spans.sort((a, b) => a.startMs - b.startMs), counts };
}

function keyTones(p: unknown): IntervalView[] {
  if (!isObj(p)) return [];
  return arr(p.muteRanges).flatMap((r) =>
    isObj(r) && arr(r.types).includes('DTMF') ? (interval(r) ?? []) : [],
  );
}

/** The analytics result of a call as the panels read it; `durationMs` is the call's, to keep times inside it. */
export function readAnalytics(analysis: Analysis | undefined, durationMs: number): CallAnalyticsView | null {
  const a = analysis?.analytics;
  if (!a) return null;
  return {
    disclosure: disclosure(a.disclosure),
    adherence: adherence(a.adherence),
    talk: talk(a.talk, durationMs),
    sentiment: sentiment(a.sentiment, durationMs),
    promises: promises(a.promise),
    pii: pii(a.pii),
    keyTones: keyTones(a.pii),
  };
}

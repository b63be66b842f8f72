import { createBuiltInPhrases } from '../../services/analytics/built-in-phrases.ts';
import { detectPromises } from '../../services/analytics/collections/promise.detector.ts';
import {
  detectDisclosure,
  type DisclosureResult,
} from '../../services/analytics/disclosure/disclosure.detector.ts';
import type { DisclosureProfileId } from '../../services/analytics/disclosure/disclosure.profiles.ts';
import { prepareTranscript } from '../../services/analytics/matching/prepared-transcript.ts';
import type { Language, TranscriptSegment } from '../../services/analytics/matching/transcript.types.ts';
import { detectPii } from '../../services/analytics/pii/pii.detector.ts';
import { counts, loadJsonl, ratio, scores, tally, type Counts, type EvalResult } from './metrics.ts';

/**
 * The whole-call development set (test/fixtures/analytics/calls.jsonl, built by test/eval/build/calls.builder.ts):
 * the recording notice (given on time or not), promises to pay and sensitive numbers, per split (dev, held-out
 * test) and language. Each detector's figures are checked against its target (TARGETS); `npm run eval` fails when
 * one is missed.
 */

interface Span {
  segmentIndex: number;
  start: number;
  end: number;
  text: string;
}

export interface CallCase {
  id: string;
  split: 'dev' | 'test';
  language: Language;
  locale: string;
  profile: DisclosureProfileId;
  startedAt: string;
  currency: string;
  scenario: { promise: string; notice: string };
  segments: TranscriptSegment[];
  promise: { promised: boolean; amount: number | null; currency: string | null; date: string | null };
  notice: { outcome: 'on_time' | 'late' | 'missing'; atMs: number | null };
  pii: (Span & { type: string })[];
  amounts: Span[];
}

export const TARGETS = {
  notice: { f1: 0.97 },
  promise: { precision: 0.95, recall: 0.9 },
  pii: { recall: 0.98, amountsRedacted: 0 },
} as const;

export type Detector = keyof typeof TARGETS;

const phrases = createBuiltInPhrases();

/** The composed calls (calls.jsonl) and the dev calls written one by one (calls-hand.jsonl). */
export function loadCalls(): CallCase[] {
  return [...loadJsonl<CallCase>('calls.jsonl'), ...loadJsonl<CallCase>('calls-hand.jsonl')];
}

/**
 * Calls written independently of the detectors (calls-independent.jsonl, LABELLING.md): scored on their own, as
 * `independent-dev` and `independent-test`, so that a figure on calls nobody here composed is never averaged away.
 */
export function loadIndependentCalls(): CallCase[] {
  return loadJsonl<CallCase>('calls-independent.jsonl');
}

/**
 * The recording notice counts only when given on time: an element's `outcome` other than `given` (e.g. `late`)
 * is not given; where the detector reports no outcome, its `disclosed` (said in time) is read.
 */
export function noticeGiven(result: DisclosureResult): boolean {
  const el = result.elements.find((e) => e.id === 'recorded') as
    (DisclosureResult['elements'][number] & { outcome?: string }) | undefined;
  if (!el) return false;
  if (el.outcome !== undefined) return el.outcome === 'given';
  return el.disclosed;
}

export interface Verdicts {
  notice: boolean;
  promised: boolean;
  amount: number | null;
  date: string | null;
  /** Sensitive spans found: segment and character range. */
  pii: { segmentIndex: number; start: number; end: number; type: string }[];
}

/** Every detector of the set on one call's segments. */
export function verdicts(k: CallCase, segments: readonly TranscriptSegment[] = k.segments): Verdicts {
  const prepared = prepareTranscript([...segments], k.language);
  const disclosure = detectDisclosure(phrases, prepared, k.profile);
  const promise = detectPromises(phrases, prepared, {
    startedAt: k.startedAt,
    language: k.language,
    durationMs: segments.at(-1)?.endMs ?? 0,
    currency: k.currency,
  });
  return {
    notice: noticeGiven(disclosure),
    promised: promise.promised,
    amount: promise.primary?.amount?.value ?? null,
    date: promise.primary?.date ?? null,
    pii: detectPii(prepared).map((s) => ({
      segmentIndex: s.segmentIndex,
      start: s.start,
      end: s.end,
      type: s.type,
    })),
  };
}

const overlap = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

interface Bucket {
  notice: Counts;
  promise: Counts;
  pii: Counts;
  amountOk: number;
  dateOk: number;
  amountsRedacted: number;
  amounts: number;
  calls: number;
}

const bucket = (): Bucket => ({
  notice: counts(),
  promise: counts(),
  pii: counts(),
  amountOk: 0,
  dateOk: 0,
  amountsRedacted: 0,
  amounts: 0,
  calls: 0,
});

function score(k: CallCase, v: Verdicts, b: Bucket, errors: string[] | null): void {
  b.calls++;
  const wantNotice = k.notice.outcome === 'on_time';
  tally(b.notice, v.notice, wantNotice);
  if (v.notice !== wantNotice)
    errors?.push(`${k.id} notice: got ${v.notice} want ${k.notice.outcome} (${k.scenario.notice})`);
  tally(b.promise, v.promised, k.promise.promised);
  if (v.promised !== k.promise.promised) {
    errors?.push(`${k.id} promise: got ${v.promised} want ${k.promise.promised} (${k.scenario.promise})`);
  } else if (v.promised) {
    if (v.amount === k.promise.amount) b.amountOk++;
    else errors?.push(`${k.id} amount: got ${v.amount} want ${k.promise.amount}`);
    if (v.date === k.promise.date) b.dateOk++;
    else errors?.push(`${k.id} date: got ${v.date} want ${k.promise.date}`);
  }
  const used = new Set<number>();
  for (const g of k.pii) {
    const hit = v.pii.findIndex(
      (f) => f.segmentIndex === g.segmentIndex && overlap(f, g) >= (g.end - g.start) / 2,
    );
    tally(b.pii, hit >= 0, true);
    if (hit >= 0) used.add(hit);
    else errors?.push(`${k.id} pii missed ${g.type} "${g.text}" in "${k.segments[g.segmentIndex]!.text}"`);
  }
  v.pii.forEach((f, i) => {
    if (used.has(i)) return;
    if (k.pii.some((g) => g.segmentIndex === f.segmentIndex && overlap(f, g) > 0)) return;
    tally(b.pii, true, false);
    errors?.push(`${k.id} pii extra ${f.type} "${k.segments[f.segmentIndex]!.text.slice(f.start, f.end)}"`);
  });
  for (const a of k.amounts) {
    b.amounts++;
    if (v.pii.some((f) => f.segmentIndex === a.segmentIndex && overlap(f, a) > 0)) {
      b.amountsRedacted++;
      errors?.push(`${k.id} amount redacted "${a.text}"`);
    }
  }
}

function rows(b: Bucket, detector: Detector): Record<string, unknown> & ReturnType<typeof scores> {
  if (detector === 'notice') return { ...scores(b.notice), calls: b.calls };
  if (detector === 'promise') {
    const s = scores(b.promise);
    return {
      ...s,
      falsePromises: b.promise.fp,
      amountAccuracy: ratio(b.amountOk, s.tp),
      dateAccuracy: ratio(b.dateOk, s.tp),
      calls: b.calls,
    };
  }
  return { ...scores(b.pii), amountsRedacted: b.amountsRedacted, amounts: b.amounts };
}

/** Figures that miss their target, as sentences. */
export function missedTargets(detector: Detector, split: string, row: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, want] of Object.entries(TARGETS[detector])) {
    const got = row[k] as number;
    const ok = k === 'amountsRedacted' ? got <= want : got >= want;
    if (!ok)
      out.push(`${detector} ${split}: ${k} ${got} (target ${k === 'amountsRedacted' ? '≤' : '≥'} ${want})`);
  }
  return out;
}

let cache: Map<string, Bucket> | undefined;
let cachedErrors: string[] = [];

function evaluate(): Map<string, Bucket> {
  if (cache) return cache;
  cache = new Map();
  cachedErrors = [];
  const sets: [string, CallCase[]][] = [
    ['', loadCalls()],
    ['independent-', loadIndependentCalls()],
  ];
  for (const [prefix, calls] of sets) {
    for (const k of calls) {
      const v = verdicts(k);
      const split = `${prefix}${k.split}`;
      for (const key of [split, `${split}/${k.language}`]) {
        if (!cache.has(key)) cache.set(key, bucket());
      }
      score(k, v, cache.get(split)!, k.split === 'dev' ? cachedErrors : null);
      score(k, v, cache.get(`${split}/${k.language}`)!, null);
    }
  }
  return cache;
}

/** One detector's figures on the whole-call set: dev, dev/es, dev/en, test, test/es, test/en. */
export async function run(detector: Detector): Promise<EvalResult & { failures: string[] }> {
  const buckets = evaluate();
  const result: EvalResult & { failures: string[] } = {
    task: `calls-${detector}`,
    unit:
      detector === 'notice'
        ? 'calls (recording notice given on time)'
        : detector === 'promise'
          ? 'calls (promise yes/no)'
          : 'card/ID/SSN/phone spans (≥50% overlap); amountsRedacted: amounts touched by a span',
    splits: {},
    errors: {},
    failures: [],
  };
  for (const prefix of ['', 'independent-']) {
    for (const key of ['dev', 'dev/es', 'dev/en', 'test', 'test/es', 'test/en'].map((k) => prefix + k)) {
      const b = buckets.get(key);
      if (!b) continue;
      const row = rows(b, detector);
      result.splits[key] = row;
      if (!key.includes('/')) result.failures.push(...missedTargets(detector, key, row));
    }
  }
  const prefix = detector === 'notice' ? ' notice:' : detector === 'promise' ? ' promise:' : ' pii ';
  const prefix2 =
    detector === 'promise' ? [' amount:', ' date:'] : detector === 'pii' ? [' amount redacted'] : [];
  result.errors!.dev = cachedErrors.filter((e) => [prefix, ...prefix2].some((p) => e.includes(p)));
  return result;
}

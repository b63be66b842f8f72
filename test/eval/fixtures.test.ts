import { describe, expect, it } from 'vitest';
import { buildCalls, type CallCase } from './build/calls.builder.ts';
import { buildHandwrittenCalls } from './build/calls.handwritten.ts';
import { noticeGiven } from './calls.eval.ts';
import type { DisclosureResult } from '../../services/analytics/disclosure/disclosure.detector.ts';
import { loadJsonl } from './metrics.ts';

/**
 * The labelled evaluation sets keep the size and shape LABELLING.md promises; the figures themselves come from
 * `test/eval/run.ts`.
 */

interface Base {
  id: string;
  split: string;
  language: string;
}

describe('analytics evaluation sets', () => {
  it('disclosure: at least 120 call openings, outcomes consistent with elements', () => {
    const rows = loadJsonl<Base & { elements: Record<string, boolean>; late: string[]; outcome: string }>(
      'disclosure.jsonl',
    );
    expect(rows.length).toBeGreaterThanOrEqual(120);
    for (const r of rows) {
      const ids = Object.keys(r.elements);
      for (const e of r.late) expect(r.elements[e], `${r.id} ${e}`).toBe(false);
      const said = ids.filter((e) => r.elements[e] || r.late.includes(e)).length;
      const inTime = ids.filter((e) => r.elements[e]).length;
      const want =
        inTime === ids.length ? 'disclosed' : said === ids.length ? 'late' : said > 0 ? 'partial' : 'missing';
      expect(r.outcome, r.id).toBe(want);
    }
    for (const o of ['disclosed', 'late', 'partial', 'missing']) {
      expect(rows.some((r) => r.outcome === o)).toBe(true);
    }
  });

  it('adherence: at least 100 rule cases in both languages', () => {
    const rows = loadJsonl<Base & { rules: Record<string, boolean> }>('adherence.jsonl');
    expect(rows.reduce((n, r) => n + Object.keys(r.rules).length, 0)).toBeGreaterThanOrEqual(100);
    expect(new Set(rows.map((r) => r.language))).toEqual(new Set(['es', 'en']));
  });

  it('promise: at least 120 cases, negatives carry no amount or date', () => {
    const rows = loadJsonl<Base & { promise: boolean; amount: number | null; date: string | null }>(
      'promise.jsonl',
    );
    expect(rows.length).toBeGreaterThanOrEqual(120);
    for (const r of rows.filter((x) => !x.promise)) expect([r.amount, r.date], r.id).toEqual([null, null]);
    for (const r of rows.filter((x) => x.date)) expect(r.date, r.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('pii: at least 150 utterances with negatives, every span inside its text', () => {
    const rows = loadJsonl<Base & { text: string; spans: { type: string; text: string }[] }>('pii.jsonl');
    expect(rows.length).toBeGreaterThanOrEqual(150);
    expect(rows.filter((r) => r.spans.length === 0).length).toBeGreaterThanOrEqual(40);
    for (const r of rows) for (const s of r.spans) expect(r.text.includes(s.text), r.id).toBe(true);
  });

  it('every set has a dev and a test split', () => {
    for (const f of ['disclosure.jsonl', 'adherence.jsonl', 'promise.jsonl', 'pii.jsonl']) {
      const splits = new Set(loadJsonl<Base>(f).map((r) => r.split));
      expect(splits, f).toEqual(new Set(['dev', 'test']));
    }
  });

  it('calls: 300+ Spanish and 100+ English dev calls, labels consistent with the scenario and the text', () => {
    const rows = loadJsonl<CallCase>('calls.jsonl');
    const dev = rows.filter((r) => r.split === 'dev');
    expect(dev.filter((r) => r.language === 'es').length).toBeGreaterThanOrEqual(300);
    expect(dev.filter((r) => r.language === 'en').length).toBeGreaterThanOrEqual(100);
    expect(new Set(rows.map((r) => r.locale))).toEqual(new Set(['co', 'mx', 'es', 'us', 'us-es']));
    for (const r of rows) {
      if (!r.promise.promised) expect([r.promise.amount, r.promise.date], r.id).toEqual([null, null]);
      if (r.notice.outcome === 'on_time') expect(r.notice.atMs!, r.id).toBeLessThanOrEqual(20_000);
      if (r.notice.outcome === 'late') expect(r.notice.atMs!, r.id).toBeGreaterThanOrEqual(60_000);
      if (r.notice.outcome === 'missing') expect(r.notice.atMs, r.id).toBeNull();
      for (const s of [...r.pii, ...r.amounts])
        expect(r.segments[s.segmentIndex]!.text.slice(s.start, s.end), r.id).toBe(s.text);
      for (const [a, b] of r.segments.slice(1).map((s, i) => [r.segments[i]!, s] as const))
        expect(b.startMs, r.id).toBeGreaterThanOrEqual(a.endMs);
    }
    for (const split of ['dev', 'test']) {
      const of = rows.filter((r) => r.split === split);
      for (const o of ['on_time', 'late', 'missing'])
        expect(of.some((r) => r.notice.outcome === o)).toBe(true);
      for (const kind of ['statement', 'accept', 'retracted', 'conditional', 'paid', 'listen', 'vague'])
        expect(
          of.some((r) => r.scenario.promise === kind),
          `${split} ${kind}`,
        ).toBe(true);
      expect(of.some((r) => r.pii.length > 0)).toBe(true);
    }
  });

  it('calls: the committed file is what the builder writes', () => {
    const rows = loadJsonl<CallCase>('calls.jsonl');
    expect(JSON.parse(JSON.stringify(buildCalls()))).toEqual(rows);
  });

  it('calls written one by one: the committed file is what its source writes, spans inside their text', () => {
    const rows = loadJsonl<CallCase>('calls-hand.jsonl');
    expect(JSON.parse(JSON.stringify(buildHandwrittenCalls()))).toEqual(rows);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    for (const r of rows) {
      expect(r.split, r.id).toBe('dev');
      if (!r.promise.promised) expect([r.promise.amount, r.promise.date], r.id).toEqual([null, null]);
      for (const s of [...r.pii, ...r.amounts])
        expect(r.segments[s.segmentIndex]!.text.slice(s.start, s.end), r.id).toBe(s.text);
    }
  });

  it('calls: the notice counts only when given on time, whatever else a detector reports', () => {
    const result = (element: Record<string, unknown>) =>
      ({
        elements: [{ id: 'recorded', disclosed: true, present: true, ...element }],
      }) as unknown as DisclosureResult;
    expect(noticeGiven(result({}))).toBe(true);
    expect(noticeGiven(result({ disclosed: false }))).toBe(false);
    expect(noticeGiven(result({ outcome: 'given' }))).toBe(true);
    expect(noticeGiven(result({ outcome: 'late' }))).toBe(false);
    expect(noticeGiven(result({ outcome: 'missing', disclosed: false }))).toBe(false);
  });
});

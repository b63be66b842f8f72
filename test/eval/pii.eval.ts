import { prepareTranscript } from '../../services/analytics/matching/prepared-transcript.ts';
import type { Language } from '../../services/analytics/matching/transcript.types.ts';
import { detectPii } from '../../services/analytics/pii/pii.detector.ts';
import { counts, loadJsonl, ratio, scores, tally, type EvalResult } from './metrics.ts';

interface Case {
  id: string;
  split: string;
  language: Language;
  text: string;
  spans: { type: string; text: string }[];
}

/**
 * PII (test/fixtures/analytics/pii.jsonl): span-level P/R/F1. A labelled span is found when a detected span of the
 * same type overlaps at least half of its characters; every detected span that finds no labelled one is a false
 * positive. Also the share of utterances handled exactly (all spans found, nothing extra).
 */
export async function run(): Promise<EvalResult> {
  const cases = loadJsonl<Case>('pii.jsonl');
  const result: EvalResult = { task: 'pii', unit: 'spans (type + ≥50% overlap)', splits: {}, errors: {} };
  for (const split of ['dev', 'test']) {
    const c = counts();
    let exact = 0;
    let n = 0;
    const errors: string[] = [];
    for (const k of cases.filter((x) => x.split === split)) {
      n++;
      const segment = { party: 'customer' as const, channel: 1, startMs: 0, endMs: 8000, text: k.text };
      const found = detectPii(prepareTranscript([segment], k.language));
      const gold = k.spans.map((s) => {
        const start = k.text.indexOf(s.text);
        return { type: s.type, start, end: start + s.text.length };
      });
      const used = new Set<number>();
      let ok = true;
      for (const g of gold) {
        const hit = found.findIndex(
          (f, i) =>
            !used.has(i) &&
            f.type === g.type &&
            Math.min(f.end, g.end) - Math.max(f.start, g.start) >= (g.end - g.start) / 2,
        );
        tally(c, hit >= 0, true);
        if (hit >= 0) used.add(hit);
        else {
          ok = false;
          errors.push(
            `${k.id} missed ${g.type} "${k.text.slice(g.start, g.end)}" in "${k.text}" (found ${JSON.stringify(found.map((f) => [f.type, f.text]))})`,
          );
        }
      }
      found.forEach((f, i) => {
        if (used.has(i)) return;
        tally(c, true, false);
        ok = false;
        errors.push(`${k.id} extra ${f.type} "${f.text}" in "${k.text}"`);
      });
      if (ok) exact++;
    }
    result.splits[split] = { ...scores(c), exactUtterances: ratio(exact, n), utterances: n };
    result.errors![split] = errors;
  }
  return result;
}

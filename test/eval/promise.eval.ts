import { detectPromises } from '../../services/analytics/collections/promise.detector.ts';
import { prepareTranscript } from '../../services/analytics/matching/prepared-transcript.ts';
import type { Language, TranscriptSegment } from '../../services/analytics/matching/transcript.types.ts';
import { counts, loadJsonl, ratio, scores, tally, type EvalResult } from './metrics.ts';
import { createBuiltInPhrases } from '../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

interface Case {
  id: string;
  split: string;
  language: Language;
  startedAt: string;
  currency: string;
  segments: TranscriptSegment[];
  promise: boolean;
  amount: number | null;
  currencyOfAmount: string | null;
  date: string | null;
}

/**
 * Promise to pay (test/fixtures/analytics/promise.jsonl): detection P/R/F1 per call, and among true positives
 * the share with the labelled amount (value and currency) and date exactly right.
 */
export async function run(): Promise<EvalResult> {
  const cases = loadJsonl<Case>('promise.jsonl');
  const result: EvalResult = {
    task: 'promise-to-pay',
    unit: 'calls (promise yes/no)',
    splits: {},
    errors: {},
  };
  for (const split of ['dev', 'test']) {
    const c = counts();
    let amountOk = 0;
    let amountN = 0;
    let dateOk = 0;
    let dateN = 0;
    const errors: string[] = [];
    for (const k of cases.filter((x) => x.split === split)) {
      const prepared = prepareTranscript(k.segments, k.language);
      const r = detectPromises(phrases, prepared, {
        startedAt: k.startedAt,
        language: k.language,
        durationMs: k.segments.at(-1)!.endMs,
        currency: k.currency,
      });
      tally(c, r.promised, k.promise);
      if (r.promised !== k.promise) errors.push(`${k.id}: promise ${r.promised} (want ${k.promise})`);
      if (r.promised && k.promise) {
        const p = r.primary!;
        amountN++;
        const got = p.amount ? p.amount.value : null;
        const cur = p.amount ? p.amount.currency : null;
        if (got === k.amount && cur === k.currencyOfAmount) amountOk++;
        else errors.push(`${k.id}: amount ${got} ${cur} (want ${k.amount} ${k.currencyOfAmount})`);
        dateN++;
        if (p.date === k.date) dateOk++;
        else errors.push(`${k.id}: date ${p.date} (want ${k.date})`);
      }
    }
    result.splits[split] = {
      ...scores(c),
      amountAccuracy: ratio(amountOk, amountN),
      dateAccuracy: ratio(dateOk, dateN),
    };
    result.errors![split] = errors;
  }
  return result;
}

import { DEFAULT_SCRIPTS } from '../../services/analytics/adherence/default-scripts.ts';
import { evaluateScript } from '../../services/analytics/adherence/adherence.evaluator.ts';
import { prepareTranscript } from '../../services/analytics/matching/prepared-transcript.ts';
import type { Language, TranscriptSegment } from '../../services/analytics/matching/transcript.types.ts';
import { counts, loadJsonl, ratio, scores, tally, type EvalResult } from './metrics.ts';
import { createBuiltInPhrases } from '../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

interface Case {
  id: string;
  split: string;
  language: Language;
  scriptId: string;
  durationMs: number;
  segments: TranscriptSegment[];
  rules: Record<string, boolean>;
}

/**
 * Script adherence (test/fixtures/analytics/adherence.jsonl): every (call, rule) pair is a case. P/R/F1 are for
 * detecting rule *failures* (the class QA acts on), plus plain accuracy over all rule cases.
 */
export async function run(): Promise<EvalResult> {
  const cases = loadJsonl<Case>('adherence.jsonl');
  const result: EvalResult = {
    task: 'adherence',
    unit: 'call × rule (positive = rule failed)',
    splits: {},
    errors: {},
  };
  for (const split of ['dev', 'test']) {
    const c = counts();
    let ok = 0;
    let n = 0;
    const errors: string[] = [];
    for (const k of cases.filter((x) => x.split === split)) {
      const script = DEFAULT_SCRIPTS.find((s) => s.id === k.scriptId)!;
      const r = evaluateScript(phrases, prepareTranscript(k.segments, k.language), script, {
        durationMs: k.durationMs,
      });
      for (const rule of r.rules) {
        const want = k.rules[rule.id];
        if (want === undefined) continue;
        n++;
        tally(c, !rule.passed, !want);
        if (rule.passed === want) ok++;
        else
          errors.push(
            `${k.id} ${rule.id}: passed ${rule.passed} want ${want} (${rule.reason ?? ''}) ${JSON.stringify(rule.evidence.map((e) => e.matchedText))}`,
          );
      }
    }
    result.splits[split] = { ...scores(c), accuracy: ratio(ok, n), ruleCases: n };
    result.errors![split] = errors;
  }
  return result;
}

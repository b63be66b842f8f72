import { detectDisclosure } from '../../services/analytics/disclosure/disclosure.detector.ts';
import type { DisclosureProfileId } from '../../services/analytics/disclosure/disclosure.profiles.ts';
import { prepareTranscript } from '../../services/analytics/matching/prepared-transcript.ts';
import type { Language, TranscriptSegment } from '../../services/analytics/matching/transcript.types.ts';
import { counts, loadJsonl, ratio, scores, tally, type EvalResult } from './metrics.ts';
import { createBuiltInPhrases } from '../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

interface Case {
  id: string;
  split: string;
  language: Language;
  profile: DisclosureProfileId;
  segments: TranscriptSegment[];
  elements: Record<string, boolean>;
  outcome: string;
}

/**
 * Disclosure (test/fixtures/analytics/disclosure.jsonl): P/R/F1 over (call, element) pairs — an element is
 * positive when disclosed in time — and the accuracy of the call outcome (disclosed / partial / missing).
 */
export async function run(): Promise<EvalResult> {
  const cases = loadJsonl<Case>('disclosure.jsonl');
  const result: EvalResult = {
    task: 'disclosure',
    unit: 'call × element (disclosed in time)',
    splits: {},
    errors: {},
  };
  for (const split of ['dev', 'test']) {
    const c = counts();
    let outcomeOk = 0;
    let n = 0;
    const errors: string[] = [];
    for (const k of cases.filter((x) => x.split === split)) {
      const r = detectDisclosure(phrases, prepareTranscript(k.segments, k.language), k.profile);
      n++;
      if (r.outcome === k.outcome) outcomeOk++;
      for (const el of r.elements) {
        const want = k.elements[el.id] ?? false;
        tally(c, el.disclosed, want);
        if (el.disclosed !== want) {
          errors.push(
            `${k.id} ${el.id}: got ${el.disclosed} want ${want} ${JSON.stringify(el.evidence.map((e) => e.matchedText))}`,
          );
        }
      }
    }
    result.splits[split] = { ...scores(c), outcomeAccuracy: ratio(outcomeOk, n), calls: n };
    result.errors![split] = errors;
  }
  return result;
}

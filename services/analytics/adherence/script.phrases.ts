import type { PhraseSpec } from '../matching/phrase.matcher.ts';
import type { PhraseList } from '../matching/phrase.registry.ts';
import type { Script } from './script.schema.ts';

/** Minimum match score of a script's phrases (a rule may ask for more). */
export const SCRIPT_MIN_SCORE = 0.8;

/** The phrases of a script's phrase and mention rules (phrase id = rule id), looked for in the rule's party's words. */
export function scriptPhraseSpecs(script: Script): PhraseSpec[] {
  return script.rules.flatMap((r): PhraseSpec[] => {
    if (r.type === 'order') return [];
    const min = 'minScore' in r && r.minScore ? { minScore: r.minScore } : {};
    const parties = r.party === 'any' ? {} : { parties: [r.party] };
    if (r.type === 'required_phrase' || r.type === 'forbidden_phrase') {
      return [
        { id: r.id, patterns: r.phrases, ...min, ...parties, rejectNegated: r.type !== 'forbidden_phrase' },
      ];
    }
    return [{ id: r.id, patterns: r.words, ...min, ...parties }];
  });
}

/** A built-in script as a phrase list of its language, found again by the script object itself. */
export function scriptPhraseList(script: Script): PhraseList {
  return {
    namespace: `script:${script.id}@${script.version}`,
    minScore: SCRIPT_MIN_SCORE,
    specs: () => scriptPhraseSpecs(script),
    owner: script,
  };
}

import { toEvidence } from '../matching/phrase.matcher.ts';
import type { PhraseRegistry } from '../matching/phrase.registry.ts';
import type { PreparedTranscript } from '../matching/prepared-transcript.ts';
import type { Evidence } from '../matching/transcript.types.ts';
import { FORBIDDEN_PHRASE_LIST } from './forbidden.phrases.ts';

/**
 * Forbidden collection practices and call classification.
 *
 * Practices (agent): threats of jail/arrest/police, insults, threats to expose the debt (employer, family,
 * neighbours, social networks), and talking about the debt to a third party — someone who said they are not the
 * debtor ("no está", "soy la esposa", "he's not here", "wrong number") — after they said it.
 *
 * Classification: `voicemail` (an answering machine: "deje su mensaje", "leave a message after the tone"),
 * `no_customer_speech`, `third_party`, or `right_party`.
 */

export type PracticeId = 'threat' | 'insult' | 'exposure_threat' | 'debt_to_third_party';
export type CallClass = 'right_party' | 'third_party' | 'voicemail' | 'no_customer_speech';

export interface PracticeFinding {
  practice: PracticeId;
  evidence: Evidence[];
}

export interface ForbiddenResult {
  violations: PracticeFinding[];
  classification: CallClass;
  thirdParty: Evidence[];
  voicemail: Evidence[];
  customerWords: number;
}

export function detectForbidden(phrases: PhraseRegistry, prepared: PreparedTranscript): ForbiddenResult {
  const matches = phrases.matches(prepared, FORBIDDEN_PHRASE_LIST.namespace);
  // the list says whose words each phrase is looked for in (forbidden.phrases.ts)
  const violations: PracticeFinding[] = [];
  for (const practice of ['threat', 'insult', 'exposure_threat'] as const) {
    const found = matches.filter((m) => m.phraseId === practice);
    if (found.length > 0) violations.push({ practice, evidence: found.map(toEvidence) });
  }
  const voicemail = matches.filter((m) => m.phraseId === 'voicemail');
  const thirdParty = matches.filter((m) => m.phraseId === 'third_party');
  if (thirdParty.length > 0) {
    const since = thirdParty[0]!.endMs;
    const debtTalk = matches.filter((m) => m.phraseId === 'debt' && m.startMs >= since);
    if (debtTalk.length > 0) {
      violations.push({
        practice: 'debt_to_third_party',
        evidence: [toEvidence(thirdParty[0]!), ...debtTalk.slice(0, 3).map(toEvidence)],
      });
    }
  }
  let customerWords = 0;
  prepared.segments.forEach((s, i) => {
    if (s.party === 'customer') customerWords += prepared.segmentTokens[i]!.filter((t) => !t.filler).length;
  });
  const classification: CallClass =
    voicemail.length > 0
      ? 'voicemail'
      : customerWords < 3
        ? 'no_customer_speech'
        : thirdParty.length > 0
          ? 'third_party'
          : 'right_party';
  return {
    violations,
    classification,
    thirdParty: thirdParty.map(toEvidence),
    voicemail: voicemail.map(toEvidence),
    customerWords,
  };
}

import type { PhraseMatch } from '../matching/phrase.matcher.ts';
import { registerPhrases, sharedMatches } from '../matching/shared-matches.ts';
import type { PreparedTranscript } from '../matching/prepared-transcript.ts';
import type { Evidence, Transcript } from '../matching/transcript.types.ts';
import { ELEMENT_PHRASES, type ElementId } from './disclosure.phrases.ts';
import {
  DISCLOSURE_PROFILES,
  type DisclosureProfile,
  type DisclosureProfileId,
} from './disclosure.profiles.ts';

/**
 * Checks the legal notices of a call opening against a jurisdiction profile: each element is `present` when the
 * agent says it, and counts as disclosed only when it starts within the element's limit of agent speech. Outcome:
 * `disclosed` (every element in time), `partial` (some, with the missing ones listed) or `missing`.
 */

export type DisclosureOutcome = 'disclosed' | 'partial' | 'missing';

export interface ElementResult {
  id: ElementId;
  description: string;
  /** Said in time. */
  disclosed: boolean;
  /** Said at all (possibly late). */
  present: boolean;
  /** Seconds of agent speech before it started (first occurrence), or null. */
  agentSpeechBeforeMs: number | null;
  limitMs: number;
  evidence: Evidence[];
}

export interface DisclosureResult {
  profile: DisclosureProfileId;
  outcome: DisclosureOutcome;
  elements: ElementResult[];
  missing: ElementId[];
  late: ElementId[];
}

for (const language of ['es', 'en'] as const) {
  registerPhrases(
    'disclosure',
    language,
    (Object.keys(ELEMENT_PHRASES) as ElementId[]).map((id) => ({
      id,
      patterns: ELEMENT_PHRASES[id][language],
    })),
    0.8,
  );
}

/** Milliseconds the agent spoke before `atMs` (sum of agent segment time, overlaps merged). */
export function agentSpeechBefore(segments: Transcript, atMs: number): number {
  const spans = segments
    .filter((s) => s.party === 'agent' && s.startMs < atMs)
    .map((s) => [s.startMs, Math.min(s.endMs, atMs)] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -1;
  let curEnd = -1;
  for (const [a, b] of spans) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else curEnd = Math.max(curEnd, b);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

const toEvidence = (m: PhraseMatch): Evidence => ({
  segmentIndex: m.segmentIndex,
  party: m.party,
  startMs: m.startMs,
  endMs: m.endMs,
  matchedText: m.matchedText,
  score: m.score,
});

export function detectDisclosure(
  prepared: PreparedTranscript,
  profileId: DisclosureProfileId | DisclosureProfile,
): DisclosureResult {
  const profile = typeof profileId === 'string' ? DISCLOSURE_PROFILES[profileId] : profileId;
  const wanted = profile.elements.map((e) => e.id);
  const matches = sharedMatches(prepared, 'disclosure').filter(
    (m) => m.party === 'agent' && (wanted as string[]).includes(m.phraseId),
  );
  const elements: ElementResult[] = profile.elements.map((el) => {
    const found = matches.filter((m) => m.phraseId === el.id).sort((a, b) => a.startMs - b.startMs);
    const timed = found.map((m) => ({ m, before: agentSpeechBefore(prepared.segments, m.startMs) }));
    const inTime = timed.filter((t) => t.before <= el.limitMs);
    const first = timed[0];
    return {
      id: el.id,
      description: el.description,
      disclosed: inTime.length > 0,
      present: found.length > 0,
      agentSpeechBeforeMs: first ? first.before : null,
      limitMs: el.limitMs,
      evidence: (inTime.length > 0 ? inTime : timed).slice(0, 3).map((t) => toEvidence(t.m)),
    };
  });
  const done = elements.filter((e) => e.disclosed).length;
  return {
    profile: profile.id,
    outcome: done === elements.length ? 'disclosed' : done === 0 ? 'missing' : 'partial',
    elements,
    missing: elements.filter((e) => !e.disclosed).map((e) => e.id),
    late: elements.filter((e) => !e.disclosed && e.present).map((e) => e.id),
  };
}

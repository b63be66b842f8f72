import type { BeepResult } from '../beep/beep.detector.ts';
import { toEvidence } from '../matching/phrase.matcher.ts';
import type { PhraseRegistry } from '../matching/phrase.registry.ts';
import type { PreparedTranscript } from '../matching/prepared-transcript.ts';
import type { Evidence, Transcript } from '../matching/transcript.types.ts';
import { DISCLOSURE_PHRASE_LIST, type ElementId } from './disclosure.phrases.ts';
import {
  DISCLOSURE_PROFILES,
  type DisclosureProfile,
  type DisclosureProfileId,
} from './disclosure.profiles.ts';

/**
 * Checks the legal notices of a call opening against a jurisdiction profile: each element is `present` when the
 * agent says it, and counts as disclosed only when it starts within the element's limit of agent speech. Outcome:
 * `disclosed` (every element in time), `partial` (some, with the missing ones listed) or `missing`.
 *
 * A periodic recording tone (beep), measured on the audio by the vad stage, takes part when the deployment says so
 * (ESCUCHA_RECORDING_TONE): `alternative` — the tone sounding throughout the call counts as saying the call is
 * recorded; `required` — the tone is one more element every call must have, besides the spoken notices.
 */

export type DisclosureOutcome = 'disclosed' | 'partial' | 'missing';

/** A spoken notice, or the periodic recording tone. */
export type DisclosureElementId = ElementId | 'recording_tone';

export const RECORDING_TONE_MODES = ['off', 'alternative', 'required'] as const;
export type RecordingToneMode = (typeof RECORDING_TONE_MODES)[number];

/** What the analytics stage knows of a call's recording tone. */
export interface RecordingToneInput {
  mode: RecordingToneMode;
  /** The expected period (ESCUCHA_RECORDING_TONE_INTERVAL_MS). */
  intervalMs: number;
  /** Per channel of the recording; null when the audio was not examined (no recording, or analysed before). */
  channels: readonly (BeepResult & { channel: number })[] | null;
}

/** The tone as the disclosure result reports it: the channel where it sounds best. */
export interface RecordingToneResult {
  mode: RecordingToneMode;
  measured: boolean;
  channel: number | null;
  frequencyHz: number | null;
  beeps: number;
  firstMs: number | null;
  meanIntervalMs: number | null;
  /** Every gap matches the interval. */
  regular: boolean;
  /** From the start to the end of the call (see BeepResult.throughout). */
  throughout: boolean;
}

export interface ElementResult {
  id: DisclosureElementId;
  description: string;
  /** Said in time. */
  disclosed: boolean;
  /** Said at all (possibly late). */
  present: boolean;
  /** Seconds of agent speech before it started (first occurrence), or null. */
  agentSpeechBeforeMs: number | null;
  limitMs: number;
  evidence: Evidence[];
  /** How a disclosed element was given: said by the agent, or by the recording tone (mode `alternative`). */
  by?: 'speech' | 'tone';
}

export interface DisclosureResult {
  profile: DisclosureProfileId;
  outcome: DisclosureOutcome;
  elements: ElementResult[];
  missing: DisclosureElementId[];
  late: DisclosureElementId[];
  /** Present when a recording-tone mode other than `off` is configured, or tones were measured. */
  recordingTone?: RecordingToneResult;
}

/** The channel whose tone best fits: sounding throughout, then regular, then the most beeps. */
export function summarizeRecordingTone(input: RecordingToneInput): RecordingToneResult {
  const rank = (c: BeepResult) => (c.throughout ? 2e6 : 0) + (c.regular ? 1e6 : 0) + c.beeps.length;
  const best = [...(input.channels ?? [])].sort((a, b) => rank(b) - rank(a) || a.channel - b.channel)[0];
  return {
    mode: input.mode,
    measured: input.channels !== null,
    channel: best && best.beeps.length > 0 ? best.channel : null,
    frequencyHz: best ? best.frequencyHz : null,
    beeps: best ? best.beeps.length : 0,
    firstMs: best?.beeps[0]?.startMs ?? null,
    meanIntervalMs: best ? best.meanIntervalMs : null,
    regular: best ? best.regular : false,
    throughout: best ? best.throughout : false,
  };
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

export function detectDisclosure(
  phrases: PhraseRegistry,
  prepared: PreparedTranscript,
  profileId: DisclosureProfileId | DisclosureProfile,
  tone?: RecordingToneInput,
): DisclosureResult {
  const profile = typeof profileId === 'string' ? DISCLOSURE_PROFILES[profileId] : profileId;
  const wanted = profile.elements.map((e) => e.id);
  const matches = phrases
    .matches(prepared, DISCLOSURE_PHRASE_LIST.namespace)
    .filter((m) => m.party === 'agent' && (wanted as string[]).includes(m.phraseId));
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
      ...(inTime.length > 0 ? { by: 'speech' as const } : {}),
    };
  });
  const recordingTone = tone ? summarizeRecordingTone(tone) : undefined;
  if (tone && recordingTone && tone.mode === 'alternative') {
    const recorded = elements.find((e) => e.id === 'recorded');
    if (recorded && !recorded.disclosed && recordingTone.throughout) {
      recorded.disclosed = true;
      recorded.by = 'tone';
    }
  } else if (tone && recordingTone && tone.mode === 'required') {
    elements.push({
      id: 'recording_tone',
      description: `a recording tone sounds every ${Math.round(tone.intervalMs / 100) / 10} s throughout the call`,
      disclosed: recordingTone.throughout,
      present: recordingTone.beeps > 0,
      agentSpeechBeforeMs: null,
      limitMs: tone.intervalMs,
      evidence: [],
      ...(recordingTone.throughout ? { by: 'tone' as const } : {}),
    });
  }
  const done = elements.filter((e) => e.disclosed).length;
  return {
    profile: profile.id,
    outcome: done === elements.length ? 'disclosed' : done === 0 ? 'missing' : 'partial',
    elements,
    missing: elements.filter((e) => !e.disclosed).map((e) => e.id),
    late: elements.filter((e) => !e.disclosed && e.present).map((e) => e.id),
    ...(recordingTone && (tone!.mode !== 'off' || recordingTone.beeps > 0) ? { recordingTone } : {}),
  };
}

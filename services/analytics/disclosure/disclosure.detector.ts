import { foldLower } from '../text/fold.ts';
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
  type RecordingToneMode,
} from './disclosure.profiles.ts';

/**
 * Checks the legal notices of a call opening against a jurisdiction profile, on the call's clock: each element is
 * `given` when the agent says it within the profile's window from the start of the conversation (the first speech of
 * either party), `late` when the agent says it only after the window (with the time it was given), `missing` when
 * the agent never says it (a notice the customer says does not count). Outcome of the call: `disclosed` (every
 * element given), `late` (every element said, one or more after the window), `partial` (some said, some missing) or
 * `missing` (none said). Only `disclosed` is a notice given on time.
 *
 * A periodic recording tone (beep), measured on the audio by the vad stage, takes part as the profile's law accepts
 * it (DisclosureProfile.recordingTone, or ESCUCHA_RECORDING_TONE for every profile): `alternative` — the tone
 * sounding throughout the call counts as saying the call is recorded; `required` — the tone is one more element
 * every call must have, besides the spoken notices. Either way the tone is the element's evidence (when it started,
 * its frequency and period).
 */

export type DisclosureOutcome = 'disclosed' | 'late' | 'partial' | 'missing';

/** One element: said in the window, said after it, or never said. */
export type ElementOutcome = 'given' | 'late' | 'missing';

/** A spoken notice, or the periodic recording tone. */
export type DisclosureElementId = ElementId | 'recording_tone';

export const RECORDING_TONE_MODES = ['off', 'alternative', 'required'] as const;

/** What the analytics stage knows of a call's recording tone. */
export interface RecordingToneInput {
  /** Applies this mode whatever the profile says; absent: the profile's. */
  mode?: RecordingToneMode;
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

/** The tone as an element's evidence: where it was heard first, its frequency and period. */
export interface ToneEvidence {
  channel: number;
  /** On the recording's clock. */
  startMs: number;
  frequencyHz: number | null;
  periodMs: number | null;
  beeps: number;
}

export interface ElementResult {
  id: DisclosureElementId;
  description: string;
  outcome: ElementOutcome;
  /** Given within the window (outcome `given`). */
  disclosed: boolean;
  /** Said at all (possibly late). */
  present: boolean;
  /** When it was first given, in ms from the start of the conversation; null when missing. */
  atMs: number | null;
  /** The profile's window, in ms from the start of the conversation. */
  windowMs: number;
  evidence: Evidence[];
  /** How it was given: said by the agent, or by the recording tone. */
  by?: 'speech' | 'tone';
  tone?: ToneEvidence;
}

export interface DisclosureResult {
  profile: DisclosureProfileId;
  outcome: DisclosureOutcome;
  /** The first speech of either party, on the recording's clock: where the window starts (null: no speech). */
  conversationStartMs: number | null;
  windowMs: number;
  elements: ElementResult[];
  /** Elements never given. */
  missing: DisclosureElementId[];
  /** Elements given only after the window. */
  late: DisclosureElementId[];
  /** Present when the tone counts under the profile, or tones were measured. */
  recordingTone?: RecordingToneResult;
}

/** The channel whose tone best fits: sounding throughout, then regular, then the most beeps. */
export function summarizeRecordingTone(
  input: RecordingToneInput,
  mode: RecordingToneMode = input.mode ?? 'off',
): RecordingToneResult {
  const rank = (c: BeepResult) => (c.throughout ? 2e6 : 0) + (c.regular ? 1e6 : 0) + c.beeps.length;
  const best = [...(input.channels ?? [])].sort((a, b) => rank(b) - rank(a) || a.channel - b.channel)[0];
  return {
    mode,
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

/** The first speech of either party, on the recording's clock (null when nobody spoke). */
export function conversationStart(segments: Transcript): number | null {
  let first: number | null = null;
  for (const s of segments) {
    if (s.text.trim() !== '' && (first === null || s.startMs < first)) first = s.startMs;
  }
  return first;
}

function toneEvidence(tone: RecordingToneResult): ToneEvidence | undefined {
  if (tone.channel === null || tone.firstMs === null) return undefined;
  return {
    channel: tone.channel,
    startMs: tone.firstMs,
    frequencyHz: tone.frequencyHz,
    periodMs: tone.meanIntervalMs,
    beeps: tone.beeps,
  };
}

/**
 * A word of recording in a match of the recording notice: a fuzzy match that scores without it ("calls on this line
 * may be [monitored]") says nothing about recording.
 */
const RECORDING_WORD = /gra[bv]|rec+o?r+d|tap(e|ed|ing)|audio/;

/** Whether a match's words hold a recording word, read through a recognizer's splits and slips ("gr avada", "rekorded"). */
function saysRecording(text: string): boolean {
  const letters = foldLower(text)
    .replace(/[^a-z]/g, '')
    .replace(/(.)\1+/g, '$1')
    .replace(/k/g, 'c');
  return RECORDING_WORD.test(letters);
}

export function detectDisclosure(
  phrases: PhraseRegistry,
  prepared: PreparedTranscript,
  profileId: DisclosureProfileId | DisclosureProfile,
  tone?: RecordingToneInput,
): DisclosureResult {
  const profile = typeof profileId === 'string' ? DISCLOSURE_PROFILES[profileId] : profileId;
  const windowMs = profile.windowMs;
  const start = conversationStart(prepared.segments);
  const origin = start ?? 0;
  const wanted = new Set<string>(profile.elements.map((e) => e.id));
  const matches = phrases
    .matches(prepared, DISCLOSURE_PHRASE_LIST.namespace)
    .filter((m) => wanted.has(m.phraseId))
    .sort((a, b) => a.startMs - b.startMs);
  const elements: ElementResult[] = profile.elements.map((el) => {
    const found = matches.filter(
      (m) => m.phraseId === el.id && (el.id !== 'recorded' || saysRecording(m.matchedText)),
    );
    const inTime = found.filter((m) => m.startMs - origin <= windowMs);
    const first = found[0];
    const outcome: ElementOutcome = inTime.length > 0 ? 'given' : first ? 'late' : 'missing';
    return {
      id: el.id,
      description: el.description,
      outcome,
      disclosed: outcome === 'given',
      present: first !== undefined,
      atMs: first ? Math.max(0, first.startMs - origin) : null,
      windowMs,
      evidence: (inTime.length > 0 ? inTime : found).slice(0, 3).map(toEvidence),
      ...(first ? { by: 'speech' as const } : {}),
    };
  });
  const mode = tone?.mode ?? profile.recordingTone;
  const recordingTone = tone ? summarizeRecordingTone(tone, mode) : undefined;
  const heard = recordingTone ? toneEvidence(recordingTone) : undefined;
  if (recordingTone && mode === 'alternative') {
    const recorded = elements.find((e) => e.id === 'recorded');
    if (recorded && !recorded.disclosed && recordingTone.throughout) {
      recorded.outcome = 'given';
      recorded.disclosed = true;
      recorded.present = true;
      recorded.atMs = Math.max(0, (recordingTone.firstMs ?? origin) - origin);
      recorded.by = 'tone';
      if (heard) recorded.tone = heard;
    }
  } else if (tone && recordingTone && mode === 'required') {
    elements.push({
      id: 'recording_tone',
      description: `a recording tone sounds every ${Math.round(tone.intervalMs / 100) / 10} s throughout the call`,
      outcome: recordingTone.throughout ? 'given' : 'missing',
      disclosed: recordingTone.throughout,
      present: recordingTone.beeps > 0,
      atMs: recordingTone.firstMs === null ? null : Math.max(0, recordingTone.firstMs - origin),
      windowMs,
      evidence: [],
      ...(recordingTone.throughout ? { by: 'tone' as const } : {}),
      ...(heard ? { tone: heard } : {}),
    });
  }
  const missing = elements.filter((e) => e.outcome === 'missing').map((e) => e.id);
  const late = elements.filter((e) => e.outcome === 'late').map((e) => e.id);
  const outcome: DisclosureOutcome =
    missing.length === elements.length
      ? 'missing'
      : missing.length > 0
        ? 'partial'
        : late.length > 0
          ? 'late'
          : 'disclosed';
  return {
    profile: profile.id,
    outcome,
    conversationStartMs: start,
    windowMs,
    elements,
    missing,
    late,
    ...(recordingTone && (mode !== 'off' || recordingTone.beeps > 0) ? { recordingTone } : {}),
  };
}

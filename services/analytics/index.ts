import { DEFAULT_SCRIPTS, pickScript } from './adherence/default-scripts.ts';
import { evaluateScript, type AdherenceResult } from './adherence/adherence.evaluator.ts';
import type { Script } from './adherence/script.schema.ts';
import { builtInPhrases } from './built-in-phrases.ts';
import { callCountry } from './call-country.ts';
import { checkContactTime, type ContactCheck, type PriorContact } from './collections/contact-rules.ts';
import { detectForbidden, type ForbiddenResult } from './collections/forbidden.detector.ts';
import { detectPromises, type PromiseResult } from './collections/promise.detector.ts';
import { countTerms, type CountsResult } from './counts/counts.analyzer.ts';
import type { KeywordCategory } from './counts/keyword-categories.ts';
import {
  detectDisclosure,
  type DisclosureResult,
  type RecordingToneInput,
} from './disclosure/disclosure.detector.ts';
import {
  profileForCountry,
  type DisclosureProfile,
  type DisclosureProfileId,
} from './disclosure/disclosure.profiles.ts';
import type { PhraseRegistry } from './matching/phrase.registry.ts';
import { prepareTranscript } from './matching/prepared-transcript.ts';
import type { CallContext, Party, Transcript } from './matching/transcript.types.ts';
import { detectPii, type PiiSpan } from './pii/pii.detector.ts';
import {
  keyPressMuteRanges,
  mergeMuteRanges,
  redact,
  type MuteRange,
  type MuteReason,
} from './pii/redact.ts';
import { DEFAULT_ROUTING, routeCall, type ReviewItem, type RoutingConfig } from './routing/routing.rules.ts';
import type { SentimentResult } from './sentiment/types.ts';
import { talkMetrics, type TalkMetrics } from './talk/talk.metrics.ts';

/**
 * Escucha's call analytics: pure functions over a transcript and the call's metadata (no I/O). `analyzeCall` runs
 * every text detector on one shared tokenisation of the transcript; each detector is also exported on its own.
 */

export * from './matching/transcript.types.ts';
export { callCountry } from './call-country.ts';
export { prepareTranscript, type PreparedTranscript } from './matching/prepared-transcript.ts';
export { PhraseMatcher, type PhraseMatch, type PhraseSpec } from './matching/phrase.matcher.ts';
export { PhraseRegistry, type PhraseList } from './matching/phrase.registry.ts';
export { builtInPhrases, createBuiltInPhrases } from './built-in-phrases.ts';
export { compilePattern } from './matching/phrase.pattern.ts';
export { findNumbers, parseNumberAt } from './matching/numbers.ts';
export * from './counts/counts.analyzer.ts';
export * from './counts/keyword-categories.ts';
export * from './adherence/script.schema.ts';
export * from './adherence/default-scripts.ts';
export * from './adherence/adherence.evaluator.ts';
export * from './disclosure/disclosure.detector.ts';
export * from './disclosure/disclosure.profiles.ts';
export {
  BeepTracker,
  detectBeeps,
  detectBeepsInStream,
  type BeepOptions,
  type BeepResult,
  type Beep,
} from './beep/beep.detector.ts';
export {
  KeyPressTracker,
  detectKeyPresses,
  type KeyPressOptions,
  type KeyPressSpan,
} from './dtmf/dtmf.detector.ts';
export * from './collections/promise.detector.ts';
export * from './collections/forbidden.detector.ts';
export * from './collections/contact-rules.ts';
export { findDates, type DateMention } from './collections/date.resolver.ts';
export { localDateTime, colombianHolidays } from './collections/calendar.ts';
export * from './talk/talk.metrics.ts';
export * from './pii/pii.detector.ts';
export * from './pii/redact.ts';
export * from './routing/routing.rules.ts';

/** Bumped whenever the meaning of `analyzeCall`'s output changes (stored with every result). 2: the recording tone. */
export const ANALYTICS_VERSION = 2;

/** A sentiment analyser as services/analytics/sentiment provides it (injected, so this module stays pure). */
export interface SentimentPort {
  analyze(
    utterances: readonly { party: Party; startMs: number; endMs: number; text: string }[],
    lang: 'es' | 'en',
  ): SentimentResult;
}

export interface AnalyzeOptions {
  /** The phrase lists matched in one scan (default: builtInPhrases()); `scripts` not in it get their own matcher. */
  phrases?: PhraseRegistry;
  /** The call's profile (chooseProfile, with the deployment's window); default: its country's, else generic. */
  disclosureProfile?: DisclosureProfileId | DisclosureProfile | null;
  scripts?: readonly Script[];
  categories?: readonly KeywordCategory[];
  contactHistory?: readonly PriorContact[];
  routing?: RoutingConfig;
  sentiment?: SentimentPort | null;
  /** The periodic recording tone measured on the audio, and how it counts (ESCUCHA_RECORDING_TONE). */
  recordingTone?: RecordingToneInput;
  /** Key presses heard in the audio (in-band DTMF, any channel): muted in the redacted audio. */
  keyPresses?: readonly { startMs: number; endMs: number }[];
}

/** A PII span as stored: where it is and what type, never the value. */
export type StoredPiiSpan = Omit<PiiSpan, 'text' | 'value'>;

export interface CallAnalysis {
  version: number;
  language: 'es' | 'en';
  disclosure: DisclosureResult;
  adherence: AdherenceResult | null;
  promise: PromiseResult;
  forbidden: ForbiddenResult;
  contact: ContactCheck;
  counts: CountsResult;
  talk: TalkMetrics;
  /** counts.DTMF: key presses heard in the audio. */
  pii: { spans: StoredPiiSpan[]; counts: Partial<Record<MuteReason, number>>; muteRanges: MuteRange[] };
  redactedTranscript: Transcript;
  sentiment: SentimentResult | null;
  review: ReviewItem[];
}

/** Replaces sensitive values found in a transcript wherever a result quotes them (matchedText, amount text…). */
function scrubber(spans: readonly PiiSpan[]): <T>(value: T) => T {
  const values = spans
    .filter((s) => s.text.length >= 3)
    .map((s) => ({ text: s.text, placeholder: `[${s.type}]` }))
    .sort((a, b) => b.text.length - a.text.length);
  const clean = (text: string): string => {
    let out = text;
    for (const v of values) if (out.includes(v.text)) out = out.split(v.text).join(v.placeholder);
    return out;
  };
  // a copy only where a string changed: the subtrees without a sensitive value are returned as they are
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return clean(node);
    if (Array.isArray(node)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < node.length; i++) {
        const v = walk(node[i]);
        if (v !== node[i]) (out ??= node.slice())[i] = v;
      }
      return out ?? node;
    }
    if (node && typeof node === 'object') {
      let out: Record<string, unknown> | undefined;
      const record = node as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        const v = walk(record[k]);
        if (v !== record[k]) (out ??= { ...record })[k] = v;
      }
      return out ?? node;
    }
    return node;
  };
  return <T>(value: T): T => (values.length === 0 ? value : (walk(value) as T));
}

export function analyzeCall(
  transcript: Transcript,
  call: CallContext,
  options: AnalyzeOptions = {},
): CallAnalysis {
  const phrases = options.phrases ?? builtInPhrases();
  const prepared = prepareTranscript(transcript, call.language);
  const disclosure = detectDisclosure(
    phrases,
    prepared,
    options.disclosureProfile ?? profileForCountry(callCountry(call)) ?? 'generic',
    options.recordingTone,
  );
  const script = pickScript(options.scripts ?? DEFAULT_SCRIPTS, call.language, call.campaign);
  const adherence = script
    ? evaluateScript(phrases, prepared, script, { durationMs: call.durationMs })
    : null;
  const spans = detectPii(prepared);
  const promise = detectPromises(phrases, prepared, call, { sensitive: spans });
  const forbidden = detectForbidden(phrases, prepared);
  const contact = checkContactTime(call, { history: options.contactHistory ?? [] });
  const redaction = redact(transcript, spans);
  const keyPresses = options.keyPresses ?? [];
  const counts = countTerms(phrases, prepared, {
    ...(options.categories ? { categories: options.categories } : {}),
    skip: spans,
  });
  const talk = talkMetrics(transcript, call.durationMs);
  const sentiment = options.sentiment
    ? options.sentiment.analyze(
        transcript
          .filter((s) => s.party === 'agent' || s.party === 'customer')
          .map((s) => ({
            party: s.party as Party,
            startMs: s.startMs,
            endMs: s.endMs,
            text: s.text,
          })),
        call.language,
      )
    : null;
  const review = routeCall(
    {
      callId: call.callId ?? 'unknown',
      agentId: call.agentId ?? null,
      language: call.language,
      startedAt: call.startedAt,
      disclosure,
      adherence: adherence
        ? {
            score: adherence.score,
            passed: adherence.passed,
            criticalFailed: adherence.rules.filter((r) => r.critical && !r.passed).map((r) => r.id),
          }
        : null,
      sentiment: sentiment ? { customer: sentiment.parties.customer } : null,
      violations: forbidden.violations,
      contact,
    },
    options.routing ?? DEFAULT_ROUTING,
  );
  // evidence (sentiment's too) quotes the transcript: sensitive data in a quote is replaced like in the redacted
  // transcript
  const scrub = scrubber(spans);
  return {
    version: ANALYTICS_VERSION,
    language: call.language,
    disclosure: scrub(disclosure),
    adherence: adherence ? scrub(adherence) : null,
    promise: scrub(promise),
    forbidden: scrub(forbidden),
    contact,
    counts: scrub(counts),
    talk,
    pii: {
      spans: spans.map(({ text: _t, value: _v, ...rest }) => rest),
      counts: keyPresses.length > 0 ? { ...redaction.counts, DTMF: keyPresses.length } : redaction.counts,
      muteRanges:
        keyPresses.length > 0
          ? mergeMuteRanges([...redaction.muteRanges, ...keyPressMuteRanges(keyPresses)])
          : redaction.muteRanges,
    },
    redactedTranscript: redaction.segments,
    sentiment: sentiment ? scrub(sentiment) : null,
    review,
  };
}

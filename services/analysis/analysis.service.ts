import {
  callCountry,
  ANALYTICS_VERSION,
  DEFAULT_SCRIPTS,
  analyzeCall,
  chooseProfile,
  configuredProfile,
  type DisclosureProfileId,
  type PhraseRegistry,
  type RecordingToneMode,
  type RoutingConfig,
  type CallAnalysis,
  type Script,
  type SentimentPort,
  type TranscriptSegment,
} from '../analytics/index.ts';
import { recordingObjectKey } from '../archive/object-key.ts';
import { callLanguage } from '../../models/language.ts';
import type { ObjectStore } from '../archive/object-store.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { Transaction } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { AnalysisCall, AnalysisRepository } from './analysis.repository.ts';
import type { ScriptRepository } from './script.repository.ts';
import type { ToneRepository } from './tone.repository.ts';
import type { TranscriptRepository } from '../transcripts/transcript.repository.ts';
import type { AudioRedactor } from './audio-redactor.ts';
import type { AnalysisDone, EventPublisher } from '../webhooks/webhook.events.ts';

/** What else is stored with a call's analysis, in its transaction (the promise ledger, services/collections/). */
export type AnalysisStoredHook = (
  trx: Transaction<Database>,
  call: AnalysisCall,
  analysis: CallAnalysis,
) => Promise<void>;

/** What the stage needs to discard unredacted originals: legal holds, and the audit trail (wired by cli). */
export interface OriginalsCustody {
  /** A call under legal hold keeps its originals whatever the policy says. */
  isHeld(callId: string): Promise<boolean>;
  /** Records that the originals were discarded (the audit log, as the system). */
  discarded(callId: string, details: Record<string, unknown>): Promise<void>;
}

export interface AnalysisServiceDeps {
  analyses: AnalysisRepository;
  transcripts: TranscriptRepository;
  scripts: ScriptRepository;
  store: ObjectStore;
  redactor: AudioRedactor;
  /** ESCUCHA_DISCLOSURE_PROFILE: the profile when neither the campaign nor the country names one; null = generic. */
  disclosureProfile: DisclosureProfileId | null;
  /** ESCUCHA_DISCLOSURE_CAMPAIGNS: a campaign's own profile comes first. */
  disclosureByCampaign: Readonly<Record<string, DisclosureProfileId>>;
  /** ESCUCHA_DISCLOSURE_WINDOWS: a profile's window in ms from the start of the conversation. */
  disclosureWindows: Readonly<Partial<Record<DisclosureProfileId, number>>>;
  /** ESCUCHA_DISCLOSURE_REGIONS: region (lower case) → country, only as configured. */
  disclosureRegions: Readonly<Record<string, string>>;
  /** Recording tones measured by the vad stage, and how they count (ESCUCHA_RECORDING_TONE; `profile`: its own). */
  tones: ToneRepository;
  recordingTone: { mode: RecordingToneMode | 'profile'; intervalMs: number };
  /**
   * ESCUCHA_REDACTION_ORIGINALS: `keep` the unredacted transcript and audio (readable by the roles that may), or
   * `discard` them once the redacted copies exist, unless the call is under legal hold.
   */
  originals: 'keep' | 'discard';
  custody: OriginalsCustody | null;
  routing: RoutingConfig;
  sentiment: SentimentPort | null;
  /** The compiled phrase lists the detectors match (built once by whoever wires the service). */
  phrases: PhraseRegistry;
  onStored?: AnalysisStoredHook;
  /** Told of every analysis stored (webhooks), in its transaction. */
  events?: EventPublisher;
}

/** What the `analysis.done` event says of an analysis: its outcomes, not its text. */
export function analysisDone(callId: string, analysis: CallAnalysis): AnalysisDone {
  return {
    callId,
    analyticsVersion: analysis.version,
    language: analysis.language,
    disclosure: { profile: analysis.disclosure.profile, outcome: analysis.disclosure.outcome },
    forbiddenPractices: [...new Set(analysis.forbidden.violations.map((v) => v.practice))],
    promiseToPay: analysis.promise.promised,
    customerSentiment: analysis.sentiment?.parties.customer.label ?? null,
    reviewQueues: analysis.review.map((r) => r.queue),
  };
}

/** The disclosure profile of a call (chooseProfile): its campaign's, else its country's, else the default. */
export function disclosureProfileFor(
  call: { campaign: string | null; country: string | null; region: string | null },
  config: Pick<AnalysisServiceDeps, 'disclosureProfile' | 'disclosureByCampaign' | 'disclosureRegions'>,
): DisclosureProfileId {
  return chooseProfile(call, {
    byCampaign: config.disclosureByCampaign,
    defaultProfile: config.disclosureProfile,
    regionCountries: config.disclosureRegions,
  });
}

/** What analysing a call did: a summary of the stored analysis, or why there was nothing to analyse. */
export type AnalyzeResult = { skipped: string } | { model: string; summary: Record<string, unknown> };

/**
 * A call's text analysis: every text detector over the call's transcript (services/analytics): disclosure, script
 * adherence, promise to pay, forbidden practices, contact rules, keyword counts, talk metrics, sentiment and PII, and
 * the review queues it goes to. Stores the result with its evidence (a new revision, the previous one kept), the
 * redacted transcript, and — when something was redacted — the redacted audio (kind `redacted` in recordings).
 * Idempotent: analysing a call again replaces it all.
 */
export class AnalysisService {
  constructor(private readonly deps: AnalysisServiceDeps) {
    if (deps.originals === 'discard' && !deps.custody) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        'ESCUCHA_REDACTION_ORIGINALS=discard needs the legal-hold check wired',
      );
    }
  }

  async analyze(callId: string): Promise<AnalyzeResult> {
    const d = this.deps;
    const call = await d.analyses.call(callId);
    if (!call) return { skipped: 'call not found (deleted?)' };
    const info = await d.transcripts.info(callId);
    if (!info) return { skipped: 'the call has no transcript' };
    const language = callLanguage(info.language ?? call.language) ?? '';
    if (language !== 'es' && language !== 'en') {
      return { skipped: `text analytics speaks es and en, the call is "${language || 'unknown'}"` };
    }
    const rows = await d.transcripts.segments(callId);
    if (rows.length === 0) return { skipped: 'the transcript is empty' };
    const segments: TranscriptSegment[] = rows.map((r) => ({
      party: r.party,
      channel: r.channel,
      startMs: r.startMs,
      endMs: r.endMs,
      text: r.text,
      confidence: r.confidence,
      words: r.words,
    }));
    const scripts: Script[] = [...DEFAULT_SCRIPTS, ...(await d.scripts.active())];
    const profile = disclosureProfileFor(call, d);
    const tones = await d.tones.forCall(callId);
    const analysis = analyzeCall(
      segments,
      {
        callId,
        campaign: call.campaign,
        startedAt: call.startedAt,
        region: call.region,
        // the country every local rule reads (callCountry: its own, else the user's region table)
        country: callCountry(call, d.disclosureRegions),
        language,
        durationMs: call.durationMs,
        agentId: call.agentId,
        currency: call.currency,
      },
      {
        disclosureProfile: configuredProfile(profile, {
          ...(d.disclosureWindows[profile] !== undefined ? { windowMs: d.disclosureWindows[profile] } : {}),
        }),
        scripts,
        contactHistory: await d.analyses.priorContacts(call),
        routing: d.routing,
        sentiment: d.sentiment,
        phrases: d.phrases,
        recordingTone: {
          intervalMs: d.recordingTone.intervalMs,
          ...(d.recordingTone.mode !== 'profile' ? { mode: d.recordingTone.mode } : {}),
          channels: tones,
        },
        keyPresses: (tones ?? []).flatMap((t) => t.keyPresses),
      },
    );
    const { onStored, events } = d;
    // the search index holds the redacted text of the segments with sensitive data (the text itself stays, for the
    // roles that may read it): no search finds a call by a card or identity number
    const redactedTexts = rows
      .map((r, i) => ({ id: r.id, text: analysis.redactedTranscript[i]?.text ?? r.text, was: r.text }))
      .filter((t) => t.text !== t.was);
    const revision = await d.analyses.store(callId, analysis, { disclosureProfile: profile }, async (trx) => {
      await d.transcripts.indexRedacted(callId, redactedTexts, trx);
      if (onStored) await onStored(trx, call, analysis);
      await events?.publish({ type: 'analysis.done', data: analysisDone(callId, analysis) }, trx);
    });
    const audio = await this.redactAudio(call, analysis.pii.muteRanges);
    const originals =
      d.originals === 'discard'
        ? await this.discardOriginals(callId, redactedTexts, analysis, audio)
        : 'kept';
    return {
      model: `escucha-analytics-${ANALYTICS_VERSION}`,
      summary: {
        revision,
        language,
        disclosure: {
          profile,
          outcome: analysis.disclosure.outcome,
          missing: analysis.disclosure.missing,
          late: analysis.disclosure.late,
          ...(analysis.disclosure.recordingTone
            ? {
                recordingTone: {
                  beeps: analysis.disclosure.recordingTone.beeps,
                  throughout: analysis.disclosure.recordingTone.throughout,
                },
              }
            : {}),
        },
        adherence: analysis.adherence
          ? {
              script: `${analysis.adherence.scriptId}@${analysis.adherence.scriptVersion}`,
              score: analysis.adherence.score,
            }
          : null,
        promiseToPay: analysis.promise.primary,
        classification: analysis.forbidden.classification,
        violations: analysis.forbidden.violations.map((v) => v.practice),
        pii: analysis.pii.counts,
        redactedAudio: audio,
        originals,
      },
    };
  }

  /**
   * The `discard` policy: the redacted text replaces the transcript's, and the redacted audio becomes the call's only
   * recording; the unredacted object is deleted from the store. Nothing to redact, or a legal hold: kept.
   */
  private async discardOriginals(
    callId: string,
    texts: readonly { id: string; text: string }[],
    analysis: ReturnType<typeof analyzeCall>,
    redactedAudioKey: string | null,
  ): Promise<'discarded' | 'nothing to discard' | 'kept: legal hold'> {
    const d = this.deps;
    if (texts.length === 0 && redactedAudioKey === null) return 'nothing to discard';
    if (await d.custody!.isHeld(callId)) return 'kept: legal hold';
    const removedKey = await d.analyses.transaction(async (trx) => {
      await d.transcripts.replaceTexts(callId, texts, trx);
      return redactedAudioKey === null ? null : d.analyses.promoteRedactedRecording(callId, trx);
    });
    if (removedKey) await d.store.delete(removedKey);
    await d.custody!.discarded(callId, {
      segments: texts.length,
      objectKey: removedKey,
      pii: analysis.pii.counts,
    });
    return 'discarded';
  }

  /** Mutes the ranges in a copy of the original recording; drops an old copy when nothing is left to mute. */
  private async redactAudio(
    call: NonNullable<Awaited<ReturnType<AnalysisRepository['call']>>>,
    ranges: Parameters<AudioRedactor['redact']>[0]['ranges'],
  ): Promise<string | null> {
    const d = this.deps;
    if (ranges.length === 0) {
      const old = await d.analyses.dropRedactedRecording(call.id);
      if (old) await d.store.delete(old);
      return null;
    }
    const original = await d.analyses.originalRecording(call.id);
    if (!original) return null;
    const extension = original.objectKey.split('.').pop() ?? 'ogg';
    const targetKey = recordingObjectKey({ ...call, callId: call.id }, extension, 'redacted');
    const put = await d.redactor.redact({
      sourceKey: original.objectKey,
      targetKey,
      channels: original.channels,
      ranges,
      contentType: original.contentType,
    });
    const replaced = await d.analyses.saveRedactedRecording({
      call_id: call.id,
      kind: 'redacted',
      storage: d.store.kind,
      object_key: put.key,
      content_type: original.contentType,
      format: original.format,
      codec: original.codec,
      channels: original.channels,
      sample_rate: original.sampleRate,
      bitrate_kbps: original.bitrateKbps,
      duration_ms: original.durationMs,
      size_bytes: put.sizeBytes,
      sha256: put.sha256,
      source_format: original.format,
      source_codec: original.codec,
    });
    if (replaced) await d.store.delete(replaced);
    return put.key;
  }
}

import { disclosureProfileFor } from '../analysis/analysis.service.ts';
import { configuredProfile, createBuiltInPhrases, type SentimentPort } from '../analytics/index.ts';
import { createSentimentAnalyzer } from '../analytics/sentiment/index.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { chooseModel, parseAsrModelSpec } from '../speech/model-selection.ts';
import type { SpeechRecognizer } from '../speech/recognizer.ts';
import type { RecognizerRegistry } from '../speech/recognizer-registry.ts';
import { CallAlerts } from './alert.rules.ts';
import type { LiveCallView, LiveHub } from './live.hub.ts';
import type { LiveRepository } from './live.repository.ts';
import { VadWorkerSource, type UtteranceSource } from './live.segmentation.ts';
import { LiveTranscriber } from './live.transcriber.ts';

/** The recogniser of a language as transcription chooses it (ESCUCHA_ASR_MODEL, else the default model); null: none. */
export function recognizerOf(
  config: Pick<Config, 'asrModel'>,
  recognizers: RecognizerRegistry,
): (language: string | null) => Promise<SpeechRecognizer | null> {
  const spec = parseAsrModelSpec(config.asrModel ?? null);
  return async (language) => {
    const choice = await chooseModel(spec, language, recognizers.models);
    return choice.ok ? recognizers.recognizer(choice.name, language) : null;
  };
}

/** The alert rules of a call with the deployment's disclosure settings (those of the analytics stage). */
export function alertRulesOf(
  config: Pick<Config, 'analytics'>,
  sentiment: SentimentPort | null = createSentimentAnalyzer(),
): (call: LiveCallView, language: string | null) => CallAlerts | null {
  const phrases = createBuiltInPhrases();
  const a = config.analytics;
  return (call, language) => {
    if (language !== 'es' && language !== 'en') return null;
    const id = disclosureProfileFor(
      {
        campaign: call.metadata.campaign ?? null,
        country: call.metadata.country ?? null,
        region: call.metadata.region ?? null,
      },
      a,
    );
    const windowMs = a.disclosureWindows[id];
    return new CallAlerts({
      language,
      profile: configuredProfile(id, windowMs !== undefined ? { windowMs } : {}),
      phrases,
      sentiment,
    });
  };
}

export interface LiveTranscriptSetup {
  config: Pick<Config, 'asrModel' | 'analytics' | 'languages' | 'live' | 'capture' | 'recognitionCpus'>;
  hub: LiveHub;
  repository: LiveRepository;
  recognizers: RecognizerRegistry;
  logger: Logger;
  /** Default: Silero VAD in a worker thread. */
  source?: UtteranceSource;
}

/**
 * Starts the live transcript and real-time alerts of the calls this process captures, or says why not: off by
 * ESCUCHA_LIVE_TRANSCRIPT, or (auto) no model installed for the default language.
 */
export async function startLiveTranscript(
  s: LiveTranscriptSetup,
): Promise<{ transcriber: LiveTranscriber | null; note: string }> {
  const mode = s.config.live.transcript;
  if (mode === 'off') return { transcriber: null, note: 'off (ESCUCHA_LIVE_TRANSCRIPT=off)' };
  const recognizer = recognizerOf(s.config, s.recognizers);
  const language = s.config.languages[0] ?? null;
  const choice = await chooseModel(
    parseAsrModelSpec(s.config.asrModel ?? null),
    language,
    s.recognizers.models,
  );
  if (!choice.ok) {
    const note = `not running: ${choice.reason}`;
    if (mode === 'on') s.logger.warn({ reason: choice.reason }, 'live transcript asked for, but no model');
    return { transcriber: null, note };
  }
  const source =
    s.source ?? new VadWorkerSource({ logger: s.logger, cpus: s.config.recognitionCpus ?? null });
  await source.ready();
  const transcriber = new LiveTranscriber({
    hub: s.hub,
    repository: s.repository,
    source,
    recognizer,
    alerts: alertRulesOf(s.config),
    languages: s.config.languages,
    maxRecognitions: s.config.live.maxRecognitions,
    maxCalls: s.config.live.maxCalls,
    queueSeconds: s.config.live.queueSeconds,
    logger: s.logger,
  });
  transcriber.start();
  return {
    transcriber,
    note: `${choice.name}, ${s.config.live.maxRecognitions} recognition(s) at a time, up to ${s.config.live.maxCalls} calls at once, with real-time alerts`,
  };
}

import type { Logger } from '../platform/logger.ts';
import type { ChannelAudioDecoder } from '../speech/audio-decode.ts';
import type { TextLanguageIdentifier } from '../speech/language-id.ts';
import type { AsrModelSpec } from '../speech/model-selection.ts';
import type { RecognizerRegistry } from '../speech/recognizer-registry.ts';
import type { SpeechSegment } from '../speech/vad.sherpa.ts';
import type { BeepOptions } from '../analytics/beep/beep.detector.ts';
import type { ToneRepository } from '../analysis/tone.repository.ts';
import type { TranscriptRepository } from './transcript.repository.ts';

/** What the speech work (speech detection, language identification, transcription) shares, wired once per worker process. */
export interface SpeechDeps {
  transcripts: TranscriptRepository;
  decoder: ChannelAudioDecoder;
  vad: { detect(audio: AsyncIterable<Float32Array>): Promise<SpeechSegment[]> };
  tones: ToneRepository;
  /** The recording tone looked for (ESCUCHA_RECORDING_TONE_HZ, ESCUCHA_RECORDING_TONE_INTERVAL_MS). */
  toneOptions: Required<Pick<BeepOptions, 'frequencyHz' | 'intervalMs'>> & BeepOptions;
  recognizers: RecognizerRegistry;
  textLanguageId: TextLanguageIdentifier;
  /** ESCUCHA_LANGUAGES, ISO 639-1, the first is the default. */
  languages: readonly string[];
  asrModel: AsrModelSpec;
  /** Language guesses below this confidence are flagged (ESCUCHA_LANGUAGE_LOW_CONFIDENCE). */
  lowConfidenceBelow?: number;
  logger?: Logger;
  /** The live transcripts of captured calls (services/live): reused by transcription when they cover the call. */
  live?: LiveTranscripts;
}

/** What transcription needs of the live transcript of a call captured by this deployment. */
export interface LiveTranscripts {
  /** The lines of the call's live transcript when it ended with every utterance recognised; undefined otherwise. */
  completeTranscriptOf(callId: string): Promise<
    | {
        state: { language: string | null; model: string | null };
        lines: {
          channel: number;
          party: 'agent' | 'customer';
          startMs: number;
          endMs: number;
          text: string;
        }[];
      }
    | undefined
  >;
  /** The call's live alerts take its id (they were raised under its capture id). */
  attachAlerts(callId: string): Promise<void>;
}

import type { Party } from '../../../models/database.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ChannelAudioDecoder } from '../../speech/audio-decode.ts';
import type { TextLanguageIdentifier } from '../../speech/language-id.ts';
import type { AsrModelSpec } from '../../speech/model-selection.ts';
import type { RecognizerRegistry } from '../../speech/recognizer-registry.ts';
import type { SpeechSegment } from '../../speech/vad.sherpa.ts';
import type { BeepOptions } from '../../analytics/beep/beep.detector.ts';
import type { ToneRepository } from '../../analysis/tone.repository.ts';
import type { TranscriptRepository } from '../../transcripts/transcript.repository.ts';

/** What the speech stages share, wired once per worker process. */
export interface SpeechStageDeps {
  db: Db;
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
}

export interface CallInput {
  callId: string;
  language: string | null;
  recording: { objectKey: string; channels: number; durationMs: number } | null;
  participants: { role: 'agent' | 'customer' | 'other'; channel: number | null }[];
}

export async function loadCallInput(db: Db, callId: string): Promise<CallInput | undefined> {
  const call = await db
    .selectFrom('calls')
    .select(['id', 'language'])
    .where('id', '=', callId)
    .executeTakeFirst();
  if (!call) return undefined;
  const [recording, participants] = await Promise.all([
    db
      .selectFrom('recordings')
      .select(['object_key', 'channels', 'duration_ms'])
      .where('call_id', '=', callId)
      .where('kind', '=', 'original')
      .orderBy('created_at', 'desc')
      .executeTakeFirst(),
    db.selectFrom('participants').select(['role', 'channel']).where('call_id', '=', callId).execute(),
  ]);
  return {
    callId,
    language: call.language,
    recording: recording
      ? { objectKey: recording.object_key, channels: recording.channels, durationMs: recording.duration_ms }
      : null,
    participants,
  };
}

/**
 * Who speaks on a channel: from the participants' channels; by convention channel 0 is the agent and 1 the customer;
 * a mono recording mixes both (unknown).
 */
export function partyForChannel(input: CallInput, channel: number): Party {
  const channels = input.recording?.channels ?? 1;
  if (channels < 2) return 'unknown';
  const p = input.participants.find((x) => x.channel === channel);
  if (p) return p.role === 'other' ? 'unknown' : p.role;
  return channel === 0 ? 'agent' : channel === 1 ? 'customer' : 'unknown';
}

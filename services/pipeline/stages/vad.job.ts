import { SpeechDetection } from '../../transcripts/speech-detection.service.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import type { StageHandler } from '../pipeline.ts';

/** Stage `vad`: speech, recording tones and key presses per channel (services/transcripts/speech-detection.service.ts). */
export class VadStage implements StageHandler<'vad'> {
  readonly stage = 'vad' as const;
  readonly version = SpeechDetection.version;

  constructor(private readonly detection: SpeechDetection) {}

  run(payload: StagePayload): Promise<StageOutcome> {
    return this.detection.detect(payload.callId);
  }
}

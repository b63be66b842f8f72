import type { Logger } from '../../platform/logger.ts';
import { Transcription } from '../../transcripts/transcription.service.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import type { StageHandler } from '../pipeline.ts';

/** Stage `transcribe`: the call's speech through the recogniser of its language (services/transcripts/transcription.service.ts). */
export class TranscribeStage implements StageHandler<'transcribe'> {
  readonly stage = 'transcribe' as const;
  readonly version = Transcription.version;

  constructor(private readonly transcription: Transcription) {}

  run(payload: StagePayload, ctx?: { log?: Logger }): Promise<StageOutcome> {
    return this.transcription.transcribe(payload.callId, ctx?.log);
  }
}

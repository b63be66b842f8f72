import { LanguageIdentification } from '../../transcripts/language.service.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import type { StageHandler } from '../pipeline.ts';

/** Stage `language`: the call's language (services/transcripts/language.service.ts). */
export class LanguageStage implements StageHandler<'language'> {
  readonly stage = 'language' as const;
  readonly version = LanguageIdentification.version;

  constructor(private readonly identification: LanguageIdentification) {}

  run(payload: StagePayload): Promise<StageOutcome> {
    return this.identification.identify(payload.callId);
  }
}

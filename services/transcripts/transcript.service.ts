import { EscuchaError } from '../platform/errors.ts';
import type { TranscriptRepository } from './transcript.repository.ts';

/** The redacted transcripts the analytics stage stores (services/analysis/analysis.repository.ts). */
export interface RedactedTranscripts {
  redactedTranscript(
    callId: string,
  ): Promise<{ segments: unknown; muteRanges: unknown; piiCounts: Record<string, number> } | undefined>;
}

/** A call's transcript as people read it: as recognised (or uploaded), or with sensitive data replaced. */
export class TranscriptService {
  constructor(
    private readonly deps: {
      /** Finds the call (CALL_NOT_FOUND when there is none). */
      calls: { get(id: string): Promise<{ id: string }> };
      transcripts: TranscriptRepository;
      redacted: RedactedTranscripts;
    },
  ) {}

  /**
   * The call's transcript; `redacted`: with sensitive data replaced by typed placeholders ([CARD], [EMAIL], …).
   * NOT_FOUND until there is one.
   */
  async ofCall(id: string, options: { redacted: boolean }) {
    const call = await this.deps.calls.get(id);
    const info = await this.deps.transcripts.info(call.id);
    if (!info) {
      throw new EscuchaError(
        'NOT_FOUND',
        `call ${call.id} has no transcript yet; GET /api/v1/calls/${call.id}/analysis shows why`,
      );
    }
    if (options.redacted) {
      const redacted = await this.deps.redacted.redactedTranscript(call.id);
      if (!redacted) {
        throw new EscuchaError(
          'NOT_FOUND',
          `call ${call.id} has no redacted transcript yet (the analytics stage makes it)`,
        );
      }
      return {
        callId: call.id,
        redacted: true as const,
        language: info.language,
        piiCounts: redacted.piiCounts,
        segments: redacted.segments,
      };
    }
    const segments = await this.deps.transcripts.segments(call.id);
    return {
      callId: call.id,
      source: info.source,
      model: info.model,
      language: info.language,
      languageConfidence: info.languageConfidence,
      languageLowConfidence: info.languageLowConfidence,
      languageMethod: info.languageMethod,
      createdAt: info.createdAt,
      segments,
    };
  }
}

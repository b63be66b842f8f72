import type { MuteRange } from '../analytics/index.ts';
import type { PutResult } from '../archive/object-store.ts';

/**
 * Makes the redacted copy of a recording: the source object with every range muted (on its channel, or on every
 * channel when the range has none), stored under the target key. ffmpeg does it (pipeline/stages/redacted-audio.ffmpeg.ts).
 */
export interface AudioRedactor {
  redact(input: {
    sourceKey: string;
    targetKey: string;
    channels: number;
    ranges: readonly MuteRange[];
    contentType: string;
  }): Promise<PutResult>;
}

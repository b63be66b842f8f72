import { transcriptUploadSchema } from '../contract/calls.ts';
import type { UploadedTranscript } from '../../archive/archive.service.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { parseOrThrow } from '../../platform/validation.ts';

export { transcriptUploadSchema };

export function parseTranscriptField(raw: string | undefined): UploadedTranscript | undefined {
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new EscuchaError('BAD_REQUEST', `transcript is not valid JSON: ${(cause as Error).message}`);
  }
  const t = parseOrThrow(transcriptUploadSchema, json, 'BAD_REQUEST', 'invalid transcript');
  return { language: t.language ?? null, segments: t.segments };
}

import { z } from 'zod';
import { PARTIES } from '../../../models/database.ts';
import type { UploadedTranscript } from '../../archive/archive.service.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { parseOrThrow } from '../validation.ts';

const ms = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1);

/**
 * The multipart field `transcript` of POST /api/v1/recordings: a transcript made elsewhere, stored with the call
 * (source `upload`); speech detection and transcription are then skipped for that call.
 *
 * `{ "language"?: "es", "segments": [{ "party": "agent" | "customer", "startMs", "endMs", "text" }] }`
 */
export const transcriptUploadSchema = z.strictObject({
  language: z
    .string()
    .regex(/^[a-z]{2}$/, 'must be an ISO 639-1 code such as es or en')
    .optional(),
  segments: z
    .array(
      z
        .strictObject({
          party: z.enum(PARTIES),
          startMs: ms,
          endMs: ms,
          text: z.string().trim().min(1).max(20_000),
        })
        .refine((s) => s.endMs >= s.startMs, {
          message: 'endMs must not be before startMs',
          path: ['endMs'],
        }),
    )
    .min(1, 'give at least one segment')
    .max(20_000),
});

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

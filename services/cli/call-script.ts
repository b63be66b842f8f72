import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { callMetadataSchema } from '../../models/call.ts';
import { PARTIES, type Party } from '../../models/database.ts';
import { EscuchaError } from '../platform/errors.ts';

/**
 * A synthetic call written as a script: who speaks, in which language and voice, what they say and which keys
 * they press, in order. The renderer turns it into a two-channel recording (agent left, customer right), the exact
 * reference transcript and the DTMF events; the SIP/RTP builder turns the same rendering into a packet capture.
 *
 * ```json
 * { "language": "es",
 *   "agent": { "name": "Carolina Gómez", "number": "+57 601 555 0101" },
 *   "customer": { "number": "+57 300 123 4567" },
 *   "metadata": { "agentId": "A0042", "disposition": "PTP" },
 *   "turns": [ { "party": "agent", "text": "buenos días, le habla carolina de cobranzas andinas" },
 *              { "pause": 1.5 },
 *              { "party": "customer", "dtmf": "4512#" } ] }
 * ```
 */

export const SCRIPT_LANGUAGES = ['es', 'en'] as const;
export type ScriptLanguage = (typeof SCRIPT_LANGUAGES)[number];

const ipv4 = z
  .string()
  .regex(
    /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/,
    'must be an IPv4 address',
  );

export const partySchema = z.strictObject({
  /** espeak-ng voice, e.g. "es-419+f2", "en-us+m3" (default: one per language and party). */
  voice: z
    .string()
    .regex(/^[a-z]{2,3}(-[a-zA-Z0-9-]+)?(\+[a-z0-9]+)?$/, 'must be an espeak-ng voice such as es-419+f2')
    .optional(),
  /** espeak-ng pitch, 0–99 (default differs per party). */
  pitch: z.number().int().min(0).max(99).optional(),
  /** espeak-ng speed in words per minute, 80–300. */
  speed: z.number().int().min(80).max(300).optional(),
  /** Speech level in dBFS RMS, -40 to -6 (default -20 agent, -22 customer). */
  levelDb: z.number().min(-40).max(-6).optional(),
  name: z.string().trim().min(1).max(100).optional(),
  /** Phone number (E.164 preferred): SIP user part in the capture. */
  number: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ()./-]{2,30}$/, 'must be a phone number')
    .optional(),
  /** IPv4 address of this side in the capture (default 10.20.0.10 agent, 10.30.0.20 customer). */
  ip: ipv4.optional(),
});
export type PartySpec = z.infer<typeof partySchema>;

const DTMF_DIGITS = /^[0-9*#A-D]{1,64}$/;

export const turnSchema = z.union([
  z.strictObject({
    party: z.enum(PARTIES),
    text: z.string().trim().min(1).max(2000),
  }),
  z.strictObject({
    /** Silence in seconds (both channels). */
    pause: z.number().min(0).max(600),
  }),
  z.strictObject({
    party: z.enum(PARTIES),
    /** Keys pressed, in order: 0–9, *, #, A–D. */
    dtmf: z.string().regex(DTMF_DIGITS, 'DTMF digits are 0-9, *, #, A-D'),
  }),
]);
export type Turn = z.infer<typeof turnSchema>;

export const callScriptSchema = z.strictObject({
  language: z.enum(SCRIPT_LANGUAGES),
  agent: partySchema.default({}),
  customer: partySchema.default({}),
  /** Call metadata as the upload API takes it (campaign, disposition, externalId, ...). */
  metadata: callMetadataSchema.optional(),
  /** Seeds the gaps between turns: the same script and seed render the same call. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  /** Band-limit both channels to 300–3400 Hz, as a telephone line does (default true). */
  telephone: z.boolean().default(true),
  /** G.711 law of the RTP audio in the capture (default PCMU). */
  codec: z.enum(['PCMU', 'PCMA']).default('PCMU'),
  turns: z.array(turnSchema).min(1).max(2000),
});

export type CallScriptInput = z.input<typeof callScriptSchema>;
export type CallScript = z.output<typeof callScriptSchema>;

export function isSpeechTurn(turn: Turn): turn is { party: Party; text: string } {
  return 'text' in turn;
}
export function isDtmfTurn(turn: Turn): turn is { party: Party; dtmf: string } {
  return 'dtmf' in turn;
}

/** Validates a script (parsed JSON); BAD_REQUEST naming every problem and where it is. */
export function parseCallScript(input: unknown, source = 'call script'): CallScript {
  const parsed = callScriptSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new EscuchaError('BAD_REQUEST', `${source} is not valid: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  return parsed.data;
}

/** Reads and validates a JSON call script file. */
export async function loadCallScript(file: string): Promise<CallScript> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new EscuchaError('NOT_FOUND', `cannot read the call script ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EscuchaError('BAD_REQUEST', `${file} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseCallScript(json, file);
}

/** A spoken line of a rendered script: where its speech starts and ends in the audio. */
export interface ReferenceSegment {
  party: Party;
  channel: 0 | 1;
  startMs: number;
  endMs: number;
  text: string;
}

/** A key press of a rendered script. */
export interface DtmfMark {
  party: Party;
  channel: 0 | 1;
  digit: string;
  startMs: number;
  durationMs: number;
}

/** The reference transcript as written next to a rendered call (and uploaded with the demo calls, which ship it). */
export interface ReferenceTranscript {
  language: ScriptLanguage;
  durationMs: number;
  segments: ReferenceSegment[];
  dtmf: DtmfMark[];
}

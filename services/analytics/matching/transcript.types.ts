import type { SegmentParty } from '../../../models/database.ts';

/**
 * The input of every analytics detector: a transcript (ASR segments per party) and the call's metadata.
 * Detectors are pure functions of these values; nothing here does I/O.
 */

export type { Party, SegmentParty } from '../../../models/database.ts';
export type Language = 'es' | 'en';

export interface WordTiming {
  word: string;
  startMs: number;
  endMs: number;
}

export interface TranscriptSegment {
  party: SegmentParty;
  channel: number | null;
  startMs: number;
  endMs: number;
  /** ASR text: usually lower case, little punctuation, accents may be missing. */
  text: string;
  confidence?: number | null;
  /** Word timings when the recognizer gives them; spans are then mapped to word times instead of estimated. */
  words?: WordTiming[] | null;
}

export type Transcript = readonly TranscriptSegment[];

export interface CallContext {
  callId?: string;
  campaign?: string | null;
  /** ISO 8601 with offset (the call's local offset when known) or a Date. */
  startedAt: string | Date;
  /** IANA time zone of the customer (e.g. America/Bogota); wins over the offset in `startedAt`. */
  timeZone?: string | null;
  /** The region as the call's metadata names it ("Bogotá", "US-CA"): shown, never read as a country. */
  region?: string | null;
  /** ISO 3166-1 alpha-2 country of the call (its disclosure law when nothing else picks one). */
  country?: string | null;
  language: Language;
  durationMs: number;
  agentId?: string | null;
  /** ISO 4217 code of the account, used when an amount is said without a currency. */
  currency?: string | null;
}

/** Where in the transcript a detector found something. */
export interface Evidence {
  segmentIndex: number;
  party: SegmentParty;
  startMs: number;
  endMs: number;
  matchedText: string;
  /** 0–1; 1 is an exact match of the phrase. */
  score: number;
}

import { EscuchaError } from '../platform/errors.ts';

/**
 * Result of a parser that must not throw on the hot path (one call per captured packet). Parsers of whole
 * messages (SIP, SDP, metadata) throw `EscuchaError('BAD_REQUEST')` instead; both carry a readable reason.
 */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): ParseResult<T> {
  return { ok: false, error };
}

/** The error every capture parser throws on malformed input. */
export function badInput(message: string, details?: Record<string, unknown>): EscuchaError {
  return new EscuchaError('BAD_REQUEST', message, details === undefined ? undefined : { details });
}

/** Unwraps a result, throwing `BAD_REQUEST` with the parser's reason when it failed. */
export function unwrap<T>(result: ParseResult<T>, what: string): T {
  if (!result.ok) throw badInput(`${what}: ${result.error}`);
  return result.value;
}

/** Shortens untrusted text before it goes into an error message or a log line. */
export function excerpt(text: string, max = 80): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

import type { SipRequest } from './sip.message.ts';

/** The longest key press an INFO may report; longer durations are cut to it (a stuck key, a bad counter). */
export const MAX_INFO_KEY_PRESS_MS = 10_000;

/** What an INFO request within a recorded dialog asks for, read the same way by live and passive capture. */
export type InfoMeaning =
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'key'; digit: string; durationMs: number }
  /** A key-press body whose signal is not a key (answered 400 by the recording server). */
  | { kind: 'bad-key' }
  /** Nothing Escucha acts on: an empty INFO (a keep-alive) or a body it accepts and ignores. */
  | { kind: 'none' }
  /** A body type Escucha does not understand (answered 415 by the recording server). */
  | { kind: 'unsupported' };

/**
 * Reads an INFO: recording pause/resume (`X-Recording-Action` or `Recording-Action` header, or a `text/plain` /
 * `application/x-recording-control` body saying pause or resume), or a key press (`application/dtmf-relay`
 * `Signal=`/`Duration=`, or `application/dtmf` with the digit as the body; RFC 2976 usage as phones send it).
 */
export function interpretInfo(request: SipRequest): InfoMeaning {
  const type = request.headers.get('Content-Type')?.split(';')[0]?.trim().toLowerCase();
  const body = request.body.toString('utf8').trim();
  const action = (
    request.headers.get('X-Recording-Action') ??
    request.headers.get('Recording-Action') ??
    (type === 'text/plain' || type === 'application/x-recording-control' ? body : '')
  )
    .trim()
    .toLowerCase();
  if (action === 'pause') return { kind: 'pause' };
  if (action === 'resume') return { kind: 'resume' };
  if (type === 'application/dtmf-relay' || type === 'application/dtmf') {
    const signal = type === 'application/dtmf' ? body : (/signal\s*=\s*(\S+)/i.exec(body)?.[1] ?? '');
    const duration = Number(/duration\s*=\s*(\d+)/i.exec(body)?.[1] ?? '160');
    if (!/^[0-9*#A-Da-d]$/.test(signal)) return { kind: 'bad-key' };
    return {
      kind: 'key',
      digit: signal.toUpperCase(),
      durationMs: Math.min(duration, MAX_INFO_KEY_PRESS_MS),
    };
  }
  if (request.body.length === 0 || type === undefined) return { kind: 'none' };
  return { kind: 'unsupported' };
}

import type { RequestHandler } from 'express';
import { EscuchaError } from '../../platform/errors.ts';
import type { CallAccessLookup } from '../../access/call-scope.ts';
import { mayViewUnredacted, UNREDACTED_ROLES } from '../../access/principal.ts';
import type { Auditor } from './auditor.ts';

/** Whether a read of a call's audio or transcript asks explicitly for the original. */
function asksUnredacted(subpath: string, query: Record<string, unknown>): boolean {
  if (subpath === '/audio') return query.kind === 'original';
  if (subpath === '/transcript')
    return query.redacted === 'false' || query.unredacted === '1' || query.unredacted === 'true';
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The action recorded for a read of one call's data, by the path below /calls/:id. */
export function callReadAction(
  subpath: string,
  query: Record<string, unknown>,
  headers: { range?: string | undefined },
  hasRedacted: boolean,
  /** The principal gets the redacted copies whatever it asks (its role may not see the original). */
  forceRedacted = false,
): { action: string; once: boolean; details: Record<string, unknown> } | undefined {
  const sub = subpath.replace(/\/+$/, '');
  if (sub === '') return { action: 'view_call', once: true, details: {} };
  if (sub === '/audio') {
    const kind = forceRedacted || query.kind === 'redacted' ? 'redacted' : 'original';
    const unredacted = kind === 'original' && hasRedacted;
    const download = query.download === '1' || query.download === 'true';
    if (download)
      return {
        action: download && unredacted ? 'download_unredacted' : 'download',
        once: false,
        details: { kind },
      };
    // Every response that carries audio is a listen, whatever range it asks for (a whole recording can be had with
    // any range form: `bytes=-N`, `bytes=00-`, `bytes=1-`); a player's many range requests of one recording within
    // the auditor's window are one listen.
    return {
      action: unredacted ? 'listen_unredacted' : 'listen',
      once: true,
      details: { kind, ...(headers.range ? { range: headers.range.slice(0, 100) } : {}) },
    };
  }
  if (sub === '/transcript') {
    // The original transcript of a call with sensitive data (it has a redacted copy) is an unredacted view.
    const unredacted =
      !forceRedacted && (asksUnredacted(sub, query) || (hasRedacted && query.redacted !== 'true'));
    return { action: unredacted ? 'view_unredacted' : 'view_transcript', once: true, details: {} };
  }
  if (sub === '/analysis') return { action: 'view_analysis', once: true, details: {} };
  return { action: 'view_call_data', once: true, details: { path: sub } };
}

/**
 * Mounted at /calls/:id: refuses calls outside the principal's scope (as 404, as if they did not exist), and
 * records every read of a call's metadata, audio, transcript or analysis in the audit log before it is served.
 * When the call holds sensitive data (the analytics stage made redacted copies) and the principal's role may not
 * see it, `res.locals.forceRedacted` makes the audio and transcript routes serve the redacted copies, and an
 * explicit request for the original is refused.
 */
export function callAccessGuard(callAccess: CallAccessLookup, auditor: Auditor): RequestHandler {
  return async (req, res, next) => {
    const id = (req.params as Record<string, string | undefined>).id;
    if (!id || !UUID.test(id)) {
      next();
      return;
    }
    const facts = await callAccess(req.principal, id);
    if (!facts.exists || !facts.inScope) {
      next(new EscuchaError('CALL_NOT_FOUND', `no call ${id}`));
      return;
    }
    const forceRedacted = facts.hasRedacted && !mayViewUnredacted(req.principal);
    res.locals.forceRedacted = forceRedacted;
    if (forceRedacted && asksUnredacted(req.path.replace(/\/+$/, ''), req.query)) {
      next(
        new EscuchaError(
          'FORBIDDEN',
          `call ${id} holds sensitive data; its original audio and transcript are for ${UNREDACTED_ROLES.join(' and ')} only`,
        ),
      );
      return;
    }
    if (req.method === 'GET') {
      const read = callReadAction(
        req.path,
        req.query,
        { range: req.get('range') },
        facts.hasRedacted,
        forceRedacted,
      );
      if (read) {
        const event = {
          action: read.action,
          callId: id,
          targetType: 'call',
          targetId: id,
          details: read.details,
        };
        if (read.once) await auditor.recordOnce(req, event);
        else await auditor.record(req, event);
      }
    }
    next();
  };
}

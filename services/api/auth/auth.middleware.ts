import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { UserRow } from '../../../models/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { ApiKeyRepository } from './api-key.repository.ts';
import { parseCookies } from './cookies.ts';
import type { Principal } from '../../access/principal.ts';
import type { SessionRepository } from './session.repository.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export const SESSION_COOKIE = 'escucha_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function userPrincipal(user: UserRow, sessionId?: string): Principal {
  return {
    kind: 'user',
    id: user.id,
    keyId: null,
    name: user.display_name,
    username: user.username,
    role: user.role,
    languages: user.languages,
    teams: user.teams,
    agentId: user.agent_id,
    ...(sessionId ? { sessionId } : {}),
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Integrations send `Authorization: Bearer <key>` (or `X-Api-Key: <key>`); people signed in through the web UI
 * carry the session cookie, and their unsafe requests (POST, PUT, PATCH, DELETE) must also carry the session's
 * CSRF token in `X-CSRF-Token`. A key in the request wins over a cookie.
 */
export function authenticate(keys: ApiKeyRepository, sessions?: SessionRepository): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.get('x-api-key');
    if (key) {
      const principal = await keys.authenticate(key);
      if (!principal) {
        next(new EscuchaError('UNAUTHENTICATED', 'the API key is not valid or has been revoked'));
        return;
      }
      req.principal = principal;
      next();
      return;
    }
    const token = sessions ? parseCookies(req.get('cookie'))[SESSION_COOKIE] : undefined;
    if (sessions && token) {
      const session = await sessions.resolve(token);
      if (!session) {
        next(new EscuchaError('UNAUTHENTICATED', 'your session has ended: sign in again'));
        return;
      }
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.get(CSRF_HEADER);
        if (!sent || !sameSecret(sent, session.csrfToken)) {
          next(
            new EscuchaError(
              'CSRF_INVALID',
              'missing or wrong CSRF token: send the token from /api/v1/auth/me in the X-CSRF-Token header',
            ),
          );
          return;
        }
      }
      req.principal = userPrincipal(session.user, session.id);
      res.locals.csrfToken = session.csrfToken;
      next();
      return;
    }
    next(
      new EscuchaError(
        'UNAUTHENTICATED',
        'an API key is required: send "Authorization: Bearer <key>" (or sign in to the web UI)',
      ),
    );
  };
}

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

/** Who sent a request, and how: an API key, or a session (with the CSRF token its unsafe requests must carry). */
export interface Identified {
  principal: Principal;
  session: { id: string; csrfToken: string } | null;
}

/**
 * Integrations send `Authorization: Bearer <key>` (or `X-Api-Key: <key>`); people signed in through the web UI
 * carry the session cookie. A key in the request wins over a cookie. Throws UNAUTHENTICATED when neither names a
 * principal. Used by `authenticate` and by the live-audio WebSocket's upgrade (services/api/live/).
 */
export async function identify(
  keys: ApiKeyRepository,
  sessions: SessionRepository | undefined,
  header: (name: string) => string | undefined,
): Promise<Identified> {
  const key = header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? header('x-api-key');
  if (key) {
    const principal = await keys.authenticate(key);
    if (!principal) throw new EscuchaError('UNAUTHENTICATED', 'the API key is not valid or has been revoked');
    return { principal, session: null };
  }
  const token = sessions ? parseCookies(header('cookie'))[SESSION_COOKIE] : undefined;
  if (sessions && token) {
    const session = await sessions.resolve(token);
    if (!session) throw new EscuchaError('UNAUTHENTICATED', 'your session has ended: sign in again');
    return {
      principal: userPrincipal(session.user, session.id),
      session: { id: session.id, csrfToken: session.csrfToken },
    };
  }
  throw new EscuchaError(
    'UNAUTHENTICATED',
    'an API key is required: send "Authorization: Bearer <key>" (or sign in to the web UI)',
  );
}

/**
 * Authenticates every request (`identify`); the unsafe requests (POST, PUT, PATCH, DELETE) of a session must also
 * carry the session's CSRF token in `X-CSRF-Token`.
 */
export function authenticate(keys: ApiKeyRepository, sessions?: SessionRepository): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    let who: Identified;
    try {
      who = await identify(keys, sessions, (name) => req.get(name));
    } catch (error) {
      next(error);
      return;
    }
    if (who.session) {
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.get(CSRF_HEADER);
        if (!sent || !sameSecret(sent, who.session.csrfToken)) {
          next(
            new EscuchaError(
              'CSRF_INVALID',
              'missing or wrong CSRF token: send the token from /api/v1/auth/me in the X-CSRF-Token header',
            ),
          );
          return;
        }
      }
      res.locals.csrfToken = who.session.csrfToken;
    }
    req.principal = who.principal;
    next();
  };
}

import express, { Router, type Request, type Response } from 'express';
import { loginSchema, passwordChangeSchema as changeSchema } from '../contract/auth.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { clientOf } from '../audit/auditor.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import { SESSION_COOKIE } from './auth.middleware.ts';
import type { AuthService } from './auth.service.ts';
import { parseCookies, sessionCookie } from './cookies.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_PATH } from './device-cookie.ts';

/** What this server offers, so the web UI shows only what works: routes and the search parameters. */
export interface Capabilities {
  routes: string[];
  searchParams: string[];
}

function requireJson(req: Request): void {
  // A cross-site HTML form cannot send JSON: requiring it closes login CSRF.
  if (!req.is('application/json')) {
    throw new EscuchaError('UNSUPPORTED_MEDIA', 'send the credentials as application/json');
  }
}

/** Sets the session cookie (empty and expired: cleared) and, at sign-in, the device cookie. */
function setCookies(
  req: Request,
  res: Response,
  auth: AuthService,
  session: { token: string; maxAgeSeconds?: number },
  deviceCookie?: string,
): void {
  const secure = auth.policy.cookieSecure === 'auto' ? req.secure : auth.policy.cookieSecure;
  const cookies = [
    sessionCookie(SESSION_COOKIE, session.token, {
      secure,
      ...(session.maxAgeSeconds !== undefined ? { maxAge: session.maxAgeSeconds } : {}),
    }),
  ];
  if (deviceCookie !== undefined) {
    cookies.push(
      sessionCookie(DEVICE_COOKIE, deviceCookie, {
        secure,
        maxAge: auth.deviceCookieMaxAgeMs / 1000,
        path: DEVICE_COOKIE_PATH,
      }),
    );
  }
  res.setHeader('Set-Cookie', cookies.length === 1 ? cookies[0]! : cookies);
}

/** The public half: POST /auth/login, mounted before authentication. */
export function loginRouter(auth: AuthService): Router {
  const router = Router();
  router.post('/auth/login', express.json({ limit: '16kb' }), async (req, res) => {
    requireJson(req);
    const body = parseOrThrow(loginSchema, req.body, 'BAD_REQUEST', 'invalid login');
    const deviceCookie = parseCookies(req.get('cookie'))[DEVICE_COOKIE];
    const { user, session, ...issued } = await auth.login({ ...body, client: clientOf(req), deviceCookie });
    setCookies(req, res, auth, session, issued.deviceCookie);
    res.json({ user, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
  });
  return router;
}

/** The authenticated half: who am I, sign out, change my password. */
export function accountRouter(auth: AuthService, capabilities: () => Capabilities): Router {
  const router = Router();
  router.get('/auth/me', async (req, res: Response) => {
    const csrfToken = (res.locals.csrfToken as string | undefined) ?? null;
    res.set('Cache-Control', 'no-store');
    res.json({ ...(await auth.me(callerOf(req))), csrfToken, capabilities: capabilities() });
  });
  router.post('/auth/logout', async (req, res) => {
    await auth.logout(callerOf(req));
    setCookies(req, res, auth, { token: '', maxAgeSeconds: 0 });
    res.status(204).end();
  });
  router.post('/auth/password', async (req, res) => {
    const body = parseOrThrow(changeSchema, req.body, 'BAD_REQUEST', 'invalid password change');
    const session = await auth.changePassword(callerOf(req), body);
    setCookies(req, res, auth, session);
    res.json({ csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
  });
  return router;
}

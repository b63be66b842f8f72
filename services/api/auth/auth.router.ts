import express, { Router, type Request, type Response } from 'express';
import { loginSchema, passwordChangeSchema as changeSchema } from '../contract/auth.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import type { UserRepository } from '../users/user.repository.ts';
import { parseOrThrow } from '../validation.ts';
import { SESSION_COOKIE, userPrincipal } from './auth.middleware.ts';
import { parseCookies, sessionCookie } from './cookies.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_PATH, type DeviceCookies } from './device-cookie.ts';
import { LoginThrottle, ProgressiveDelay } from './login-throttle.ts';
import type { PasswordHasher } from './password.hasher.ts';
import { callScopeOf } from './principal.ts';
import { permissionsOf } from './access.policy.ts';
import type { SessionRepository } from './session.repository.ts';

export interface LoginPolicy {
  /**
   * Failed sign-ins of one account name from one address that cost nothing; each further one doubles the wait
   * before that name may be tried again from that address (1 s, 2 s, 4 s …), up to `lockMs`.
   */
  maxFailures: number;
  lockMs: number;
  /** Failed sign-ins from one client address, any accounts, within `addressWindowMs` before it gets 429. */
  maxFailuresPerAddress: number;
  addressWindowMs: number;
  /**
   * Failed sign-ins of one account name from clients without a device cookie for it, from any addresses, that cost
   * nothing; each further one doubles the wait of every such client for that name, up to `lockMs`. Forgotten after
   * `accountWindowMs` without one. Clients holding the account's device cookie are not held back by these.
   */
  maxFailuresPerAccount: number;
  accountWindowMs: number;
  /** `auto`: Secure cookies when the request came over HTTPS (directly or via a trusted proxy). */
  cookieSecure: boolean | 'auto';
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  maxFailures: 5,
  lockMs: 15 * 60_000,
  maxFailuresPerAddress: 20,
  addressWindowMs: 15 * 60_000,
  maxFailuresPerAccount: 10,
  accountWindowMs: 15 * 60_000,
  cookieSecure: 'auto',
};

/** What this server offers, so the web UI shows only what works: routes and the search parameters. */
export interface Capabilities {
  routes: string[];
  searchParams: string[];
}

export interface AuthRouterDeps {
  users: UserRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  auditor: Auditor;
  policy: LoginPolicy;
  deviceCookies: DeviceCookies;
  capabilities: () => Capabilities;
}

export { MIN_PASSWORD_LENGTH, passwordSchema } from '../contract/users.ts';

function secure(req: Request, policy: LoginPolicy): boolean {
  return policy.cookieSecure === 'auto' ? req.secure : policy.cookieSecure;
}

function requireJson(req: Request): void {
  // A cross-site HTML form cannot send JSON: requiring it closes login CSRF.
  if (!req.is('application/json')) {
    throw new EscuchaError('UNSUPPORTED_MEDIA', 'send the credentials as application/json');
  }
}

/** The public half: POST /auth/login, mounted before authentication. */
export function loginRouter(deps: AuthRouterDeps): Router {
  const router = Router();
  const throttle = new LoginThrottle({
    maxFailures: deps.policy.maxFailuresPerAddress,
    windowMs: deps.policy.addressWindowMs,
  });
  const delay = new ProgressiveDelay({
    freeFailures: deps.policy.maxFailures,
    maxDelayMs: deps.policy.lockMs,
  });
  // Failures of one name from clients without its device cookie, all addresses together.
  const untrusted = new ProgressiveDelay({
    freeFailures: deps.policy.maxFailuresPerAccount,
    maxDelayMs: deps.policy.lockMs,
    forgetAfterMs: deps.policy.accountWindowMs,
  });
  const refuse = async (
    req: Request,
    res: Response,
    username: string,
    waitMs: number,
    reason: 'address' | 'account and address' | 'account, client without its device cookie',
  ) => {
    const seconds = Math.ceil(waitMs / 1000);
    await deps.auditor.record(req, {
      action: 'login_throttled',
      details: { username, reason, retryAfterSeconds: seconds },
    });
    res.set('Retry-After', String(seconds));
    return new EscuchaError(
      'TOO_MANY_REQUESTS',
      reason === 'address'
        ? `too many failed sign-ins from this address; try again in ${seconds} s`
        : `too many failed sign-ins with this username; try again in ${seconds} s`,
      { details: { retryAfterSeconds: seconds } },
    );
  };
  router.post('/auth/login', express.json({ limit: '16kb' }), async (req, res) => {
    requireJson(req);
    const { username, password } = parseOrThrow(loginSchema, req.body, 'BAD_REQUEST', 'invalid login');
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    // Known and unknown names go through the same steps and get the same answers.
    const pair = `${username.toLowerCase()}\u0000${address}`;
    const addressWait = throttle.retryAfterMs(address);
    if (addressWait > 0) throw await refuse(req, res, username, addressWait, 'address');
    const user = await deps.users.findForLogin(username);
    // An account is counted and trusted under its username, whether its username or its email was typed.
    const name = (user?.username ?? username).toLowerCase();
    const deviceCookie = parseCookies(req.get('cookie'))[DEVICE_COOKIE];
    const trusted = await deps.deviceCookies.trusts(deviceCookie, name);
    const accountWait = trusted ? 0 : untrusted.retryAfterMs(name);
    if (accountWait > 0)
      throw await refuse(req, res, username, accountWait, 'account, client without its device cookie');
    const pairWait = delay.retryAfterMs(pair);
    if (pairWait > 0) throw await refuse(req, res, username, pairWait, 'account and address');
    const wrong = () => {
      throttle.recordFailure(address);
      delay.recordFailure(pair);
      if (!trusted) untrusted.recordFailure(name);
      return new EscuchaError('UNAUTHENTICATED', 'wrong username or password');
    };
    if (!user) {
      await deps.hasher.verifyNobody(password);
      await deps.auditor.record(req, {
        action: 'login_failed',
        details: { username, reason: 'unknown user' },
      });
      throw wrong();
    }
    const principal = userPrincipal(user);
    if (!(await deps.hasher.verify(user.password_hash, password))) {
      const failures = await deps.users.recordFailure(user.id);
      await deps.auditor.record(
        req,
        {
          action: 'login_failed',
          targetType: 'user',
          targetId: user.id,
          details: { username, reason: 'wrong password', failuresInARow: failures },
        },
        principal,
      );
      throw wrong();
    }
    if (user.disabled) {
      await deps.auditor.record(
        req,
        { action: 'login_failed', details: { username, reason: 'disabled' } },
        principal,
      );
      throttle.recordFailure(address);
      throw new EscuchaError('UNAUTHENTICATED', 'this account is disabled; ask an administrator');
    }
    delay.recordSuccess(pair);
    await deps.users.recordSuccess(user.id);
    if (deps.hasher.needsRehash(user.password_hash)) {
      await deps.users.setPasswordHash(user.id, await deps.hasher.hash(password));
    }
    const session = await deps.sessions.create(user.id, {
      ip: req.ip ?? null,
      userAgent: req.get('user-agent') ?? null,
    });
    res.setHeader('Set-Cookie', [
      sessionCookie(SESSION_COOKIE, session.token, { secure: secure(req, deps.policy) }),
      sessionCookie(DEVICE_COOKIE, await deps.deviceCookies.issue(name, deviceCookie), {
        secure: secure(req, deps.policy),
        maxAge: deps.deviceCookies.maxAgeMs / 1000,
        path: DEVICE_COOKIE_PATH,
      }),
    ]);
    await deps.auditor.record(
      req,
      { action: 'login', targetType: 'session', targetId: session.id },
      { ...principal, sessionId: session.id },
    );
    const fresh = await deps.users.get(user.id);
    res.json({ user: fresh, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
  });
  return router;
}

/** The authenticated half: who am I, sign out, change my password. */
export function accountRouter(deps: AuthRouterDeps): Router {
  const router = Router();

  router.get('/auth/me', async (req, res: Response) => {
    const p = req.principal!;
    res.set('Cache-Control', 'no-store');
    res.json({
      principal: {
        kind: p.kind,
        id: p.id,
        name: p.name,
        username: p.username ?? null,
        role: p.role,
        languages: p.languages,
        teams: p.teams,
        agentId: p.agentId,
        scope: callScopeOf(p) ?? null,
      },
      user: p.kind === 'user' ? await deps.users.get(p.id) : null,
      csrfToken: (res.locals.csrfToken as string | undefined) ?? null,
      capabilities: deps.capabilities(),
      permissions: permissionsOf(p.role),
    });
  });

  router.post('/auth/logout', async (req, res) => {
    const p = req.principal!;
    if (p.sessionId) {
      await deps.sessions.revoke(p.sessionId);
      await deps.auditor.record(req, { action: 'logout', targetType: 'session', targetId: p.sessionId });
    }
    res.setHeader(
      'Set-Cookie',
      sessionCookie(SESSION_COOKIE, '', { secure: secure(req, deps.policy), maxAge: 0 }),
    );
    res.status(204).end();
  });

  router.post('/auth/password', async (req, res) => {
    const p = req.principal!;
    if (p.kind !== 'user') throw new EscuchaError('BAD_REQUEST', 'API keys have no password');
    const body = parseOrThrow(changeSchema, req.body, 'BAD_REQUEST', 'invalid password change');
    const row = await deps.users.row(p.id);
    if (!row || !(await deps.hasher.verify(row.password_hash, body.currentPassword))) {
      await deps.auditor.record(req, {
        action: 'password_change_failed',
        targetType: 'user',
        targetId: p.id,
      });
      throw new EscuchaError('FORBIDDEN', 'the current password is wrong');
    }
    await deps.users.setPasswordHash(p.id, await deps.hasher.hash(body.newPassword));
    await deps.sessions.revokeAllOf(p.id);
    const session = await deps.sessions.create(p.id, {
      ip: req.ip ?? null,
      userAgent: req.get('user-agent') ?? null,
    });
    res.setHeader(
      'Set-Cookie',
      sessionCookie(SESSION_COOKIE, session.token, { secure: secure(req, deps.policy) }),
    );
    await deps.auditor.record(req, { action: 'password_change', targetType: 'user', targetId: p.id });
    res.json({ csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
  });

  return router;
}

import { EscuchaError } from '../../platform/errors.ts';
import type { AuditClient } from '../audit/audit.repository.ts';
import type { Auditor } from '../audit/auditor.ts';
import type { Caller } from '../../access/caller.ts';
import type { User, UserRepository } from '../users/user.repository.ts';
import { userPrincipal } from './auth.middleware.ts';
import type { DeviceCookies } from './device-cookie.ts';
import { LoginThrottle, ProgressiveDelay } from './login-throttle.ts';
import type { PasswordHasher } from './password.hasher.ts';
import { callScopeOf, type CallScope } from '../../access/principal.ts';
import type { Permission } from '../contract/auth.ts';
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

export interface AuthServiceDeps {
  users: UserRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  auditor: Auditor;
  policy: LoginPolicy;
  deviceCookies: DeviceCookies;
}

/** A new session: its token goes in the session cookie, its CSRF token to the client. */
export interface NewSession {
  id: string;
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

type ThrottleReason = 'address' | 'account and address' | 'account, client without its device cookie';

/**
 * Signing in and out and changing one's own password. Sign-in is throttled per client address, per account and
 * address (a delay doubling with each failure), and per account for clients without its device cookie; known and
 * unknown names go through the same steps and get the same answers; every attempt is audited.
 */
export class AuthService {
  private readonly throttle: LoginThrottle;
  private readonly delay: ProgressiveDelay;
  /** Failures of one name from clients without its device cookie, all addresses together. */
  private readonly untrusted: ProgressiveDelay;

  constructor(private readonly deps: AuthServiceDeps) {
    const policy = deps.policy;
    this.throttle = new LoginThrottle({
      maxFailures: policy.maxFailuresPerAddress,
      windowMs: policy.addressWindowMs,
    });
    this.delay = new ProgressiveDelay({ freeFailures: policy.maxFailures, maxDelayMs: policy.lockMs });
    this.untrusted = new ProgressiveDelay({
      freeFailures: policy.maxFailuresPerAccount,
      maxDelayMs: policy.lockMs,
      forgetAfterMs: policy.accountWindowMs,
    });
  }

  get policy(): LoginPolicy {
    return this.deps.policy;
  }

  /** How long a device cookie lasts. */
  get deviceCookieMaxAgeMs(): number {
    return this.deps.deviceCookies.maxAgeMs;
  }

  private async refuse(
    client: AuditClient,
    username: string,
    waitMs: number,
    reason: ThrottleReason,
  ): Promise<EscuchaError> {
    const seconds = Math.ceil(waitMs / 1000);
    await this.deps.auditor.recordAs(undefined, client, {
      action: 'login_throttled',
      details: { username, reason, retryAfterSeconds: seconds },
    });
    return new EscuchaError(
      'TOO_MANY_REQUESTS',
      reason === 'address'
        ? `too many failed sign-ins from this address; try again in ${seconds} s`
        : `too many failed sign-ins with this username; try again in ${seconds} s`,
      { details: { retryAfterSeconds: seconds } },
    );
  }

  /** Signs a person in: their user, a new session and the device cookie to send back. */
  async login(attempt: {
    username: string;
    password: string;
    client: AuditClient;
    /** The device cookie the client sent, if any. */
    deviceCookie: string | undefined;
  }): Promise<{ user: User; session: NewSession; deviceCookie: string }> {
    const { username, password, client } = attempt;
    const address = client.ip ?? 'unknown';
    const pair = `${username.toLowerCase()}\u0000${address}`;
    const addressWait = this.throttle.retryAfterMs(address);
    if (addressWait > 0) throw await this.refuse(client, username, addressWait, 'address');
    const user = await this.deps.users.findForLogin(username);
    // An account is counted and trusted under its username, whether its username or its email was typed.
    const name = (user?.username ?? username).toLowerCase();
    const trusted = await this.deps.deviceCookies.trusts(attempt.deviceCookie, name);
    const accountWait = trusted ? 0 : this.untrusted.retryAfterMs(name);
    if (accountWait > 0)
      throw await this.refuse(client, username, accountWait, 'account, client without its device cookie');
    const pairWait = this.delay.retryAfterMs(pair);
    if (pairWait > 0) throw await this.refuse(client, username, pairWait, 'account and address');
    const wrong = () => {
      this.throttle.recordFailure(address);
      this.delay.recordFailure(pair);
      if (!trusted) this.untrusted.recordFailure(name);
      return new EscuchaError('UNAUTHENTICATED', 'wrong username or password');
    };
    if (!user) {
      await this.deps.hasher.verifyNobody(password);
      await this.deps.auditor.recordAs(undefined, client, {
        action: 'login_failed',
        details: { username, reason: 'unknown user' },
      });
      throw wrong();
    }
    const principal = userPrincipal(user);
    if (!(await this.deps.hasher.verify(user.password_hash, password))) {
      const failures = await this.deps.users.recordFailure(user.id);
      await this.deps.auditor.recordAs(principal, client, {
        action: 'login_failed',
        targetType: 'user',
        targetId: user.id,
        details: { username, reason: 'wrong password', failuresInARow: failures },
      });
      throw wrong();
    }
    if (user.disabled) {
      await this.deps.auditor.recordAs(principal, client, {
        action: 'login_failed',
        details: { username, reason: 'disabled' },
      });
      this.throttle.recordFailure(address);
      throw new EscuchaError('UNAUTHENTICATED', 'this account is disabled; ask an administrator');
    }
    this.delay.recordSuccess(pair);
    await this.deps.users.recordSuccess(user.id);
    if (this.deps.hasher.needsRehash(user.password_hash)) {
      await this.deps.users.setPasswordHash(user.id, await this.deps.hasher.hash(password));
    }
    const session = await this.deps.sessions.create(user.id, client);
    const deviceCookie = await this.deps.deviceCookies.issue(name, attempt.deviceCookie);
    await this.deps.auditor.recordAs({ ...principal, sessionId: session.id }, client, {
      action: 'login',
      targetType: 'session',
      targetId: session.id,
    });
    return { user: await this.deps.users.get(user.id), session, deviceCookie };
  }

  /** Who the caller is, with their scope, and their account when they are a person. */
  async me(caller: Caller): Promise<{
    principal: Record<string, unknown> & { scope: CallScope | null };
    permissions: Permission[];
    user: User | null;
  }> {
    const p = caller.principal;
    return {
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
      user: p.kind === 'user' ? await this.deps.users.get(p.id) : null,
      /** What the principal may do, by the access policy (the web UI shows only that). */
      permissions: permissionsOf(p.role),
    };
  }

  /** Ends the caller's session (an API key has none). */
  async logout(caller: Caller): Promise<void> {
    const sessionId = caller.principal.sessionId;
    if (!sessionId) return;
    await this.deps.sessions.revoke(sessionId);
    await this.deps.auditor.recordFor(caller, {
      action: 'logout',
      targetType: 'session',
      targetId: sessionId,
    });
  }

  /** Changes the caller's password, ends all their sessions and opens a new one for this client. */
  async changePassword(
    caller: Caller,
    change: { currentPassword: string; newPassword: string },
  ): Promise<NewSession> {
    const p = caller.principal;
    if (p.kind !== 'user') throw new EscuchaError('BAD_REQUEST', 'API keys have no password');
    const row = await this.deps.users.row(p.id);
    if (!row || !(await this.deps.hasher.verify(row.password_hash, change.currentPassword))) {
      await this.deps.auditor.recordFor(caller, {
        action: 'password_change_failed',
        targetType: 'user',
        targetId: p.id,
      });
      throw new EscuchaError('FORBIDDEN', 'the current password is wrong');
    }
    await this.deps.users.setPasswordHash(p.id, await this.deps.hasher.hash(change.newPassword));
    await this.deps.sessions.revokeAllOf(p.id);
    const session = await this.deps.sessions.create(p.id, caller.client);
    await this.deps.auditor.recordFor(caller, {
      action: 'password_change',
      targetType: 'user',
      targetId: p.id,
    });
    return session;
  }
}

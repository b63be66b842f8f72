import { createHash, randomBytes } from 'node:crypto';
import type { UserRow } from '../../../models/database.ts';
import type { Db } from '../../platform/database.ts';

/**
 * Server-side sessions. The browser holds a random 256-bit token in an httpOnly cookie; the database keeps only
 * its sha256, the CSRF token that unsafe requests must echo in a header, and the expiry. A session ends after
 * `idleMs` without requests, after `maxAgeMs` in any case, on logout, and when the user is disabled or changes
 * password.
 */
export interface SessionOptions {
  idleMs: number;
  maxAgeMs: number;
}

export const DEFAULT_SESSION_OPTIONS: SessionOptions = { idleMs: 60 * 60_000, maxAgeMs: 12 * 60 * 60_000 };

export interface ActiveSession {
  id: string;
  csrfToken: string;
  expiresAt: Date;
  user: UserRow;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SessionRepository {
  constructor(
    private readonly db: Db,
    readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {}

  async create(
    userId: string,
    client: { ip: string | null; userAgent: string | null },
  ): Promise<{ token: string; id: string; csrfToken: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + this.options.maxAgeMs);
    const row = await this.db
      .insertInto('sessions')
      .values({
        token_hash: hashToken(token),
        user_id: userId,
        csrf_token: csrfToken,
        client_ip: client.ip,
        user_agent: client.userAgent?.slice(0, 500) ?? null,
        expires_at: expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { token, id: row.id, csrfToken, expiresAt };
  }

  /** The live session of a token, or undefined (unknown, revoked, expired, idle too long, user disabled). */
  async resolve(token: string): Promise<ActiveSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select([
        'sessions.id as session_id',
        'sessions.csrf_token',
        'sessions.expires_at',
        'sessions.last_seen_at',
      ])
      .where('sessions.token_hash', '=', hashToken(token))
      .where('sessions.revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const now = Date.now();
    if (row.disabled || row.expires_at.getTime() <= now) return undefined;
    if (now - row.last_seen_at.getTime() > this.options.idleMs) return undefined;
    // Touch at most once a minute: enough for the idle timeout, without a write per request.
    if (now - row.last_seen_at.getTime() > 60_000) {
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: new Date(now) })
        .where('id', '=', row.session_id)
        .execute();
    }
    const {
      session_id: id,
      csrf_token: csrfToken,
      expires_at: expiresAt,
      last_seen_at: _seen,
      ...user
    } = row;
    return { id, csrfToken, expiresAt, user };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeAllOf(userId: string): Promise<number> {
    const res = await this.db
      .updateTable('sessions')
      .set({ revoked_at: new Date() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Removes sessions that ended more than a day ago. */
  async purgeEnded(): Promise<number> {
    const dayAgo = new Date(Date.now() - 24 * 60 * 60_000);
    const res = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<', dayAgo), eb('revoked_at', '<', dayAgo)]))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

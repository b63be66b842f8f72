import { sql } from 'kysely';
import type { UserRole, UserRow } from '../../../models/database.ts';
import { isUniqueViolation } from '../../archive/call.repository.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';

/** A user as the API returns it: never the password hash. */
export interface User {
  id: string;
  username: string;
  email: string | null;
  displayName: string;
  role: UserRole;
  languages: string[];
  teams: string[];
  agentId: string | null;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewUser {
  username: string;
  email?: string | null;
  displayName: string;
  role: UserRole;
  languages?: string[];
  teams?: string[];
  agentId?: string | null;
  passwordHash: string;
}

export interface UserPatch {
  email?: string | null;
  displayName?: string;
  role?: UserRole;
  languages?: string[];
  teams?: string[];
  agentId?: string | null;
  disabled?: boolean;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    languages: r.languages,
    teams: r.teams,
    agentId: r.agent_id,
    disabled: r.disabled,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until?.toISOString() ?? null,
    lastLoginAt: r.last_login_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function conflict(error: unknown): never {
  if (isUniqueViolation(error)) {
    throw new EscuchaError('CONFLICT', 'a user with this username or email already exists');
  }
  const e = error as { code?: string; constraint?: string };
  if (e.code === '23514') {
    throw new EscuchaError(
      'BAD_REQUEST',
      'an agent needs an agent id; usernames are 2–100 of a-z 0-9 . _ @ -',
    );
  }
  throw error;
}

/** Users table: accounts, lockout counters and password hashes (argon2id, hashed by the caller). */
export class UserRepository {
  constructor(private readonly db: Db) {}

  async create(u: NewUser): Promise<User> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({
          username: u.username.toLowerCase(),
          email: u.email ?? null,
          display_name: u.displayName,
          role: u.role,
          languages: u.languages ?? [],
          teams: u.teams ?? [],
          agent_id: u.agentId ?? null,
          password_hash: u.passwordHash,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toUser(row);
    } catch (error) {
      conflict(error);
    }
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(toUser);
  }

  async row(id: string): Promise<UserRow | undefined> {
    if (!UUID.test(id)) return undefined;
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async get(id: string): Promise<User> {
    const row = await this.row(id);
    if (!row) throw new EscuchaError('NOT_FOUND', `no user ${id}`);
    return toUser(row);
  }

  /** By username or email, case-insensitively. */
  async findForLogin(login: string): Promise<UserRow | undefined> {
    const value = login.trim().toLowerCase();
    return this.db
      .selectFrom('users')
      .selectAll()
      .where((eb) => eb.or([eb('username', '=', value), eb(sql<string>`lower(email)`, '=', value)]))
      .executeTakeFirst();
  }

  async findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
  }

  async update(id: string, patch: UserPatch): Promise<User> {
    if (!UUID.test(id)) throw new EscuchaError('NOT_FOUND', `no user ${id}`);
    const set: Record<string, unknown> = { updated_at: new Date() };
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.languages !== undefined) set.languages = patch.languages;
    if (patch.teams !== undefined) set.teams = patch.teams;
    if (patch.agentId !== undefined) set.agent_id = patch.agentId;
    if (patch.disabled !== undefined) set.disabled = patch.disabled;
    try {
      const row = await this.db
        .updateTable('users')
        .set(set)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new EscuchaError('NOT_FOUND', `no user ${id}`);
      return toUser(row);
    } catch (error) {
      if (error instanceof EscuchaError) throw error;
      conflict(error);
    }
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    const res = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: new Date(), updated_at: new Date() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new EscuchaError('NOT_FOUND', `no user ${id}`);
  }

  /**
   * Counts a failed login atomically; at `maxFailures` the account locks for `lockMs` and the counter restarts.
   * Returns the lock end when this failure locked the account.
   */
  /** Counts a failed sign-in (shown to administrators); returns the failures in a row. Nothing is locked. */
  async recordFailure(id: string): Promise<number> {
    const row = await this.db
      .updateTable('users')
      .set((eb) => ({ failed_logins: sql<number>`${eb.ref('failed_logins')} + 1` }))
      .where('id', '=', id)
      .returning(['failed_logins'])
      .executeTakeFirst();
    return row?.failed_logins ?? 0;
  }

  async recordSuccess(id: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ failed_logins: 0, locked_until: null, last_login_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async unlock(id: string): Promise<User> {
    if (!UUID.test(id)) throw new EscuchaError('NOT_FOUND', `no user ${id}`);
    const row = await this.db
      .updateTable('users')
      .set({ failed_logins: 0, locked_until: null, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new EscuchaError('NOT_FOUND', `no user ${id}`);
    return toUser(row);
  }
}

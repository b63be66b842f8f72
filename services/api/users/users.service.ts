import { randomBytes } from 'node:crypto';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import type { PasswordHasher } from '../auth/password.hasher.ts';
import type { SessionRepository } from '../auth/session.repository.ts';
import type { Caller } from '../../access/caller.ts';
import type { NewUser, User, UserPatch, UserRepository } from './user.repository.ts';

/** A random password people can type: 18 characters of base64url (about 108 bits). */
export function generatePassword(): string {
  return randomBytes(14).toString('base64url').slice(0, 18);
}

function changes(before: User, after: User): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of ['email', 'displayName', 'role', 'languages', 'teams', 'agentId', 'disabled'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      out[key] = { from: before[key], to: after[key] };
  }
  return out;
}

export interface UserInput extends Omit<
  NewUser,
  'passwordHash' | 'email' | 'languages' | 'teams' | 'agentId'
> {
  email?: string | null | undefined;
  languages?: string[] | undefined;
  teams?: string[] | undefined;
  agentId?: string | null | undefined;
  /** Without one, a password is generated and returned once. */
  password?: string | undefined;
}

/**
 * Administration of user accounts (admins): an agent needs the agent id their calls carry; nobody disables
 * themselves or takes away their own admin role; a disabled user, or one whose access changed, signs in again;
 * every change is audited.
 */
export class UsersService {
  constructor(
    private readonly deps: {
      users: UserRepository;
      sessions: SessionRepository;
      hasher: PasswordHasher;
      auditor: Auditor;
    },
  ) {}

  list(): Promise<User[]> {
    return this.deps.users.list();
  }

  /** The user with this username (NOT_FOUND when there is none). */
  async byUsername(username: string): Promise<User> {
    const row = await this.deps.users.findByUsername(username);
    if (!row) throw new EscuchaError('NOT_FOUND', `no user ${username}`);
    return this.deps.users.get(row.id);
  }

  /** Whether a user with this username exists. */
  async exists(username: string): Promise<boolean> {
    return (await this.deps.users.findByUsername(username)) !== undefined;
  }

  async create(caller: Caller, input: UserInput): Promise<{ user: User; password?: string }> {
    if (input.role === 'agent' && !input.agentId) {
      throw new EscuchaError('BAD_REQUEST', 'an agent needs an agentId: the agent id their calls carry', {
        details: { field: 'agentId' },
      });
    }
    const generated = input.password ? undefined : generatePassword();
    const user = await this.deps.users.create({
      username: input.username,
      email: input.email ?? null,
      displayName: input.displayName,
      role: input.role,
      languages: input.languages ?? [],
      teams: input.teams ?? [],
      agentId: input.agentId ?? null,
      passwordHash: await this.deps.hasher.hash(input.password ?? generated!),
    });
    await this.deps.auditor.recordFor(caller, {
      action: 'user_create',
      targetType: 'user',
      targetId: user.id,
      details: { username: user.username, role: user.role, languages: user.languages, teams: user.teams },
    });
    return { user, ...(generated ? { password: generated } : {}) };
  }

  async update(caller: Caller, id: string, patch: UserPatch): Promise<User> {
    const before = await this.deps.users.get(id);
    const self = caller.principal;
    if (self.kind === 'user' && self.id === before.id) {
      if (patch.disabled === true || (patch.role && patch.role !== 'admin')) {
        throw new EscuchaError('CONFLICT', 'you cannot disable yourself or take away your own admin role');
      }
    }
    const role = patch.role ?? before.role;
    const agentId = patch.agentId !== undefined ? patch.agentId : before.agentId;
    if (role === 'agent' && !agentId) {
      throw new EscuchaError('BAD_REQUEST', 'an agent needs an agentId', { details: { field: 'agentId' } });
    }
    const after = await this.deps.users.update(before.id, patch);
    const diff = changes(before, after);
    if (after.disabled || diff.role || diff.languages || diff.teams || diff.agentId) {
      await this.deps.sessions.revokeAllOf(after.id);
    }
    await this.deps.auditor.recordFor(caller, {
      action: 'user_update',
      targetType: 'user',
      targetId: after.id,
      details: { username: after.username, changes: diff },
    });
    return after;
  }

  /** Sets (or generates, returned once) a password, unlocks the account and ends its sessions. */
  async resetPassword(
    caller: Caller,
    id: string,
    password: string | undefined,
  ): Promise<{ user: User; password?: string }> {
    const user = await this.deps.users.get(id);
    const generated = password ? undefined : generatePassword();
    await this.deps.users.setPasswordHash(user.id, await this.deps.hasher.hash(password ?? generated!));
    await this.deps.users.unlock(user.id);
    const ended = await this.deps.sessions.revokeAllOf(user.id);
    await this.deps.auditor.recordFor(caller, {
      action: 'user_password_reset',
      targetType: 'user',
      targetId: user.id,
      details: { username: user.username, sessionsEnded: ended },
    });
    return { user: await this.deps.users.get(user.id), ...(generated ? { password: generated } : {}) };
  }

  async unlock(caller: Caller, id: string): Promise<User> {
    const user = await this.deps.users.unlock(id);
    await this.deps.auditor.recordFor(caller, {
      action: 'user_unlock',
      targetType: 'user',
      targetId: user.id,
      details: { username: user.username },
    });
    return user;
  }
}

import { USER_ROLES, type UserRole } from '../../../models/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { AuditActor, AuditRepository } from '../audit/audit.repository.ts';
import { MIN_PASSWORD_LENGTH, newUserSchema } from '../contract/users.ts';
import { PasswordHasher } from '../auth/password.hasher.ts';
import type { SessionRepository } from '../auth/session.repository.ts';
import type { User, UserRepository } from './user.repository.ts';
import { generatePassword } from './users.service.ts';

/**
 * User administration from the command line (`escucha users …`, `escucha demo`): the same rules and audit
 * events as the HTTP API, with the operator as a `system` actor.
 */
export class UserAdmin {
  private readonly users: UserRepository;
  private readonly sessions: SessionRepository;
  private readonly audit: AuditRepository;
  private readonly hasher: PasswordHasher;

  constructor(
    deps: {
      users: UserRepository;
      sessions: SessionRepository;
      audit: AuditRepository;
      hasher?: PasswordHasher;
    },
    private readonly actor: AuditActor = { type: 'system', id: 'cli', name: 'escucha cli', role: null },
  ) {
    this.users = deps.users;
    this.sessions = deps.sessions;
    this.audit = deps.audit;
    this.hasher = deps.hasher ?? new PasswordHasher();
  }

  private record(action: string, user: User, details: Record<string, unknown> = {}) {
    return this.audit.append(
      this.actor,
      { ip: null, userAgent: null },
      { action, targetType: 'user', targetId: user.id, details: { username: user.username, ...details } },
    );
  }

  async add(input: {
    username: string;
    displayName?: string;
    role: string;
    email?: string;
    languages?: string[];
    teams?: string[];
    agentId?: string;
    password?: string;
  }): Promise<{ user: User; password: string; generated: boolean }> {
    if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
      throw new EscuchaError('BAD_REQUEST', `a password has at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const body = parseOrThrow(
      newUserSchema,
      {
        username: input.username,
        displayName: input.displayName ?? input.username,
        role: input.role,
        ...(input.email ? { email: input.email } : {}),
        languages: input.languages ?? [],
        teams: input.teams ?? [],
        ...(input.agentId ? { agentId: input.agentId } : {}),
      },
      'BAD_REQUEST',
      'invalid user',
    );
    if (body.role === 'agent' && !body.agentId) {
      throw new EscuchaError('BAD_REQUEST', 'an agent needs --agent-id: the agent id their calls carry');
    }
    const password = input.password ?? generatePassword();
    const user = await this.users.create({
      username: body.username,
      email: body.email ?? null,
      displayName: body.displayName,
      role: body.role,
      languages: body.languages ?? [],
      teams: body.teams ?? [],
      agentId: body.agentId ?? null,
      passwordHash: await this.hasher.hash(password),
    });
    await this.record('user_create', user, { role: user.role });
    return { user, password, generated: input.password === undefined };
  }

  private async byUsername(username: string): Promise<User> {
    const row = await this.users.findByUsername(username);
    if (!row) throw new EscuchaError('NOT_FOUND', `no user ${username}`);
    return this.users.get(row.id);
  }

  /** Sets (or generates) a password, unlocks the account and ends its sessions. */
  async setPassword(username: string, password?: string): Promise<{ password: string; generated: boolean }> {
    if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) {
      throw new EscuchaError('BAD_REQUEST', `a password has at least ${MIN_PASSWORD_LENGTH} characters`);
    }
    const user = await this.byUsername(username);
    const value = password ?? generatePassword();
    await this.users.setPasswordHash(user.id, await this.hasher.hash(value));
    await this.users.unlock(user.id);
    const ended = await this.sessions.revokeAllOf(user.id);
    await this.record('user_password_reset', user, { sessionsEnded: ended });
    return { password: value, generated: password === undefined };
  }

  async setDisabled(username: string, disabled: boolean): Promise<User> {
    const user = await this.byUsername(username);
    const after = await this.users.update(user.id, { disabled });
    if (disabled) await this.sessions.revokeAllOf(user.id);
    await this.record('user_update', after, { changes: { disabled: { from: user.disabled, to: disabled } } });
    return after;
  }

  list(): Promise<User[]> {
    return this.users.list();
  }

  /**
   * One demo user per role (`demo-admin`, `demo-qa`, …), each with a new random password, returned once. A demo
   * user that exists gets a new password.
   */
  async demoUsers(): Promise<{ role: UserRole; username: string; password: string }[]> {
    const demo: Record<UserRole, { username: string; displayName: string; extra?: Record<string, unknown> }> =
      {
        admin: { username: 'demo-admin', displayName: 'Demo Admin' },
        qa_supervisor: { username: 'demo-qa', displayName: 'Laura Ruiz (QA)' },
        compliance_officer: { username: 'demo-compliance', displayName: 'Marta Díaz (Cumplimiento)' },
        trainer: { username: 'demo-trainer', displayName: 'Jorge Peña (Formación)' },
        agent: { username: 'demo-agent', displayName: 'Carolina Gómez', extra: { agentId: 'A0042' } },
      };
    const out: { role: UserRole; username: string; password: string }[] = [];
    for (const role of USER_ROLES) {
      const d = demo[role];
      if (await this.users.findByUsername(d.username)) {
        const { password } = await this.setPassword(d.username);
        out.push({ role, username: d.username, password });
      } else {
        const { password } = await this.add({
          username: d.username,
          displayName: d.displayName,
          role,
          ...(d.extra as { agentId?: string } | undefined),
        });
        out.push({ role, username: d.username, password });
      }
    }
    return out;
  }
}

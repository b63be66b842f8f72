import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { newUserSchema, passwordResetSchema, userPatchSchema } from '../contract/users.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { Auditor } from '../audit/auditor.ts';
import type { PasswordHasher } from '../auth/password.hasher.ts';
import type { SessionRepository } from '../auth/session.repository.ts';
import { parseOrThrow } from '../validation.ts';
import type { User, UserPatch, UserRepository } from './user.repository.ts';

export interface UsersRouterDeps {
  users: UserRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  auditor: Auditor;
}

/** A random password people can type: 18 characters of base64url (about 108 bits). */
export function generatePassword(): string {
  return randomBytes(14).toString('base64url').slice(0, 18);
}

export { newUserSchema, userPatchSchema };

function changes(before: User, after: User): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of ['email', 'displayName', 'role', 'languages', 'teams', 'agentId', 'disabled'] as const) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      out[key] = { from: before[key], to: after[key] };
  }
  return out;
}

/** Administration of user accounts (admins only, by ACCESS_RULES); every change is audited. */
export function usersRouter(deps: UsersRouterDeps): Router {
  const router = Router();

  router.get('/users', async (_req, res) => {
    res.json({ items: await deps.users.list() });
  });

  router.post('/users', async (req, res) => {
    const body = parseOrThrow(newUserSchema, req.body, 'BAD_REQUEST', 'invalid user');
    if (body.role === 'agent' && !body.agentId) {
      throw new EscuchaError('BAD_REQUEST', 'an agent needs an agentId: the agent id their calls carry');
    }
    const generated = body.password ? undefined : generatePassword();
    const user = await deps.users.create({
      username: body.username,
      email: body.email ?? null,
      displayName: body.displayName,
      role: body.role,
      languages: body.languages ?? [],
      teams: body.teams ?? [],
      agentId: body.agentId ?? null,
      passwordHash: await deps.hasher.hash(body.password ?? generated!),
    });
    await deps.auditor.record(req, {
      action: 'user_create',
      targetType: 'user',
      targetId: user.id,
      details: { username: user.username, role: user.role, languages: user.languages, teams: user.teams },
    });
    res.status(201).json({ user, ...(generated ? { password: generated } : {}) });
  });

  router.patch('/users/:id', async (req, res) => {
    const patch: UserPatch = parseOrThrow(userPatchSchema, req.body, 'BAD_REQUEST', 'invalid user change');
    const before = await deps.users.get(req.params.id);
    if (req.principal?.kind === 'user' && req.principal.id === before.id) {
      if (patch.disabled === true || (patch.role && patch.role !== 'admin')) {
        throw new EscuchaError('CONFLICT', 'you cannot disable yourself or take away your own admin role');
      }
    }
    const role = patch.role ?? before.role;
    const agentId = patch.agentId !== undefined ? patch.agentId : before.agentId;
    if (role === 'agent' && !agentId) throw new EscuchaError('BAD_REQUEST', 'an agent needs an agentId');
    const after = await deps.users.update(before.id, patch);
    const diff = changes(before, after);
    // A disabled user, or one whose access changed, signs in again.
    if (after.disabled || diff.role || diff.languages || diff.teams || diff.agentId) {
      await deps.sessions.revokeAllOf(after.id);
    }
    await deps.auditor.record(req, {
      action: 'user_update',
      targetType: 'user',
      targetId: after.id,
      details: { username: after.username, changes: diff },
    });
    res.json({ user: after });
  });

  router.post('/users/:id/password', async (req, res) => {
    const body = parseOrThrow(passwordResetSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid password');
    const user = await deps.users.get(req.params.id);
    const generated = body.password ? undefined : generatePassword();
    await deps.users.setPasswordHash(user.id, await deps.hasher.hash(body.password ?? generated!));
    await deps.users.unlock(user.id);
    const ended = await deps.sessions.revokeAllOf(user.id);
    await deps.auditor.record(req, {
      action: 'user_password_reset',
      targetType: 'user',
      targetId: user.id,
      details: { username: user.username, sessionsEnded: ended },
    });
    res.json({ user: await deps.users.get(user.id), ...(generated ? { password: generated } : {}) });
  });

  router.post('/users/:id/unlock', async (req, res) => {
    const user = await deps.users.unlock(req.params.id);
    await deps.auditor.record(req, {
      action: 'user_unlock',
      targetType: 'user',
      targetId: user.id,
      details: { username: user.username },
    });
    res.json({ user });
  });

  return router;
}

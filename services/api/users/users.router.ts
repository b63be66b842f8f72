import { Router } from 'express';
import { z } from 'zod';
import { USER_ROLES } from '../../../models/database.ts';
import { passwordSchema } from '../auth/auth.router.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../validation.ts';
import type { UsersService } from './users.service.ts';

const list = z.array(z.string().trim().min(1).max(100)).max(50);
const language = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a language code such as es or en');

export const newUserSchema = z.strictObject({
  username: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9._@-]{2,100}$/, '2–100 of a-z 0-9 . _ @ -'),
  email: z.string().trim().email().max(200).nullable().optional(),
  displayName: z.string().trim().min(1).max(200),
  role: z.enum(USER_ROLES),
  languages: z.array(language).max(20).optional(),
  teams: list.optional(),
  agentId: z.string().trim().min(1).max(100).nullable().optional(),
  password: passwordSchema.optional(),
});

export const userPatchSchema = z.strictObject({
  email: z.string().trim().email().max(200).nullable().optional(),
  displayName: z.string().trim().min(1).max(200).optional(),
  role: z.enum(USER_ROLES).optional(),
  languages: z.array(language).max(20).optional(),
  teams: list.optional(),
  agentId: z.string().trim().min(1).max(100).nullable().optional(),
  disabled: z.boolean().optional(),
});

const resetSchema = z.strictObject({ password: passwordSchema.optional() });

/** Administration of user accounts (admins only, by ACCESS_RULES; UsersService decides). */
export function usersRouter(users: UsersService): Router {
  const router = Router();
  router.get('/users', async (_req, res) => {
    res.json({ items: await users.list() });
  });
  router.post('/users', async (req, res) => {
    const body = parseOrThrow(newUserSchema, req.body, 'BAD_REQUEST', 'invalid user');
    res.status(201).json(await users.create(callerOf(req), body));
  });
  router.patch('/users/:id', async (req, res) => {
    const patch = parseOrThrow(userPatchSchema, req.body, 'BAD_REQUEST', 'invalid user change');
    res.json({ user: await users.update(callerOf(req), req.params.id, patch) });
  });
  router.post('/users/:id/password', async (req, res) => {
    const body = parseOrThrow(resetSchema, req.body ?? {}, 'BAD_REQUEST', 'invalid password');
    res.json(await users.resetPassword(callerOf(req), req.params.id, body.password));
  });
  router.post('/users/:id/unlock', async (req, res) => {
    res.json({ user: await users.unlock(callerOf(req), req.params.id) });
  });
  return router;
}

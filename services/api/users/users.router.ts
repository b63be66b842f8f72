import { Router } from 'express';
import { newUserSchema, passwordResetSchema as resetSchema, userPatchSchema } from '../contract/users.ts';
import { callerOf } from '../caller.ts';
import { parseOrThrow } from '../../platform/validation.ts';
import type { UsersService } from './users.service.ts';

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

import { z } from 'zod';
import { USER_ROLES } from '../../../models/database.ts';
import { EMPTY, idParams, isoTime, items, route, uuidParams } from './common.ts';

/** User accounts (admins), the principal's own password, and saved searches. */

export const MIN_PASSWORD_LENGTH = 10;
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200);

export const userRoleSchema = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof userRoleSchema>;

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
  role: userRoleSchema,
  languages: z.array(language).max(20).optional(),
  teams: list.optional(),
  agentId: z.string().trim().min(1).max(100).nullable().optional(),
  password: passwordSchema.optional(),
});

export const userPatchSchema = z.strictObject({
  email: z.string().trim().email().max(200).nullable().optional(),
  displayName: z.string().trim().min(1).max(200).optional(),
  role: userRoleSchema.optional(),
  languages: z.array(language).max(20).optional(),
  teams: list.optional(),
  agentId: z.string().trim().min(1).max(100).nullable().optional(),
  disabled: z.boolean().optional(),
});

export const passwordResetSchema = z.strictObject({ password: passwordSchema.optional() });

/** A user as the API returns it: never the password hash. */
export const userSchema = z.object({
  id: z.uuid(),
  username: z.string(),
  email: z.string().nullable(),
  displayName: z.string(),
  role: userRoleSchema,
  languages: z.array(z.string()),
  teams: z.array(z.string()),
  agentId: z.string().nullable(),
  disabled: z.boolean(),
  failedLogins: z.number().int(),
  lockedUntil: isoTime.nullable(),
  lastLoginAt: isoTime.nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type User = z.infer<typeof userSchema>;

/** A user, with the password the server made when none was given (shown once). */
const userWithPassword = z.object({ user: userSchema, password: z.string().optional() });

export const savedSearchInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  query: z.record(z.string().max(100), z.string().max(1000)),
});
export const savedSearchSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  query: z.record(z.string(), z.string()),
  createdAt: isoTime,
});
export type SavedSearch = z.infer<typeof savedSearchSchema>;

export const userRoutes = [
  route({
    method: 'GET',
    path: '/users',
    summary: 'List user accounts',
    responses: { 200: items(userSchema) },
  }),
  route({
    method: 'POST',
    path: '/users',
    summary: 'Create a user account (a password is generated when none is given)',
    body: newUserSchema,
    responses: { 201: userWithPassword },
  }),
  route({
    method: 'PATCH',
    path: '/users/:id',
    summary: "Change a user's profile, role, scope or disabled state",
    params: idParams,
    body: userPatchSchema,
    responses: { 200: z.object({ user: userSchema }) },
  }),
  route({
    method: 'POST',
    path: '/users/:id/password',
    summary: "Set a user's password (generated when none is given); signs the user out everywhere",
    params: idParams,
    body: passwordResetSchema,
    responses: { 200: userWithPassword },
  }),
  route({
    method: 'POST',
    path: '/users/:id/unlock',
    summary: 'Clear the failed sign-ins of a user',
    params: idParams,
    responses: { 200: z.object({ user: userSchema }) },
  }),
  route({
    method: 'GET',
    path: '/saved-searches',
    summary: "The caller's saved searches",
    responses: { 200: items(savedSearchSchema) },
  }),
  route({
    method: 'POST',
    path: '/saved-searches',
    summary: 'Save a search (its filters; paging and sorting are dropped)',
    body: savedSearchInputSchema,
    responses: { 201: savedSearchSchema },
  }),
  route({
    method: 'DELETE',
    path: '/saved-searches/:id',
    summary: 'Delete one of the caller’s saved searches',
    params: uuidParams,
    responses: { 204: EMPTY },
  }),
];

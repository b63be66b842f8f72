import { z } from 'zod';
import { API_ROLES } from '../../../models/database.ts';
import { EMPTY, isoTime, route } from './common.ts';
import { passwordSchema, userSchema } from './users.ts';

/** Signing in and out, who the caller is and what it may do, and the liveness check. */

export const apiRoleSchema = z.enum(API_ROLES);
export type Role = z.infer<typeof apiRoleSchema>;

export const loginSchema = z.object({
  username: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(200),
});

export const passwordChangeSchema = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: passwordSchema,
});

/**
 * What the web UI offers, each decided by the server's access policy (services/api/auth/access.policy.ts) for the
 * principal that asks: `GET /auth/me` lists those it may use.
 */
export const PERMISSIONS = [
  'search',
  'download',
  'review',
  'compliance',
  'agents',
  'library',
  'audit',
  'retention',
  'users',
  'collections',
  'listenLive',
  'webhooks',
  'live',
  'promiseCorrect',
  'alerts',
] as const;
export const permissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof permissionSchema>;

export const meSchema = z.object({
  principal: z.object({
    kind: z.enum(['user', 'key']),
    id: z.string(),
    name: z.string(),
    username: z.string().nullable(),
    role: apiRoleSchema,
    languages: z.array(z.string()),
    teams: z.array(z.string()),
    agentId: z.string().nullable(),
    /** Which calls it sees; null: every call. */
    scope: z
      .object({
        agentId: z.string().nullable().optional(),
        languages: z.array(z.string()).optional(),
        teams: z.array(z.string()).optional(),
      })
      .nullable(),
  }),
  user: userSchema.nullable(),
  csrfToken: z.string().nullable(),
  /** What this server offers: its routes (`GET /calls/:id/transcript`) and the search parameters it accepts. */
  capabilities: z.object({ routes: z.array(z.string()), searchParams: z.array(z.string()) }),
  /** What the principal may do in the UI, by the access policy. */
  permissions: z.array(permissionSchema),
});
export type Me = z.infer<typeof meSchema>;

const sessionSchema = z.object({ csrfToken: z.string(), expiresAt: isoTime });

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  /** By name: `ok` or what is wrong. */
  checks: z.record(z.string(), z.string()),
});

export const authRoutes = [
  route({
    method: 'GET',
    path: '/health',
    summary: 'Liveness and readiness: database, object store and the other checks (no key needed)',
    responses: { 200: healthSchema, 503: healthSchema },
  }),
  route({
    method: 'POST',
    path: '/auth/login',
    summary: 'Sign in with a username (or email) and password; sets the session cookie',
    body: loginSchema,
    responses: { 200: sessionSchema.extend({ user: userSchema }) },
  }),
  route({
    method: 'POST',
    path: '/auth/logout',
    summary: 'Sign out: ends the session',
    responses: { 204: EMPTY },
  }),
  route({
    method: 'GET',
    path: '/auth/me',
    summary: 'Who the caller is, its CSRF token, what the server offers and what the caller may do',
    responses: { 200: meSchema },
  }),
  route({
    method: 'POST',
    path: '/auth/password',
    summary: "Change the caller's password; ends its other sessions",
    body: passwordChangeSchema,
    responses: { 200: sessionSchema },
  }),
];

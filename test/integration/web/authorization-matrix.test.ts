import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRole } from '../../../models/database.ts';
import {
  ACCESS_RULES,
  allows,
  authorize,
  compileRules,
  defaultKeyScopes,
  findRule,
  scopesAllow,
} from '../../../services/api/auth/access.policy.ts';
import { listRoutes, type RouteInfo } from '../../../services/api/auth/route-list.ts';
import { addUser, createAccountsTestApi, login, type AccountsTestApi, type Session } from './web-support.ts';

const HUMAN_ROLES = ['admin', 'qa_supervisor', 'compliance_officer', 'trainer', 'agent'] as const;
type Who = (typeof HUMAN_ROLES)[number] | 'ingest' | 'anonymous';
const EVERYONE: Who[] = [...HUMAN_ROLES, 'ingest', 'anonymous'];

/** A concrete path for a route pattern: every parameter becomes an id that exists nowhere. */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
}

/**
 * Every route of the real app (read from express's router stack) × every role: allowed routes never answer
 * 401/403, refused ones answer 403 (401 without credentials). A route added without an access rule fails here.
 */
describe('authorization matrix', () => {
  let api: AccountsTestApi;
  let routes: RouteInfo[];
  const sessions = new Map<Who, Session>();
  let ingestKey: string;
  const users = new Map<Who, { username: string; password: string }>();

  beforeAll(async () => {
    api = await createAccountsTestApi();
    routes = listRoutes(api.app, '/api/v1');
    for (const role of HUMAN_ROLES) {
      const u = await addUser(api, role);
      users.set(role, u);
      sessions.set(role, await login(api.app, u));
    }
    ingestKey = (await api.keys.create('ingest', 'matrix')).key;
  });
  afterAll(async () => {
    await api.close();
  });

  it('reads the routes of the app from the router stack, including those of every router', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'GET /health',
      'POST /auth/login',
      'GET /calls',
      'GET /calls/:id/audio',
      'POST /recordings',
      'GET /audit.csv',
      'POST /users',
      'POST /retention/run',
      'GET /clips/:id/audio',
      'GET /review-items/:id',
      'POST /evaluation-forms',
      'PUT /evaluation-forms/:id',
      'GET /compliance/disclosure.csv',
      'GET /compliance/disclosure/calls',
      'GET /agents/metrics',
    ]) {
      expect(keys).toContain(expected);
    }
    expect(routes.length).toBeGreaterThan(40);
  });

  it('has an access rule for every route', () => {
    const compiled = compileRules(ACCESS_RULES);
    const missing = routes
      .filter((r) => !findRule(compiled, r.method, r.path))
      .map((r) => `${r.method} ${r.path}`);
    expect(missing, `add these to ACCESS_RULES in services/api/auth/access.policy.ts`).toEqual([]);
  });

  it('enforces every rule for every role on every route', async () => {
    const compiled = compileRules(ACCESS_RULES);
    const failures: string[] = [];
    let refused = 0;
    let checked = 0;
    for (const route of routes) {
      const found = findRule(compiled, route.method, route.path);
      const rule = found?.rule;
      for (const who of EVERYONE) {
        const path = `/api/v1${concrete(route.path)}`;
        const isLogout = route.path === '/auth/logout';
        let session = sessions.get(who);
        // Signing out would end the session the other checks use: sign in once more for it.
        if (isLogout && session) session = await login(api.app, users.get(who)!);
        const agent = session ? session.agent : request(api.app);
        let req = agent[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path);
        if (session && route.method !== 'GET') req = req.set('X-CSRF-Token', session.csrf);
        if (who === 'ingest') req = req.set('Authorization', `Bearer ${ingestKey}`);
        if (route.method !== 'GET' && route.path !== '/recordings') req = req.send({});
        // An event stream stays open: its answer is read up to its first bytes.
        if (route.path.endsWith('/events')) {
          req = req.buffer(true).parse((stream, done) => {
            let settled = false;
            const finish = () => {
              if (settled) return;
              settled = true;
              done(null, '');
              (stream as unknown as { destroy(): void }).destroy();
            };
            stream.once('data', finish);
            stream.once('end', finish);
          });
        }
        const res = await req;
        const role: ApiRole | undefined = who === 'anonymous' ? undefined : who;
        // The ingest key is a new one: limited to its default scopes (uploading).
        const allowed =
          allows(rule, role) && (who !== 'ingest' || scopesAllow(found, defaultKeyScopes('ingest')));
        const ok = allowed
          ? res.status !== 401 && res.status !== 403
          : res.status === (who === 'anonymous' && rule !== 'public' ? 401 : 403);
        checked += 1;
        if (!allowed) refused += 1;
        if (!ok)
          failures.push(
            `${route.method} ${route.path} as ${who}: ${res.status} (${allowed ? 'allowed' : 'refused'} by rule)`,
          );
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(routes.length * EVERYONE.length);
    expect(refused).toBeGreaterThan(routes.length * 2);
  });

  it('keeps the sensitive areas to their roles', () => {
    const compiled = compileRules(ACCESS_RULES);
    const rolesFor = (r: RouteInfo) =>
      EVERYONE.filter((who) =>
        allows(findRule(compiled, r.method, r.path)?.rule, who === 'anonymous' ? undefined : who),
      );
    for (const r of routes) {
      const roles = rolesFor(r);
      if (r.path.startsWith('/users')) expect(roles, r.path).toEqual(['admin']);
      if (r.path.startsWith('/audit')) expect(roles, r.path).toEqual(['admin', 'compliance_officer']);
      if (r.path.startsWith('/retention') || r.path.startsWith('/legal-holds')) {
        expect(roles, r.path).toEqual(['admin', 'compliance_officer']);
      }
      if (r.path.startsWith('/compliance')) expect(roles, r.path).toEqual(['admin', 'compliance_officer']);
      if (r.path.startsWith('/agents')) {
        expect(roles, r.path).toEqual(['admin', 'qa_supervisor', 'compliance_officer']);
      }
      if (r.path.startsWith('/evaluation-forms')) {
        expect(roles, `${r.method} ${r.path}`).toEqual(
          r.method === 'GET' ? ['admin', 'qa_supervisor'] : ['admin'],
        );
      }
      if (r.path.startsWith('/review-')) {
        expect(roles, r.path).toEqual(['admin', 'qa_supervisor', 'compliance_officer']);
      }
      if (r.path.startsWith('/collections') || r.path.startsWith('/clips')) {
        expect(roles, r.path).toEqual(['admin', 'qa_supervisor', 'trainer']);
      }
      if (r.path === '/payments') expect(roles, r.path).toEqual(['admin', 'ingest']);
      if (r.path.startsWith('/webhooks')) expect(roles, `${r.method} ${r.path}`).toEqual(['admin']);
      if (r.path.startsWith('/live')) {
        expect(roles, r.path).toEqual(['admin', 'qa_supervisor', 'compliance_officer']);
      }
      if (r.path.startsWith('/portfolio')) {
        expect(roles, r.path).toEqual(['admin', 'qa_supervisor', 'compliance_officer']);
      }
      if (r.path.startsWith('/promises')) {
        expect(roles, `${r.method} ${r.path}`).toEqual(
          r.method === 'GET' ? ['admin', 'qa_supervisor', 'compliance_officer'] : ['admin', 'qa_supervisor'],
        );
      }
      // The OpenAPI document is public, like the health check and sign-in.
      if (!['/health', '/auth/login', '/openapi.json'].includes(r.path))
        expect(roles, r.path).not.toContain('anonymous');
      if (roles.includes('agent')) {
        const agentArea = ['/calls', '/auth', '/saved-searches', '/health', '/openapi.json'].some((p) =>
          r.path.startsWith(p),
        );
        expect(agentArea, r.path).toBe(true);
      }
    }
  });

  it('refuses a route that has no rule to everyone but admins', async () => {
    const app = express();
    app.use((req, _res, next) => {
      const role = req.get('x-role') as ApiRole | undefined;
      if (role) {
        req.principal = {
          kind: 'key',
          id: 'k',
          keyId: 'k',
          name: 'k',
          role,
          languages: [],
          teams: [],
          agentId: null,
        };
      }
      next();
    });
    app.use(authorize({ 'GET /known': ['trainer'] }));
    app.get('/known', (_req, res) => res.send('ok'));
    app.get('/unknown', (_req, res) => res.send('ok'));
    app.use(((error, _req, res, _next) =>
      res.status(error.httpStatus).send(error.message)) as express.ErrorRequestHandler);
    expect((await request(app).get('/known').set('x-role', 'trainer')).status).toBe(200);
    expect((await request(app).get('/known').set('x-role', 'agent')).status).toBe(403);
    expect((await request(app).get('/unknown').set('x-role', 'trainer')).status).toBe(403);
    expect((await request(app).get('/unknown').set('x-role', 'admin')).status).toBe(200);
  });
});

import express from 'express';
import { describe, expect, it } from 'vitest';
import {
  allows,
  compileRules,
  findRule,
  pathPattern,
  permissionsOf,
} from '../../../services/api/auth/access.policy.ts';
import { callScopeOf, inScope, languageMatches, type Principal } from '../../../services/access/principal.ts';
import { listRoutes } from '../../../services/api/auth/route-list.ts';

describe(pathPattern.name, () => {
  it('matches one path segment per parameter, with an optional trailing slash', () => {
    const p = pathPattern('/calls/:id/audio');
    expect(p.test('/calls/abc/audio')).toBe(true);
    expect(p.test('/calls/abc/audio/')).toBe(true);
    expect(p.test('/calls/a/b/audio')).toBe(false);
    expect(p.test('/calls/abc')).toBe(false);
    expect(pathPattern('/audit.csv').test('/auditxcsv')).toBe(false);
  });
});

describe(findRule.name, () => {
  const compiled = compileRules({
    'GET /audit/:x': ['trainer'],
    'GET /audit/verify': ['compliance_officer'],
    'GET /calls': 'authenticated',
  });
  it('prefers literal segments over parameters and treats HEAD as GET', () => {
    expect(findRule(compiled, 'GET', '/audit/verify')?.key).toBe('GET /audit/verify');
    expect(findRule(compiled, 'GET', '/audit/other')?.key).toBe('GET /audit/:x');
    expect(findRule(compiled, 'HEAD', '/calls')?.key).toBe('GET /calls');
    expect(findRule(compiled, 'POST', '/calls')).toBeUndefined();
  });
});

describe(allows.name, () => {
  it('lets admins do anything, everyone public routes, the listed roles the rest', () => {
    expect(allows(undefined, 'admin')).toBe(true);
    expect(allows(undefined, 'trainer')).toBe(false);
    expect(allows('public', undefined)).toBe(true);
    expect(allows('authenticated', undefined)).toBe(false);
    expect(allows('authenticated', 'agent')).toBe(true);
    expect(allows(['trainer'], 'trainer')).toBe(true);
    expect(allows(['trainer'], 'agent')).toBe(false);
    expect(allows([], 'compliance_officer')).toBe(false);
  });
});

describe(permissionsOf.name, () => {
  it('gives each role the pages whose routes it may call', () => {
    expect(permissionsOf('admin')).toEqual([
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
    ]);
    expect(permissionsOf('qa_supervisor')).toEqual([
      'search',
      'download',
      'review',
      'agents',
      'library',
      'collections',
      'listenLive',
      'live',
      'promiseCorrect',
      'alerts',
    ]);
    expect(permissionsOf('compliance_officer')).toEqual([
      'search',
      'download',
      'review',
      'compliance',
      'agents',
      'audit',
      'retention',
      'collections',
      'listenLive',
      'live',
      'alerts',
    ]);
    expect(permissionsOf('trainer')).toEqual(['search', 'download', 'library', 'listenLive']);
    // Agents search and play their own calls (and hear them live); the download link is for reviewers.
    expect(permissionsOf('agent')).toEqual(['search', 'listenLive']);
    // Keys play calls as they did before accounts existed (within their scopes), and so may listen live.
    expect(permissionsOf('ingest')).toEqual(['listenLive']);
    expect(permissionsOf(undefined)).toEqual([]);
  });
});

describe(listRoutes.name, () => {
  it('lists routes of nested routers with their mount paths, once each', () => {
    const app = express();
    const inner = express.Router();
    inner.get('/a/:id', (_q, r) => r.end());
    inner.post('/a', (_q, r) => r.end());
    const api = express.Router();
    api.use(inner);
    api.use(
      '/nested',
      express.Router().get('/b', (_q, r) => r.end()),
    );
    api.get('/a/:id', (_q, r) => r.end());
    app.use('/api/v1', api);
    app.get('/other', (_q, r) => r.end());
    expect(listRoutes(app, '/api/v1')).toEqual([
      { method: 'GET', path: '/a/:id' },
      { method: 'POST', path: '/a' },
      { method: 'GET', path: '/nested/b' },
    ]);
    expect(listRoutes(app).map((r) => r.path)).toContain('/other');
  });
});

const principal = (p: Partial<Principal>): Principal => ({
  kind: 'user',
  id: 'u',
  keyId: null,
  name: 'n',
  role: 'qa_supervisor',
  languages: [],
  teams: [],
  agentId: null,
  ...p,
});

describe(callScopeOf.name, () => {
  it('narrows agents to their calls and anyone with languages or teams to those; never admins', () => {
    expect(callScopeOf(principal({}))).toBeUndefined();
    expect(callScopeOf(principal({ role: 'admin', teams: ['t'] }))).toBeUndefined();
    expect(callScopeOf(principal({ role: 'agent', agentId: 'A1' }))).toEqual({ agentId: 'A1' });
    expect(callScopeOf(principal({ role: 'agent' }))).toEqual({ agentId: null });
    expect(callScopeOf(principal({ languages: ['es'], teams: ['t1'] }))).toEqual({
      languages: ['es'],
      teams: ['t1'],
    });
  });

  it('admits a call only when every part of the scope matches', () => {
    const scope = callScopeOf(principal({ languages: ['es'], teams: ['t1'] }));
    expect(inScope(scope, { agentId: 'x', language: 'es-CO', team: 't1' })).toBe(true);
    expect(inScope(scope, { agentId: 'x', language: 'en', team: 't1' })).toBe(false);
    expect(inScope(scope, { agentId: 'x', language: null, team: 't1' })).toBe(false);
    expect(inScope(scope, { agentId: 'x', language: 'es', team: null })).toBe(false);
    expect(inScope({ agentId: null }, { agentId: 'A1', language: 'es', team: 't1' })).toBe(false);
    expect(languageMatches(['es-MX'], 'es')).toBe(false);
  });
});

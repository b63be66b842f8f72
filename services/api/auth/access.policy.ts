import type { RequestHandler } from 'express';
import { KEY_SCOPES, type ApiRole, type KeyScope } from '../../../models/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { PERMISSIONS, type Permission } from '../contract/auth.ts';
import type { Principal } from '../../access/principal.ts';

/**
 * Who may call which route: one rule per `METHOD /path` (paths as mounted under /api/v1, in express syntax).
 * Admins may call every route. A route without a rule is refused to everyone but admins, and the authorization
 * matrix test (test/integration/web/authorization-matrix.test.ts) fails until it gets one. Rules decide the role;
 * which calls a role may see (scope) is decided by call-scope.ts.
 */
export type AccessRule = 'public' | 'authenticated' | readonly ApiRole[];

const READERS = ['qa_supervisor', 'compliance_officer', 'trainer', 'agent'] as const;
/** API keys of every role could search and play calls before user accounts existed; they still can. */
const CALL_READERS = [...READERS, 'ingest'] as const;
const COMPLIANCE = ['compliance_officer'] as const;
const LIBRARY = ['trainer', 'qa_supervisor'] as const;
const ADMIN_ONLY = [] as const;
const REVIEWERS = ['qa_supervisor', 'compliance_officer', 'trainer'] as const;
const QA = ['qa_supervisor'] as const;
const REVIEW_QUEUES = ['qa_supervisor', 'compliance_officer'] as const;
/** Agent and team metrics: QA supervisors (within their scope) and compliance. */
const AGENT_METRICS = ['qa_supervisor', 'compliance_officer'] as const;
/** Collections follow-up (promises, queue, metrics): supervisors and compliance; corrections: supervisors. */
const COLLECTIONS = ['qa_supervisor', 'compliance_officer'] as const;
/** The live board (calls in progress, agent activity): supervisors and compliance, within their scope. */
const LIVE_BOARD = ['qa_supervisor', 'compliance_officer'] as const;
/** Calls in progress: their live transcript and real-time alerts (supervisors and compliance, within their scope). */
const LIVE = ['qa_supervisor', 'compliance_officer'] as const;

export const ACCESS_RULES: Record<string, AccessRule> = {
  'GET /health': 'public',
  'GET /openapi.json': 'public',
  'POST /auth/login': 'public',
  'POST /auth/logout': 'authenticated',
  'GET /auth/me': 'authenticated',
  'POST /auth/password': 'authenticated',

  'POST /recordings': ['ingest'],
  'GET /calls': CALL_READERS,
  'GET /calls/:id': CALL_READERS,
  'GET /calls/:id/audio': CALL_READERS,
  // Served by the speech pipeline and analytics.
  'GET /calls/:id/transcript': READERS,
  'GET /calls/:id/analysis': READERS,

  // Adherence scripts (read by every reviewer, changed by QA) and review queues (QA and compliance).
  'GET /scripts': REVIEWERS,
  'GET /scripts/:id': REVIEWERS,
  'GET /scripts/:id/versions': REVIEWERS,
  'GET /scripts/:id/versions/:version': REVIEWERS,
  'POST /scripts': QA,
  'PUT /scripts/:id': QA,
  'DELETE /scripts/:id': QA,
  'POST /scripts/:id/reevaluate': QA,
  'GET /review-queues': REVIEW_QUEUES,
  'GET /review-queues/:id/items': REVIEW_QUEUES,
  'POST /review-items/:id/claim': REVIEW_QUEUES,
  'GET /review-items/:id': REVIEW_QUEUES,
  'GET /calls/:id/evaluations': REVIEW_QUEUES,
  'POST /calls/:id/evaluations': REVIEW_QUEUES,
  'POST /review-items/:id/complete': REVIEW_QUEUES,

  // Evaluation forms: managed by admins, read by QA supervisors (reviewers get the form with each review item).
  'GET /evaluation-forms': QA,
  'GET /evaluation-forms/:id': QA,
  'GET /evaluation-forms/:id/versions': QA,
  'GET /evaluation-forms/:id/versions/:version': QA,
  'POST /evaluation-forms': ADMIN_ONLY,
  'PUT /evaluation-forms/:id': ADMIN_ONLY,
  'DELETE /evaluation-forms/:id': ADMIN_ONLY,

  // Compliance dashboard and the agents page.
  'GET /compliance/disclosure': COMPLIANCE,
  'GET /compliance/disclosure.csv': COMPLIANCE,
  'GET /compliance/disclosure/calls': COMPLIANCE,
  'GET /compliance/disclosure/calls.csv': COMPLIANCE,
  'GET /agents/metrics': AGENT_METRICS,
  'GET /agents/metrics.csv': AGENT_METRICS,

  'GET /saved-searches': READERS,
  'POST /saved-searches': READERS,
  'DELETE /saved-searches/:id': READERS,

  'GET /audit': COMPLIANCE,
  'GET /audit.csv': COMPLIANCE,
  'GET /audit/verify': COMPLIANCE,

  'GET /users': ADMIN_ONLY,
  'POST /users': ADMIN_ONLY,
  'PATCH /users/:id': ADMIN_ONLY,
  'POST /users/:id/password': ADMIN_ONLY,
  'POST /users/:id/unlock': ADMIN_ONLY,

  'GET /retention/policies': COMPLIANCE,
  'POST /retention/policies': COMPLIANCE,
  'PATCH /retention/policies/:id': COMPLIANCE,
  'DELETE /retention/policies/:id': COMPLIANCE,
  'POST /retention/run': COMPLIANCE,
  'GET /retention/tombstones': COMPLIANCE,
  'GET /legal-holds': COMPLIANCE,
  'POST /legal-holds': COMPLIANCE,
  'POST /legal-holds/:id/release': COMPLIANCE,

  'GET /collections': LIBRARY,
  'POST /collections': LIBRARY,
  'GET /collections/:id': LIBRARY,
  'PATCH /collections/:id': LIBRARY,
  'DELETE /collections/:id': LIBRARY,
  'POST /collections/:id/items': LIBRARY,
  'DELETE /collections/:id/items/:itemId': LIBRARY,
  'GET /clips': LIBRARY,
  'POST /clips': LIBRARY,
  'GET /clips/:id': LIBRARY,
  'DELETE /clips/:id': LIBRARY,
  'GET /clips/:id/audio': LIBRARY,

  // Payments come from the collections system's key; promises and the follow-up queue are read by supervisors.
  'POST /payments': ['ingest'],
  'GET /promises': COLLECTIONS,
  'PATCH /promises/:id': QA,
  'GET /promises/follow-up': COLLECTIONS,
  'GET /promises/follow-up.csv': COLLECTIONS,
  'GET /portfolio/metrics': COLLECTIONS,
  'GET /portfolio/metrics.csv': COLLECTIONS,
  'GET /portfolio/roll': COLLECTIONS,

  // Listening to a call in progress (a WebSocket, services/api/live/): the same rule as playing a recorded call.
  'GET /live/calls/:captureId/audio': CALL_READERS,
  // Webhooks: where events go and their secrets are the administrators' to set.
  'GET /webhooks': ADMIN_ONLY,
  'POST /webhooks': ADMIN_ONLY,
  'PATCH /webhooks/:id': ADMIN_ONLY,
  'DELETE /webhooks/:id': ADMIN_ONLY,
  'POST /webhooks/:id/secret': ADMIN_ONLY,
  'GET /webhooks/deliveries': ADMIN_ONLY,
  'POST /webhooks/deliveries/:id/redeliver': ADMIN_ONLY,
  'GET /live/calls': LIVE_BOARD,
  'GET /live/events': LIVE_BOARD,
  'GET /live/agents': LIVE_BOARD,
  'GET /live/alerts': LIVE,
  'POST /live/alerts/:alertId/acknowledge': LIVE,
  'GET /live/alerts/events': LIVE,
  'GET /live/calls/:captureId/transcript': LIVE,
  'GET /live/calls/:captureId/events': LIVE,
  'GET /calls/:id/alerts': LIVE,
};

export { KEY_SCOPES, type KeyScope };

export const KEY_SCOPE_OF_ROUTE: Record<string, KeyScope> = {
  'POST /recordings': 'recordings:write',
  'GET /calls': 'calls:read',
  'GET /calls/:id': 'calls:read',
  'GET /calls/:id/audio': 'audio:read',
  'GET /calls/:id/transcript': 'transcripts:read',
  'GET /calls/:id/analysis': 'transcripts:read',
  'POST /payments': 'payments:write',
  'GET /live/calls/:captureId/audio': 'audio:read',
};

/** Whether a key's scopes (null: no limit) let it call the route found; public and sign-in routes are not limited. */
export function scopesAllow(
  found: { key: string; rule: AccessRule } | undefined,
  scopes: readonly string[] | null | undefined,
): boolean {
  if (!scopes || !found || found.rule === 'public' || found.rule === 'authenticated') return true;
  const needed = KEY_SCOPE_OF_ROUTE[found.key];
  return needed !== undefined && scopes.includes(needed);
}

/** The scopes a new key of this role gets when none are named. */
export function defaultKeyScopes(role: ApiRole): KeyScope[] | null {
  return role === 'ingest' ? ['recordings:write'] : null;
}

export interface CompiledRule {
  key: string;
  method: string;
  pattern: RegExp;
  rule: AccessRule;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `/calls/:id/audio` → a regexp matching one path segment per parameter, with an optional trailing slash. */
export function pathPattern(path: string): RegExp {
  const body = path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : escapeRegExp(seg)))
    .join('/');
  return new RegExp(`^${body}/?$`, 'i');
}

export function compileRules(rules: Record<string, AccessRule>): CompiledRule[] {
  return Object.entries(rules).map(([key, rule]) => {
    const [method, path] = key.split(' ') as [string, string];
    return { key, method, pattern: pathPattern(path), rule };
  });
}

/** The rule for a request, or undefined. Literal segments win over parameters (`/audit/verify` over `/audit/:x`). */
export function findRule(
  compiled: CompiledRule[],
  method: string,
  path: string,
): { key: string; rule: AccessRule } | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  let best: CompiledRule | undefined;
  let bestParams = Infinity;
  for (const c of compiled) {
    if (c.method !== m || !c.pattern.test(path)) continue;
    const params = (c.key.match(/:/g) ?? []).length;
    if (params < bestParams) {
      best = c;
      bestParams = params;
    }
  }
  return best ? { key: best.key, rule: best.rule } : undefined;
}

export function allows(rule: AccessRule | undefined, role: ApiRole | undefined): boolean {
  if (rule === 'public') return true;
  if (!role) return false;
  if (role === 'admin' || rule === 'authenticated') return true;
  return rule !== undefined && rule.includes(role);
}

/**
 * What the web UI offers, each decided by the rule of the route it stands on, so the pages a principal sees are the
 * routes it may call. `download` is the player's download link: every call reader may fetch audio, the link is
 * offered to reviewers.
 */
const PERMISSION_RULES: Record<Permission, AccessRule | undefined> = {
  search: ACCESS_RULES['GET /saved-searches'],
  download: REVIEWERS,
  review: ACCESS_RULES['GET /review-queues'],
  compliance: ACCESS_RULES['GET /compliance/disclosure'],
  agents: ACCESS_RULES['GET /agents/metrics'],
  library: ACCESS_RULES['GET /collections'],
  audit: ACCESS_RULES['GET /audit'],
  retention: ACCESS_RULES['GET /retention/policies'],
  users: ACCESS_RULES['GET /users'],
  collections: ACCESS_RULES['GET /promises/follow-up'],
  listenLive: ACCESS_RULES['GET /live/calls/:captureId/audio'],
  webhooks: ACCESS_RULES['GET /webhooks'],
  live: ACCESS_RULES['GET /live/calls'],
  promiseCorrect: ACCESS_RULES['PATCH /promises/:id'],
  alerts: ACCESS_RULES['GET /live/alerts'],
};

/** What a principal of this role may do in the UI (sent with GET /auth/me). */
export function permissionsOf(role: ApiRole | undefined): Permission[] {
  return PERMISSIONS.filter((p) => allows(PERMISSION_RULES[p], role));
}

/**
 * Why a principal may not make a request (`GET`, `/calls/:id/audio` as requested under /api/v1), or undefined when
 * the rules let it: the decision `authorize` applies to every route, and the live-audio WebSocket to its upgrade.
 */
export function refusalOf(
  compiled: CompiledRule[],
  method: string,
  path: string,
  principal: Principal | undefined,
): EscuchaError | undefined {
  const found = findRule(compiled, method, path);
  const scopes = principal?.kind === 'key' ? principal.scopes : null;
  if (scopes && !scopesAllow(found, scopes)) {
    const needed = found ? KEY_SCOPE_OF_ROUTE[found.key] : undefined;
    const has = scopes.join(', ') || 'none';
    return new EscuchaError(
      'FORBIDDEN',
      needed
        ? `this API key lacks the scope ${needed} (it has: ${has})`
        : `this API key is limited to ${has}`,
    );
  }
  if (allows(found?.rule, principal?.role)) return undefined;
  const rule = found?.rule;
  return new EscuchaError(
    'FORBIDDEN',
    Array.isArray(rule)
      ? `this action needs one of the roles: admin${rule.length ? `, ${rule.join(', ')}` : ''}`
      : 'this action is reserved to admins',
  );
}

/** Enforces ACCESS_RULES on every request that reaches it (mounted after authentication). */
export function authorize(rules: Record<string, AccessRule> = ACCESS_RULES): RequestHandler {
  const compiled = compileRules(rules);
  return (req, _res, next) => {
    next(refusalOf(compiled, req.method, req.path, req.principal));
  };
}

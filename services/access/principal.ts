import type { ApiRole } from '../../models/database.ts';
import { callLanguage } from '../../models/language.ts';

/**
 * Who is making a request: a person signed in with a session, an integration with an API key, or the system itself
 * (the command line, as an admin). Scope narrows
 * what calls a principal may see: an agent sees only their own calls; anyone with languages or teams set sees only
 * calls in those languages and teams. Admins are never narrowed.
 */
export interface Principal {
  kind: 'user' | 'key' | 'system';
  /** User id, API key id, or what the system acts as (`cli`). */
  id: string;
  /** Kept for API-key integrations: the key id, or null for a signed-in user. */
  keyId: string | null;
  name: string;
  role: ApiRole;
  languages: string[];
  teams: string[];
  agentId: string | null;
  /** API keys: what the key may do within its role (access.policy.ts KEY_SCOPES); null or absent: all of it. */
  scopes?: readonly string[] | null;
  /** Only for sessions. */
  sessionId?: string;
  username?: string;
}

/** A stable reference stored as owner/creator of things (`user:<id>` or `key:<id>`). */
/**
 * Roles that may hear and read a call's original, unredacted audio and transcript (and are audited when they do);
 * every other role gets the redacted copies, and the live transcript with sensitive numbers hidden.
 */
export const UNREDACTED_ROLES = ['admin', 'compliance_officer'] as const;

export function mayViewUnredacted(principal: Principal | undefined): boolean {
  return principal !== undefined && (UNREDACTED_ROLES as readonly string[]).includes(principal.role);
}

export function principalRef(p: Principal): string {
  return `${p.kind}:${p.id}`;
}

export interface CallScope {
  /** Restrict to calls of this agent; `null` when the principal may not see any call (agent without agent id). */
  agentId?: string | null;
  languages?: string[];
  teams?: string[];
}

/** The call scope of a principal; undefined when unrestricted. */
export function callScopeOf(p: Principal): CallScope | undefined {
  if (p.role === 'admin') return undefined;
  const scope: CallScope = {};
  if (p.role === 'agent') scope.agentId = p.agentId;
  if (p.languages.length > 0) scope.languages = p.languages;
  if (p.teams.length > 0) scope.teams = p.teams;
  return Object.keys(scope).length > 0 ? scope : undefined;
}

/** Whether a call with these fields is inside a scope (the same rule the SQL conditions apply). */
export function inScope(
  scope: CallScope | undefined,
  call: { agentId: string | null; language: string | null; team: string | null },
): boolean {
  if (!scope) return true;
  if (scope.agentId !== undefined && (scope.agentId === null || call.agentId !== scope.agentId)) return false;
  if (scope.languages && !languageMatches(scope.languages, call.language)) return false;
  if (scope.teams && (call.team === null || !scope.teams.includes(call.team))) return false;
  return true;
}

/** `es` in a scope admits calls in `es` and in regional variants such as `es-CO` (callLanguage). */
export function languageMatches(languages: string[], language: string | null): boolean {
  if (language === null) return false;
  const base = callLanguage(language);
  return languages.includes(language) || (base !== null && languages.includes(base));
}

/** The browser's side of the Escucha API: same-origin fetches with the session cookie and the CSRF header. */

export type {
  AgentWeek,
  Analysis,
  AuditEntry,
  AuditVerify,
  CallDetail,
  CallSummary,
  Clip,
  Collection,
  CollectionItem,
  CollectionsMetricsRow,
  CoverageRow,
  DisclosureCall,
  EvaluationForm,
  FormQuestion,
  LegalHold,
  AgentActivity,
  GroupActivity,
  LiveAgents,
  LiveCall,
  LiveAlertView,
  LiveLineView,
  LiveStreamEvent,
  LiveTranscriptView,
  Me,
  PaymentPromiseView,
  Permission,
  RetentionPolicy,
  RetentionReport,
  RollRow,
  ReviewItem,
  ReviewItemDetail,
  ReviewQueue,
  Role,
  SavedSearch,
  Segment,
  StageOutcome,
  TimedComment,
  Tombstone,
  Transcript,
  User,
  Webhook,
  WebhookDelivery,
  WebhookList,
  WebhookWithSecret,
} from '../../api/contract/index.ts';
import type { Me, Permission } from '../../api/contract/index.ts';

/** A page of a keyset-paginated list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | undefined;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function onSessionEnded(handler: () => void): void {
  onUnauthenticated = handler;
}

export const API = '/api/v1';

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; query?: Record<string, string | undefined> } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const res = await fetch(API + path + queryString(init.query), {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } })
      ?.error;
    if (res.status === 401 && path !== '/auth/login' && onUnauthenticated) onUnauthenticated();
    throw new ApiError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? res.statusText,
      err?.details,
    );
  }
  return body as T;
}

export function queryString(query: Record<string, string | undefined> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Whether the server offers a route (as `GET /calls/:id/transcript`). */
export function hasRoute(me: Me | null, route: string): boolean {
  return Boolean(me?.capabilities.routes.includes(route));
}

export function hasRoutePrefix(me: Me | null, prefix: string): boolean {
  return Boolean(me?.capabilities.routes.some((r) => r.startsWith(prefix)));
}

/** What the signed-in principal may do, as the server's access policy decided it (GET /auth/me). */
export function can(me: Me | null, what: Permission): boolean {
  return Boolean(me?.permissions.includes(what));
}

/** How the API names the caller in claimedBy / completedBy. */
export function principalRef(me: Me): string {
  return `${me.principal.kind}:${me.principal.id}`;
}

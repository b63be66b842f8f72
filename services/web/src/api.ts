/** The browser's side of the Escucha API: same-origin fetches with the session cookie and the CSRF header. */

export type Role = 'admin' | 'qa_supervisor' | 'compliance_officer' | 'trainer' | 'agent' | 'ingest';

export interface Me {
  principal: {
    kind: 'user' | 'key';
    id: string;
    name: string;
    username: string | null;
    role: Role;
    languages: string[];
    teams: string[];
    agentId: string | null;
    scope: { agentId?: string | null; languages?: string[]; teams?: string[] } | null;
  };
  csrfToken: string | null;
  capabilities: { routes: string[]; searchParams: string[] };
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

/** Which pages a role sees; the server enforces the same rules (services/api/auth/access.policy.ts). */
export function can(
  me: Me | null,
  what:
    'search' | 'audit' | 'users' | 'retention' | 'library' | 'review' | 'download' | 'compliance' | 'agents',
): boolean {
  const role = me?.principal.role;
  if (!role) return false;
  if (role === 'admin') return true;
  switch (what) {
    case 'search':
      return role !== 'ingest';
    case 'audit':
    case 'retention':
      return role === 'compliance_officer';
    case 'users':
      return false;
    case 'library':
      return role === 'trainer' || role === 'qa_supervisor';
    case 'review':
    case 'agents':
      return role === 'qa_supervisor' || role === 'compliance_officer';
    case 'compliance':
      return role === 'compliance_officer';
    case 'download':
      return role === 'qa_supervisor' || role === 'compliance_officer' || role === 'trainer';
  }
}

// --- shapes the API returns -------------------------------------------------------------------------------------

export interface CallSummary {
  id: string;
  externalId: string | null;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  direction: 'inbound' | 'outbound' | null;
  callerNumber: string | null;
  calleeNumber: string | null;
  agentId: string | null;
  agentName: string | null;
  team: string | null;
  customerRef: string | null;
  reason: string | null;
  disposition: string | null;
  product: string | null;
  campaign: string | null;
  source: string;
  sipCallId: string | null;
  language: string | null;
  daysPastDue: number | null;
  amountDue: number | null;
  currency: string | null;
  region: string | null;
  custom: Record<string, unknown>;
  createdAt: string;
  [extra: string]: unknown;
}

export interface CallDetail extends CallSummary {
  participants: { role: string; channel: number | null; name: string | null; number: string | null }[];
  recordings: {
    kind: 'original' | 'redacted';
    durationMs: number;
    channels: number;
    format: string;
    codec: string;
    sizeBytes: number;
    sampleRate: number;
  }[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Segment {
  id?: string;
  party: 'agent' | 'customer' | 'unknown';
  channel?: number | null;
  startMs: number;
  endMs: number;
  text: string;
  confidence?: number | null;
}

export interface Transcript {
  callId: string;
  language: string | null;
  source: string;
  model: string | null;
  segments: Segment[];
  /** True when the server sent the redacted copy (the caller's role may not see the call's sensitive data). */
  redacted?: boolean;
}

export interface StageOutcome {
  stage: string;
  status: string;
  reason: string | null;
  result?: unknown;
  finishedAt?: string | null;
}

export interface Analysis {
  callId: string;
  stages: StageOutcome[];
  [extra: string]: unknown;
}

export interface SavedSearch {
  id: string;
  name: string;
  query: Record<string, string>;
}

export interface Clip {
  id: string;
  callId: string;
  startMs: number;
  endMs: number;
  title: string;
  note: string | null;
  createdAt: string;
}

export interface Collection {
  id: string;
  name: string;
  description: string | null;
  items?: number;
  updatedAt: string;
}

export interface ReviewQueue {
  id: string;
  kind: string;
  language: string;
  open: number;
  claimed: number;
  completed: number;
}

export interface TimedComment {
  atMs: number;
  text: string;
}

export interface ReviewItem {
  id: string;
  callId: string;
  queue: string;
  reason: string;
  priority: number;
  status: 'open' | 'claimed' | 'completed';
  claimedBy: string | null;
  completedBy: string | null;
  completedAt: string | null;
  scorecard: Record<string, string | number> | null;
  comments: string | null;
  createdAt: string;
  call: {
    startedAt: string;
    agentId: string | null;
    agentName: string | null;
    team: string | null;
    campaign: string | null;
    language: string | null;
    durationMs: number;
  };
  evaluation: {
    id: string;
    formId: string;
    formVersion: number;
    score: number;
    comments: TimedComment[];
  } | null;
}

export interface FormQuestion {
  id: string;
  type: 'yes_no' | 'scale' | 'choice' | 'text';
  text: { es: string; en: string };
  weight: number;
  required?: boolean;
  allowNa?: boolean;
  critical?: boolean;
  max?: number;
  options?: { id: string; text: { es: string; en: string }; score: number }[];
  prefill?: { source: string; rule?: string; practice?: string };
}

export interface EvaluationForm {
  id: string;
  version: number;
  name: string;
  campaign: string | null;
  questions: FormQuestion[];
}

export interface ReviewItemDetail {
  item: ReviewItem;
  form: EvaluationForm | null;
  prefill: Record<string, string | number>;
  evaluations: {
    id: string;
    reviewer: string;
    reviewerName: string | null;
    reviewItemId: string | null;
    score: number;
    formId: string;
    formVersion: number;
    createdAt: string;
  }[];
}

/** How the API names the caller in claimedBy / completedBy. */
export function principalRef(me: Me): string {
  return `${me.principal.kind}:${me.principal.id}`;
}

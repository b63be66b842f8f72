import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import type { UserRole } from '../../../models/database.ts';
import type { FsObjectStore } from '../../../services/archive/fs.store.ts';
import type { LoginPolicy } from '../../../services/api/auth/auth.service.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';

/** A cheap argon2id cost for tests: the same code path, milliseconds per hash. */
export const TEST_PASSWORD_COST = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export type AccountsTestApi = TestApi<FsObjectStore>;

/** The real API (as `escucha serve` builds it) on a fresh database, with accounts and no web UI. */
export function createAccountsTestApi(
  options: { webDir?: string | null; loginPolicy?: Partial<LoginPolicy>; trustProxy?: string } = {},
): Promise<AccountsTestApi> {
  return createTestApi({
    passwordCost: TEST_PASSWORD_COST,
    webDir: options.webDir === undefined ? null : options.webDir,
    ...(options.loginPolicy ? { loginPolicy: options.loginPolicy } : {}),
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
  });
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
  role: UserRole;
}

export async function addUser(
  api: AccountsTestApi,
  role: UserRole,
  extra: { username?: string; languages?: string[]; teams?: string[]; agentId?: string } = {},
): Promise<TestUser> {
  const username = extra.username ?? `${role.replace('_', '-')}-${Math.random().toString(36).slice(2, 8)}`;
  const password = `pw-${username}-0123456789`;
  const user = await api.accounts.users.create({
    username,
    displayName: `Test ${role.replace('_', ' ')}`,
    role,
    languages: extra.languages ?? [],
    teams: extra.teams ?? [],
    agentId: extra.agentId ?? (role === 'agent' ? 'A-TEST' : null),
    passwordHash: await api.accounts.hasher.hash(password),
  });
  return { id: user.id, username, password, role };
}

export interface Session {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  cookie: string;
}

/** Signs in through POST /auth/login; the returned agent keeps the cookie, `csrf` goes in X-CSRF-Token. */
export async function login(app: Express, user: { username: string; password: string }): Promise<Session> {
  const agent = request.agent(app);
  const res = await agent
    .post('/api/v1/auth/login')
    .send({ username: user.username, password: user.password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  return { agent, csrf: res.body.csrfToken as string, cookie };
}

/** Archives a real two-channel recording through POST /recordings (admin key) and returns the call id. */
export async function uploadCall(
  api: { app: Express; adminKey: string; tmpDir: string },
  metadata: Record<string, unknown>,
  options: { seconds?: number; transcript?: unknown } = {},
): Promise<string> {
  const { mkdir } = await import('node:fs/promises');
  const { makeFixture } = await import('../../support/audio-fixtures.ts');
  const dir = path.join(api.tmpDir, 'fixtures');
  await mkdir(dir, { recursive: true });
  const file = await makeFixture(dir, 'wav-pcm', {
    seconds: options.seconds ?? 3,
    channels: 2,
    sampleRate: 8000,
  });
  let req = request(api.app)
    .post('/api/v1/recordings')
    .set('Authorization', `Bearer ${api.adminKey}`)
    .attach('file', file)
    .field('metadata', JSON.stringify(metadata));
  if (options.transcript) req = req.field('transcript', JSON.stringify(options.transcript));
  const res = await req;
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

export interface SeededAnalysis {
  disclosure: 'disclosed' | 'late' | 'partial' | 'missing';
  missingElements?: string[];
  lateElements?: string[];
  adherenceScore?: number | null;
  adherencePassed?: boolean | null;
  rules?: { id: string; passed: boolean }[];
  promiseToPay?: boolean;
  violations?: string[];
  sentimentAgent?: number | null;
  sentimentCustomer?: number | null;
  talk?: { agentTalkShare: number; silenceShare: number; overtalkMs: number };
}

/**
 * Stores a call_analysis row as the analytics stage would (the typed columns and the parts of the result the
 * reports and prefill read), without running the pipeline.
 */
export async function seedAnalysis(api: AccountsTestApi, callId: string, a: SeededAnalysis): Promise<void> {
  const result = {
    disclosure: {
      outcome: a.disclosure,
      missing: a.missingElements ?? [],
      elements: [],
      late: a.lateElements ?? [],
    },
    adherence:
      a.adherenceScore === undefined || a.adherenceScore === null
        ? null
        : {
            scriptId: 'collections-es',
            scriptVersion: 1,
            score: a.adherenceScore,
            passed: a.adherencePassed ?? a.adherenceScore >= 70,
            rules: (a.rules ?? []).map((r) => ({ ...r, type: 'required_phrase', evidence: [] })),
          },
    talk: a.talk
      ? {
          agentTalkShare: a.talk.agentTalkShare,
          silenceShare: a.talk.silenceShare,
          overtalk: { count: 1, totalMs: a.talk.overtalkMs, episodes: [] },
        }
      : {},
  };
  await api.database.handle.db
    .insertInto('call_analysis')
    .values({
      call_id: callId,
      analytics_version: 1,
      language: 'es',
      disclosure_profile: 'co',
      disclosure_outcome: a.disclosure,
      adherence_script_id: a.adherenceScore == null ? null : 'collections-es',
      adherence_script_version: a.adherenceScore == null ? null : 1,
      adherence_score: a.adherenceScore ?? null,
      adherence_passed: a.adherenceScore == null ? null : (a.adherencePassed ?? a.adherenceScore >= 70),
      promise_to_pay: a.promiseToPay ?? false,
      classification: 'right_party',
      violations: a.violations ?? [],
      sentiment_agent_score: a.sentimentAgent ?? null,
      sentiment_customer_score: a.sentimentCustomer ?? null,
      result: JSON.stringify(result),
    })
    .execute();
}

import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisCall } from '../../../services/analysis/analysis.repository.ts';
import type { CallAnalysis } from '../../../services/analytics/index.ts';
import { listRoutes, type RouteInfo } from '../../../services/api/auth/route-list.ts';
import {
  errorBodySchema,
  liveStreamEvents,
  ROUTES,
  type RouteContract,
} from '../../../services/api/contract/index.ts';
import { jsonSchema, openApiDocument, openApiPath } from '../../../services/api/contract/openapi.ts';
import { scriptsRouter } from '../../../services/api/analytics/scripts.router.ts';
import { ReviewRepository } from '../../../services/review/review.repository.ts';
import { ScriptRepository } from '../../../services/analysis/script.repository.ts';
import { ScriptService } from '../../../services/analysis/script.service.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import {
  addUser,
  createAccountsTestApi,
  login,
  seedAnalysis,
  uploadCall,
  type AccountsTestApi,
  type Session,
} from '../web/web-support.ts';

/**
 * The API contract against the real app: every route of /api/v1 is described by the OpenAPI document, the document
 * served is the one generated from the contract's schemas, and every route, driven on a real database, answers
 * what the document says (status, and a body with exactly the fields described).
 */

type OpenApi = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** Why an answer breaks the contract of its route, or undefined when it keeps it. */
function contractProblem(
  route: RouteContract,
  answer: { status: number; type: string | undefined; body: unknown; text: string },
): string | undefined {
  const declared = route.responses[answer.status];
  if (!declared) {
    if (answer.status < 400) return `status ${answer.status} is not in the document`;
    return bodyProblem(errorBodySchema, answer.body);
  }
  if ('raw' in declared) {
    if (declared.raw === 'none') return answer.text === '' ? undefined : 'a body where none is described';
    const wanted =
      declared.raw === 'csv' ? 'text/csv' : declared.raw === 'sse' ? 'text/event-stream' : 'audio/';
    return answer.type?.startsWith(wanted) ? undefined : `content type ${answer.type}, not ${wanted}`;
  }
  return bodyProblem(declared, answer.body);
}

/** Parsing keeps only the fields a schema describes: an answer equal to its parse has no field more or less. */
function bodyProblem(schema: import('zod').ZodType, body: unknown): string | undefined {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  }
  if (!isDeepStrictEqual(parsed.data, body)) return 'fields the document does not describe';
  return undefined;
}

/** Routes of the app that the document does not describe, and operations of the document the app lacks. */
function routeDrift(routes: RouteInfo[], doc: OpenApi): { undescribed: string[]; missing: string[] } {
  const inApp = new Set(routes.map((r) => `${r.method} ${openApiPath(r.path)}`));
  const inDoc = new Set(
    Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
  );
  return {
    undescribed: [...inApp].filter((k) => !inDoc.has(k)),
    missing: [...inDoc].filter((k) => !inApp.has(k)),
  };
}

/** What capture and the analytics stage store for a call: capture details and the redacted transcript. */
async function seedCaptureAndRedaction(api: AccountsTestApi, callId: string): Promise<void> {
  const db = api.database.handle.db;
  await db
    .insertInto('call_captures')
    .values({
      call_id: callId,
      capture_id: randomUUID(),
      source: 'siprec',
      recovered: false,
      truncated: false,
      one_way_audio: false,
      silent_channel: null,
      one_way_reason: null,
      sample_rate: 8000,
      notes: JSON.stringify(['jitter buffer reordered 2 packets']),
    })
    .execute();
  const stream = {
    call_id: callId,
    label: null,
    codec: 'PCMU',
    payload_type: 0,
    packets: 150,
    expected: 150,
    lost: 0,
    loss_percent: 0,
    duplicated: 0,
    out_of_order: 2,
    late: 0,
    jitter_ms: 1.5,
    max_jitter_ms: 4,
    r_factor: 93.2,
    mos: 4.4,
    start_ms: 0,
    duration_ms: 3000,
  };
  await db
    .insertInto('call_rtp_streams')
    .values([
      {
        ...stream,
        channel: 0,
        ssrcs: [12345],
        level_dbfs: -21.5,
        rtcp: JSON.stringify({
          senderReports: 1,
          receiverReports: 1,
          fractionLost: 0,
          cumulativeLost: 0,
          jitterMs: 1.2,
          senderPacketCount: 150,
        }),
      },
      { ...stream, channel: 1, ssrcs: [67890], level_dbfs: null, rtcp: null, audio: 'not-decodable' },
    ])
    .execute();
  await db
    .insertInto('call_dtmf_events')
    .values({ call_id: callId, channel: 1, digit: '5', start_ms: 1800, duration_ms: 120, method: 'rfc4733' })
    .execute();
  await db
    .insertInto('call_pauses')
    .values({ call_id: callId, start_ms: 2000, end_ms: 2400, reason: 'hold' })
    .execute();
  await db
    .insertInto('redacted_transcripts')
    .values({
      call_id: callId,
      segments: JSON.stringify([
        {
          party: 'agent',
          channel: 0,
          startMs: 0,
          endMs: 1200,
          text: 'buenos días, le habla [PERSON]',
          words: null,
        },
        { party: 'customer', channel: 1, startMs: 1300, endMs: 2500, text: 'sí, dígame', confidence: null },
      ]),
      mute_ranges: JSON.stringify([]),
      pii_counts: JSON.stringify({ PERSON: 1 }),
    })
    .execute();
}

const contractOf = (method: string, template: string): RouteContract => {
  const route = ROUTES.find((r) => r.method === method && r.path === template);
  if (!route) throw new Error(`no contract for ${method} ${template}`);
  return route;
};

describe('API contract (OpenAPI 3.1)', () => {
  let api: AccountsTestApi;
  let session: Session;
  /** Routes that answered with a success status, by `METHOD /path`. */
  const succeeded = new Set<string>();
  const answers = new Map<string, { status: number; body: unknown }>();

  type Caller = 'key' | 'session' | 'none';
  async function hit(
    as: Caller,
    method: RouteContract['method'],
    template: string,
    options: {
      params?: Record<string, string>;
      query?: Record<string, string>;
      body?: object;
      attach?: { file: string; fields: Record<string, string> };
      /** An event stream: read until its first event or comment, then closed. */
      stream?: boolean;
    } = {},
  ) {
    const url =
      '/api/v1' +
      template.replace(/:([A-Za-z]+)/g, (_m, k: string) => encodeURIComponent(options.params![k]!));
    const client = as === 'session' ? session.agent : request(api.app);
    let req = client[method.toLowerCase() as 'get'](url);
    if (as === 'key') req = req.set('Authorization', `Bearer ${api.adminKey}`);
    if (as === 'session' && method !== 'GET') req = req.set('X-CSRF-Token', session.csrf);
    if (options.query) req = req.query(options.query);
    if (options.attach) {
      req = req.attach('file', options.attach.file);
      for (const [k, v] of Object.entries(options.attach.fields)) req = req.field(k, v);
    }
    if (options.body) req = req.send(options.body);
    if (options.stream) {
      req = req.buffer(true).parse((stream, done) => {
        stream.once('data', (chunk: Buffer) => {
          done(null, chunk.toString());
          (stream as unknown as { destroy(): void }).destroy();
        });
        stream.once('error', () => done(null, ''));
      });
    }
    const res = await req;
    const key = `${method} ${template}`;
    const problem = contractProblem(contractOf(method, template), {
      status: res.status,
      type: res.headers['content-type'],
      body: res.body,
      text: res.text ?? '',
    });
    expect(problem, `${key} → ${res.status} ${String(res.text).slice(0, 800)}`).toBeUndefined();
    if (res.status < 300) {
      succeeded.add(key);
      // What the server accepted, the document accepts too.
      const described = contractOf(method, template);
      if (options.body && described.body) {
        expect(described.body.safeParse(options.body).error, `${key} request body`).toBeUndefined();
      }
      if (options.attach && described.multipart) {
        const fields = Object.fromEntries(
          Object.entries(options.attach.fields).map(([k, v]) => [k, JSON.parse(v) as unknown]),
        );
        expect(
          described.multipart.safeParse({ file: 'audio', ...fields }).error,
          `${key} form`,
        ).toBeUndefined();
      }
      if (options.query && described.query) {
        expect(described.query.safeParse(options.query).error, `${key} query`).toBeUndefined();
      }
    }
    answers.set(key, { status: res.status, body: res.body });
    return res;
  }

  /** A Server-Sent Events route: its status and type, and its first event against the contract's schema of it. */
  async function hitStream(template: string) {
    const server = api.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        get(
          {
            port,
            host: '127.0.0.1',
            path: `/api/v1${template}`,
            headers: { Authorization: `Bearer ${api.adminKey}` },
          },
          resolve,
        ).on('error', reject),
      );
      let text = '';
      for await (const chunk of res) {
        text += String(chunk);
        const at = text.indexOf('event: ');
        if (at >= 0 && text.includes('\n\n', at)) break;
      }
      res.destroy();
      const route = contractOf('GET', template);
      const problem = contractProblem(route, {
        status: res.statusCode!,
        type: res.headers['content-type'],
        body: undefined,
        text,
      });
      expect(problem, `GET ${template} → ${res.statusCode} ${text.slice(0, 400)}`).toBeUndefined();
      const first = /event: (\w+)\ndata: (.*)\n\n/.exec(text);
      expect(first?.[1]).toBe('snapshot');
      expect(bodyProblem(liveStreamEvents.snapshot, JSON.parse(first![2]!))).toBeUndefined();
      succeeded.add(`GET ${template}`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }

  beforeAll(async () => {
    api = await createAccountsTestApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('serves the document generated from the contract, publicly', async () => {
    const res = await request(api.app).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(openApiDocument('test'));
    const doc = res.body as OpenApi & { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    // Each described answer is the JSON Schema of the contract's zod schema.
    for (const r of ROUTES) {
      for (const [status, schema] of Object.entries(r.responses)) {
        if ('raw' in schema) continue;
        const described = doc.paths[openApiPath(r.path)]![r.method.toLowerCase()]!.responses[status] as {
          content: { 'application/json': { schema: unknown } };
        };
        expect(described.content['application/json'].schema).toEqual(jsonSchema(schema, 'output'));
      }
    }
  });

  it('describes the parameters of every path', () => {
    const doc = openApiDocument('test') as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    for (const [p, ops] of Object.entries(doc.paths)) {
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        const inPath = (op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name);
        expect(inPath, `${method} ${p}`).toEqual(names);
      }
    }
  });

  it('describes every route of the app, and no route the app lacks', () => {
    const doc = openApiDocument('test') as OpenApi;
    expect(routeDrift(listRoutes(api.app, '/api/v1'), doc)).toEqual({ undescribed: [], missing: [] });
    // A route added without its contract is found.
    const added = [...listRoutes(api.app, '/api/v1'), { method: 'GET', path: '/calls/:id/notes' }];
    expect(routeDrift(added, doc).undescribed).toEqual(['GET /calls/{id}/notes']);
  });

  it('every route answers as the document says', async () => {
    const admin = await addUser(api, 'admin');
    await hit('none', 'GET', '/health');

    // Sign-in, the session's own routes.
    const signIn = await hit('none', 'POST', '/auth/login', {
      body: { username: admin.username, password: admin.password },
    });
    expect(signIn.status).toBe(200);
    session = await login(api.app, admin);
    const me = await hit('session', 'GET', '/auth/me');
    expect(me.body.permissions).toContain('users');
    const changed = await hit('session', 'POST', '/auth/password', {
      body: { currentPassword: admin.password, newPassword: `${admin.password}-new` },
    });
    session.csrf = changed.body.csrfToken;

    // Calls: upload (twice: the second is the same recording), search, one call, audio, transcript, analysis.
    const dir = path.join(api.tmpDir, 'fixtures');
    await mkdir(dir, { recursive: true });
    const file = await makeFixture(dir, 'wav-pcm', { seconds: 3, channels: 2, sampleRate: 8000 });
    const upload = {
      file,
      fields: {
        metadata: JSON.stringify({
          externalId: 'contract-1',
          agentId: 'A1',
          agentName: 'Ana',
          team: 'bogota-1',
          campaign: 'late-stage',
          language: 'es',
          country: 'CO',
          custom: { branch: 'norte' },
        }),
        transcript: JSON.stringify({
          language: 'es',
          segments: [
            { party: 'agent', startMs: 0, endMs: 1200, text: 'buenos días, le habla Ana' },
            { party: 'customer', startMs: 1300, endMs: 2500, text: 'sí, dígame' },
          ],
        }),
      },
    };
    const created = await hit('key', 'POST', '/recordings', { attach: upload });
    expect(created.status).toBe(201);
    const callId = created.body.id as string;
    const again = await hit('key', 'POST', '/recordings', { attach: upload });
    expect(again.body).toEqual({ id: callId, created: false });
    const secondId = await uploadCall(api, { agentId: 'A2', campaign: 'early-stage', language: 'en' });
    await seedAnalysis(api, callId, {
      disclosure: 'partial',
      missingElements: ['purpose'],
      adherenceScore: 80,
      rules: [{ id: 'greeting', passed: true }],
      promiseToPay: true,
      sentimentAgent: 0.4,
      sentimentCustomer: -0.2,
      talk: { agentTalkShare: 0.6, silenceShare: 0.1, overtalkMs: 300 },
    });
    await seedCaptureAndRedaction(api, callId);
    const reviews = new ReviewRepository(api.database.handle.db);
    await reviews.replaceForCall(callId, [{ queue: 'qa-es', reason: 'adherence 80', priority: 3 }]);
    const itemId = (await reviews.forCall(callId))[0]!.id;
    const id = { id: callId };
    await hit('key', 'GET', '/calls', { query: { campaign: 'late-stage', q: 'buenos' } });
    await hit('key', 'GET', '/calls', { query: { country: 'co', disclosure: 'late,partial' } });
    const detail = await hit('key', 'GET', '/calls/:id', { params: id });
    expect(detail.body.capture.streams).toHaveLength(2);
    await hit('key', 'GET', '/calls/:id/audio', { params: id });
    await hit('key', 'GET', '/calls/:id/transcript', { params: id });
    const redacted = await hit('key', 'GET', '/calls/:id/transcript', {
      params: id,
      query: { redacted: 'true' },
    });
    expect(redacted.body.redacted).toBe(true);
    const noTranscript = await hit('key', 'GET', '/calls/:id/transcript', { params: { id: secondId } });
    expect(noTranscript.status).toBe(404);
    await hit('key', 'GET', '/calls/:id/analysis', { params: id });

    // Adherence scripts.
    await hit('key', 'GET', '/scripts');
    await hit('key', 'GET', '/scripts/:id', { params: { id: 'collections-es' } });
    const script = {
      id: 'contract-script',
      name: 'Contract script',
      language: 'es',
      campaigns: ['late-stage'],
      rules: [{ id: 'greeting', description: 'Greets', type: 'required_phrase', phrases: ['buenos días'] }],
    };
    await hit('key', 'POST', '/scripts', { body: script });
    await hit('key', 'PUT', '/scripts/:id', { params: { id: script.id }, body: { ...script, name: 'v2' } });
    await hit('key', 'GET', '/scripts/:id', { params: { id: script.id } });
    await hit('key', 'GET', '/scripts/:id/versions', { params: { id: script.id } });
    await hit('key', 'GET', '/scripts/:id/versions/:version', { params: { id: script.id, version: '1' } });
    // This harness has no job queue: re-evaluation answers with the error body. With one (the scripts router as
    // serve mounts it, over the same database), it queues the calls and answers 202.
    await hit('key', 'POST', '/scripts/:id/reevaluate', {
      params: { id: script.id },
      body: { callIds: [callId] },
    });
    const queued: unknown[] = [];
    const withQueue = express()
      .use(express.json())
      .use(
        '/api/v1',
        scriptsRouter({
          scripts: new ScriptService({
            scripts: new ScriptRepository(api.database.handle.db),
            enqueue: async (stage, payload) => queued.push([stage, payload]),
          }),
        }),
      );
    const reevaluated = await request(withQueue)
      .post(`/api/v1/scripts/${script.id}/reevaluate`)
      .send({ callIds: [callId] });
    expect(reevaluated.status).toBe(202);
    expect(
      contractProblem(contractOf('POST', '/scripts/:id/reevaluate'), {
        status: reevaluated.status,
        type: reevaluated.headers['content-type'],
        body: reevaluated.body,
        text: reevaluated.text,
      }),
    ).toBeUndefined();
    expect(queued).toEqual([['analytics', { callId, rerun: true }]]);
    await hit('key', 'DELETE', '/scripts/:id', { params: { id: script.id } });

    // Evaluation forms, the review queue, calibration.
    const yesNo = (qid: string, weight: number, extra: object = {}) => ({
      id: qid,
      type: 'yes_no',
      text: { es: `¿${qid}?`, en: `${qid}?` },
      weight,
      ...extra,
    });
    const form = {
      id: 'contract-form',
      name: 'Contract form',
      campaign: 'late-stage',
      questions: [
        yesNo('greeting', 2, { prefill: { source: 'adherence_rule', rule: 'greeting' } }),
        yesNo('promise', 1, { prefill: { source: 'promise_to_pay' } }),
        { id: 'tone', type: 'scale', text: { es: 'Tono', en: 'Tone' }, max: 5, weight: 1 },
        {
          id: 'channel',
          type: 'choice',
          text: { es: 'Canal', en: 'Channel' },
          options: [
            { id: 'phone', text: { es: 'Teléfono', en: 'Phone' }, score: 1 },
            { id: 'other', text: { es: 'Otro', en: 'Other' }, score: 0 },
          ],
        },
        { id: 'notes', type: 'text', text: { es: 'Notas', en: 'Notes' }, required: false },
      ],
    };
    await hit('key', 'POST', '/evaluation-forms', { body: form });
    await hit('key', 'PUT', '/evaluation-forms/:id', { params: { id: form.id }, body: form });
    await hit('key', 'GET', '/evaluation-forms');
    await hit('key', 'GET', '/evaluation-forms/:id', { params: { id: form.id } });
    await hit('key', 'GET', '/evaluation-forms/:id/versions', { params: { id: form.id } });
    await hit('key', 'GET', '/evaluation-forms/:id/versions/:version', {
      params: { id: form.id, version: '1' },
    });
    await hit('key', 'GET', '/review-queues');
    await hit('key', 'GET', '/review-queues/:id/items', {
      params: { id: 'qa-es' },
      query: { status: 'open' },
    });
    await hit('key', 'POST', '/review-items/:id/claim', { params: { id: itemId } });
    const answers = { greeting: 'yes', promise: 'no', tone: 4, channel: 'phone', notes: 'clear' };
    await hit('key', 'POST', '/review-items/:id/complete', {
      params: { id: itemId },
      body: { scorecard: answers, comments: [{ atMs: 1000, text: 'good opening' }] },
    });
    await hit('key', 'GET', '/review-items/:id', { params: { id: itemId } });
    await hit('session', 'POST', '/calls/:id/evaluations', { params: id, body: { scorecard: answers } });
    await hit('key', 'GET', '/calls/:id/evaluations', { params: id });
    await hit('key', 'GET', '/calls/:id/analysis', { params: id });
    await hit('key', 'POST', '/evaluation-forms', {
      body: { ...form, id: 'contract-retired', campaign: null },
    });
    await hit('key', 'DELETE', '/evaluation-forms/:id', { params: { id: 'contract-retired' } });

    // Reports.
    for (const report of [
      '/compliance/disclosure',
      '/compliance/disclosure.csv',
      '/compliance/disclosure/calls',
      '/compliance/disclosure/calls.csv',
      '/agents/metrics',
      '/agents/metrics.csv',
    ]) {
      await hit('key', 'GET', report);
    }
    await hit('key', 'GET', '/compliance/disclosure', { query: { by: 'agent' } });

    // Users and saved searches.
    await hit('key', 'GET', '/users');
    const user = await hit('key', 'POST', '/users', {
      body: { username: 'contract-qa', displayName: 'Contract QA', role: 'qa_supervisor', languages: ['es'] },
    });
    const userId = { id: user.body.user.id as string };
    await hit('key', 'PATCH', '/users/:id', { params: userId, body: { teams: ['bogota-1'] } });
    await hit('key', 'POST', '/users/:id/password', { params: userId, body: {} });
    await hit('key', 'POST', '/users/:id/unlock', { params: userId });
    const saved = await hit('session', 'POST', '/saved-searches', {
      body: { name: 'late stage', query: { campaign: 'late-stage' } },
    });
    await hit('session', 'GET', '/saved-searches');

    // Training library.
    const collection = await hit('key', 'POST', '/collections', { body: { name: 'Openings' } });
    const collectionId = { id: collection.body.id as string };
    await hit('key', 'PATCH', '/collections/:id', {
      params: collectionId,
      body: { description: 'good ones' },
    });
    const clip = await hit('key', 'POST', '/clips', {
      body: { callId, startMs: 0, endMs: 1500, title: 'Greeting', collectionId: collectionId.id },
    });
    const clipId = { id: clip.body.id as string };
    const item = await hit('key', 'POST', '/collections/:id/items', {
      params: collectionId,
      body: { callId, note: 'whole call' },
    });
    await hit('key', 'GET', '/collections');
    await hit('key', 'GET', '/collections/:id', { params: collectionId });
    await hit('key', 'GET', '/clips', { query: { callId } });
    await hit('key', 'GET', '/clips/:id', { params: clipId });
    await hit('key', 'GET', '/clips/:id/audio', { params: clipId, query: { format: 'wav' } });
    await hit('key', 'DELETE', '/collections/:id/items/:itemId', {
      params: { ...collectionId, itemId: item.body.id as string },
    });
    await hit('key', 'DELETE', '/clips/:id', { params: clipId });
    await hit('key', 'DELETE', '/collections/:id', { params: collectionId });

    // Retention: an old call of an expiring campaign is deleted and leaves a tombstone; one call is held.
    const old = await uploadCall(api, {
      startedAt: new Date(Date.now() - 40 * 86_400_000).toISOString(),
      campaign: 'expiring',
    });
    const policy = await hit('key', 'POST', '/retention/policies', {
      body: { name: 'expiring: 30 days', campaign: 'expiring', maxAgeDays: 30, action: 'delete' },
    });
    await hit('key', 'PATCH', '/retention/policies/:id', {
      params: { id: policy.body.id as string },
      body: { enabled: true },
    });
    await hit('key', 'GET', '/retention/policies');
    const hold = await hit('key', 'POST', '/legal-holds', { body: { callId, reason: 'regulator request' } });
    await hit('key', 'POST', '/legal-holds', { body: { savedSearchId: saved.body.id, reason: 'dispute' } });
    await hit('key', 'GET', '/legal-holds', { query: { all: 'true' } });
    await hit('key', 'POST', '/retention/run', { body: { dryRun: true } });
    const run = await hit('key', 'POST', '/retention/run', { body: { dryRun: false } });
    expect(run.body.deleted.map((d: { callId: string }) => d.callId)).toEqual([old]);
    await hit('key', 'GET', '/retention/tombstones');
    await hit('key', 'POST', '/legal-holds/:id/release', {
      params: { id: hold.body.id as string },
      body: { reason: 'closed' },
    });
    await hit('key', 'DELETE', '/retention/policies/:id', { params: { id: policy.body.id as string } });
    await hit('session', 'DELETE', '/saved-searches/:id', { params: { id: saved.body.id as string } });

    // Collections: a promise found in the call, a payment from the collections system, the ledger and its queue.
    await api.database.handle.db.transaction().execute((trx) =>
      api.services.collections.ledger.recordAnalysis(
        trx,
        { id: callId, startedAt: new Date(), currency: 'COP', customerRef: 'ACC-1' } as AnalysisCall,
        {
          promise: {
            promised: true,
            primary: null,
            promises: [
              {
                kind: 'statement',
                amount: { value: 100_000, currency: 'COP', text: 'cien mil' },
                date: null,
                dateText: null,
                evidence: [],
              },
            ],
          },
        } as unknown as CallAnalysis,
      ),
    );
    const paidAt = new Date().toISOString();
    await hit('key', 'POST', '/payments', {
      body: { payments: [{ externalId: 'C-1', account: 'ACC-1', amount: 50_000, currency: 'COP', paidAt }] },
    });
    const promises = await hit('key', 'GET', '/promises', { query: { account: 'ACC-1' } });
    expect(promises.body.items[0]).toMatchObject({ status: 'pending', collected: 50_000 });
    await hit('key', 'PATCH', '/promises/:id', {
      params: { id: promises.body.items[0].id as string },
      body: { amount: 50_000, note: 'agreed half' },
    });
    await hit('key', 'GET', '/promises/follow-up', { query: { sinceDays: '7' } });
    await hit('key', 'GET', '/promises/follow-up.csv');
    const metrics = await hit('key', 'GET', '/portfolio/metrics', {
      query: { by: 'campaign', period: 'month' },
    });
    expect(metrics.body.items.length).toBeGreaterThan(0);
    await hit('key', 'GET', '/portfolio/metrics.csv', { query: { by: 'daysPastDue' } });
    await hit('key', 'GET', '/portfolio/roll', { query: { by: 'team', period: 'week' } });

    // Webhooks: a subscription, its secret replaced, and a dead delivery in the log (without a job queue here,
    // nothing is published or redelivered: test/integration/webhooks/ covers those with one).
    const hook = await hit('key', 'POST', '/webhooks', {
      body: { name: 'crm', url: 'https://crm.example.com/escucha?token=x', events: ['analysis.done'] },
    });
    const hookId = { id: hook.body.webhook.id as string };
    await hit('key', 'PATCH', '/webhooks/:id', {
      params: hookId,
      body: { events: ['analysis.done', 'promise.recorded'], enabled: false },
    });
    await hit('key', 'POST', '/webhooks/:id/secret', { params: hookId, body: {} });
    await hit('key', 'GET', '/webhooks');
    const db = api.database.handle.db;
    const { id: eventId } = await db
      .insertInto('webhook_events')
      .values({ type: 'analysis.done', payload: JSON.stringify({ callId }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id: deliveryId } = await db
      .insertInto('webhook_deliveries')
      .values({
        event_id: eventId,
        subscription_id: hookId.id,
        status: 'dead',
        attempts: 1,
        attempt_limit: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('webhook_attempts')
      .values({
        delivery_id: deliveryId,
        attempt: 1,
        started_at: new Date(),
        duration_ms: 12,
        status_code: 500,
        error: 'the receiver answered 500',
      })
      .execute();
    const dead = await hit('key', 'GET', '/webhooks/deliveries', { query: { status: 'dead', limit: '10' } });
    expect(dead.body.items[0]).toMatchObject({ id: deliveryId, log: [{ attempt: 1, statusCode: 500 }] });
    await hit('key', 'DELETE', '/webhooks/:id', { params: hookId });
    // The live board (no call in progress here; test/integration/live places one) and its event stream.
    await hit('key', 'GET', '/live/calls', { query: { team: 'norte' } });
    await hit('key', 'GET', '/live/agents');
    await hitStream('/live/events');
    // Live transcript and alerts: a call transcribed live, one of its alerts acknowledged, the event streams.
    await db
      .insertInto('live_transcripts')
      .values({
        capture_id: '6f1c2b8e-0d5a-4c47-9a43-2f0e8c1d7b10',
        started_at: new Date(),
        agent_id: 'A1',
        team: 'bogota-1',
        language: 'es',
      })
      .execute();
    await db
      .insertInto('live_transcript_lines')
      .values({
        capture_id: '6f1c2b8e-0d5a-4c47-9a43-2f0e8c1d7b10',
        channel: 0,
        party: 'agent',
        start_ms: 0,
        end_ms: 900,
        text: 'hola',
        language: 'es',
      })
      .execute();
    const alert = await db
      .insertInto('live_alerts')
      .values({
        capture_id: '6f1c2b8e-0d5a-4c47-9a43-2f0e8c1d7b10',
        kind: 'keyword',
        detail: 'lawyer: "abogado"',
        at_ms: 1200,
        raised_at: new Date(),
        agent_id: 'A1',
        team: 'bogota-1',
        language: 'es',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await hit('key', 'GET', '/live/alerts', { query: { state: 'open' } });
    const acknowledged = await hit('key', 'POST', '/live/alerts/:alertId/acknowledge', {
      params: { alertId: alert.id },
    });
    expect(acknowledged.body.acknowledgedAt).not.toBeNull();
    const live = await hit('key', 'GET', '/live/calls/:captureId/transcript', {
      params: { captureId: '6f1c2b8e-0d5a-4c47-9a43-2f0e8c1d7b10' },
    });
    expect(live.body.lines).toHaveLength(1);
    await hit('key', 'GET', '/live/calls/:captureId/events', {
      params: { captureId: '6f1c2b8e-0d5a-4c47-9a43-2f0e8c1d7b10' },
      stream: true,
    });
    await hit('key', 'GET', '/live/alerts/events', { stream: true });
    // The alerts kept with an archived call, found through its capture.
    const { capture_id: archivedCapture } = await db
      .selectFrom('call_captures')
      .select('capture_id')
      .where('call_id', '=', callId)
      .executeTakeFirstOrThrow();
    await db
      .insertInto('live_alerts')
      .values({
        capture_id: archivedCapture,
        kind: 'disclosure_missing',
        detail: 'co-habeas-data: purpose',
        at_ms: 30_000,
        raised_at: new Date(),
        agent_id: 'A1',
        team: null,
        language: 'es',
      })
      .execute();
    const kept = await hit('key', 'GET', '/calls/:id/alerts', { params: id });
    expect(kept.body.items).toMatchObject([{ kind: 'disclosure_missing', callId, atMs: 30_000 }]);

    // The audit trail, after everything above was recorded in it.
    await hit('key', 'GET', '/audit', { query: { limit: '50' } });
    await hit('key', 'GET', '/audit.csv', { query: { action: 'login' } });
    await hit('key', 'GET', '/audit/verify');

    // Refusals carry the error body too.
    const refused = await hit('none', 'GET', '/calls');
    expect(refused.status).toBe(401);
    await hit('session', 'POST', '/auth/logout');

    // Every route of the contract answered with success at least once in the app (re-evaluation above, with a queue;
    // redelivery in test/integration/webhooks/, with one).
    const notReached = ROUTES.map((r) => `${r.method} ${r.path}`).filter((k) => !succeeded.has(k));
    expect(notReached).toEqual(['POST /scripts/:id/reevaluate', 'POST /webhooks/deliveries/:id/redeliver']);
  });

  it('finds an answer that drifts from the document', () => {
    const detail = answers.get('GET /calls/:id');
    expect(detail?.status).toBe(200);
    const route = contractOf('GET', '/calls/:id');
    const answer = (body: unknown, status = 200) => ({ status, type: 'application/json', body, text: '' });
    const body = detail!.body as Record<string, unknown>;
    expect(contractProblem(route, answer(body))).toBeUndefined();
    // A field renamed, one added, one of another type, a status the document does not list, a bad error body.
    const { agentId, ...renamed } = body;
    expect(contractProblem(route, answer({ ...renamed, agent: agentId }))).toMatch(/agentId/);
    expect(contractProblem(route, answer({ ...body, extra: 1 }))).toMatch(/do(es)? not describe/);
    expect(contractProblem(route, answer({ ...body, durationMs: '3000' }))).toMatch(/durationMs/);
    expect(contractProblem(route, answer(body, 202))).toMatch(/status 202/);
    expect(contractProblem(route, answer({ message: 'no' }, 404))).toMatch(/error/);
    const me = answers.get('GET /auth/me')!.body as Record<string, unknown>;
    const { permissions: _p, ...withoutPermissions } = me;
    expect(contractProblem(contractOf('GET', '/auth/me'), answer(withoutPermissions))).toMatch(/permissions/);
  });
});

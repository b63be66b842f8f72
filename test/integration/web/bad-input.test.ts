import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountsTestApi, type AccountsTestApi } from './web-support.ts';

/**
 * Malformed input is the client's mistake: every route answers it with a 4xx and a JSON error, never a 5xx; API
 * answers are never sniffed or cached. Structured cases (every route with an identifier, with identifiers and
 * encodings that are not what it expects) and random requests (fast-check).
 */
const ID_ROUTES: [method: 'get' | 'post' | 'put' | 'patch' | 'delete', template: string][] = [
  ['get', '/calls/:id'],
  ['get', '/calls/:id/audio'],
  ['get', '/calls/:id/transcript'],
  ['get', '/calls/:id/analysis'],
  ['get', '/calls/:id/evaluations'],
  ['post', '/calls/:id/evaluations'],
  ['get', '/clips/:id'],
  ['get', '/clips/:id/audio'],
  ['delete', '/clips/:id'],
  ['get', '/collections/:id'],
  ['patch', '/collections/:id'],
  ['delete', '/collections/:id'],
  ['post', '/collections/:id/items'],
  ['delete', '/collections/:id/items/:id'],
  ['get', '/evaluation-forms/:id'],
  ['put', '/evaluation-forms/:id'],
  ['delete', '/evaluation-forms/:id'],
  ['get', '/evaluation-forms/:id/versions/:id'],
  ['patch', '/retention/policies/:id'],
  ['delete', '/retention/policies/:id'],
  ['delete', '/saved-searches/:id'],
  ['get', '/scripts/:id'],
  ['put', '/scripts/:id'],
  ['delete', '/scripts/:id'],
  ['get', '/scripts/:id/versions/:id'],
  ['get', '/review-items/:id'],
  ['post', '/review-items/:id/claim'],
  ['post', '/review-items/:id/complete'],
  ['get', '/review-queues/:id/items'],
  ['post', '/scripts/:id/reevaluate'],
  ['get', '/scripts/:id/versions'],
  ['get', '/evaluation-forms/:id/versions'],
  ['post', '/users/:id/unlock'],
  ['post', '/legal-holds/:id/release'],
  ['patch', '/users/:id'],
  ['post', '/users/:id/password'],
];

const BAD_IDS = [
  'not-a-uuid',
  '%ff',
  '%C0%AF',
  '1',
  '-1',
  '99999999999999999999',
  "x'--",
  'ñandú',
  '%00',
  'a'.repeat(300),
];

describe('bad input answers 4xx, never 5xx', () => {
  let api: AccountsTestApi;
  let webDir: string;

  beforeAll(async () => {
    webDir = await mkdtemp('/tmp/escucha-web-dist-');
    await mkdir(path.join(webDir, 'assets'));
    await writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>Escucha</title>');
    await writeFile(path.join(webDir, 'assets', 'app-1234.js'), 'console.log(1)');
    api = await createAccountsTestApi({ webDir });
  });
  afterAll(async () => {
    await api.close();
    await rm(webDir, { recursive: true, force: true });
  });

  const send = (method: string, url: string, body?: unknown) => {
    const agent = request(api.app);
    const r = (agent as unknown as Record<string, (u: string) => request.Test>)[method]!(url).set(
      'Authorization',
      `Bearer ${api.adminKey}`,
    );
    return body === undefined ? r : r.set('Content-Type', 'application/json').send(JSON.stringify(body));
  };

  it('every route with an identifier refuses malformed identifiers with a JSON 4xx', async () => {
    const failures: string[] = [];
    for (const [method, template] of ID_ROUTES) {
      for (const id of BAD_IDS) {
        const url = `/api/v1${template.replaceAll(':id', id)}`;
        const res = await send(method, url, method === 'get' || method === 'delete' ? undefined : {});
        if (res.status >= 500 || res.status < 400)
          failures.push(`${method.toUpperCase()} ${url} → ${res.status}`);
        else if (typeof res.body?.error?.code !== 'string')
          failures.push(`${method.toUpperCase()} ${url}: no error code`);
        // The route must exist: an answer from the catch-all would prove nothing about it.
        else if (String(res.body.error.message).startsWith('no route'))
          failures.push(`${method.toUpperCase()} ${template}: no such route`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('bad percent-encoding in a path or query is a 400', async () => {
    for (const url of [
      '/api/v1/calls/%ff',
      '/api/v1/calls?agentName=%ff',
      '/api/v1/%E0%A4%A',
      '/api/v1/users/%ff',
    ]) {
      const res = await send('get', url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).toBeLessThan(500);
    }
  });

  it('an unknown asset is a 404 with or without a session, and a known one is served', async () => {
    for (const url of ['/assets/nothing.js', '/assets/../../etc/passwd', '/assets/%2e%2e/x', '/assets/']) {
      const res = await request(api.app).get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).toBeLessThan(500);
    }
    expect((await request(api.app).get('/assets/nothing.js')).status).toBe(404);
    expect((await request(api.app).get('/assets/app-1234.js')).status).toBe(200);
  });

  it('API answers carry nosniff and no-store', async () => {
    const res = await send('get', '/api/v1/calls');
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('random requests never get a 5xx', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'calls',
        'clips',
        'collections',
        'users',
        'scripts',
        'review-items',
        'reports',
        'audit',
        'keys',
      ),
      fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
      fc.constantFrom('%ff', '%00', '..', '%2e%2e', 'null', '-1', '3f1c2b8e-6a7d-4e0f-9b1a-2c3d4e5f6a7b'),
    );
    const query = fc.dictionary(
      fc.constantFrom(
        'limit',
        'cursor',
        'from',
        'to',
        'language',
        'minDurationMs',
        'q',
        'party',
        'sort',
        'format',
        'kind',
      ),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('%ff', '-1', '1e309', 'constructor', '__proto__'),
      ),
      { maxKeys: 3 },
    );
    const body = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 2 }));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('get', 'post', 'put', 'patch', 'delete'),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        query,
        body,
        async (method, segments, q, b) => {
          const qs = Object.entries(q)
            .map(([k, v]) => `${k}=${v.startsWith('%') ? v : encodeURIComponent(v)}`)
            .join('&');
          const url = `/api/v1/${segments.join('/')}${qs ? `?${qs}` : ''}`;
          const res = await send(method, url, method === 'get' || method === 'delete' ? undefined : b);
          expect(res.status, `${method.toUpperCase()} ${url} ${JSON.stringify(b)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  }, 120_000);
});

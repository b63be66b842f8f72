import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addUser,
  createAccountsTestApi,
  login,
  seedAnalysis,
  uploadCall,
  type AccountsTestApi,
  type Session,
} from './web-support.ts';

describe("a call's country, and late recording notices on the compliance dashboard", () => {
  let api: AccountsTestApi;
  let compliance: Session;
  const c: Record<string, string> = {};

  beforeAll(async () => {
    api = await createAccountsTestApi();
    compliance = await login(api.app, await addUser(api, 'compliance_officer'));
    const base = { agentId: 'A9', agentName: 'Inés', team: 't9', campaign: 'mora', language: 'es' };
    c.co = await uploadCall(api, {
      ...base,
      startedAt: '2026-11-03T10:00:00Z',
      country: 'co',
      region: 'Bogotá',
    });
    c.mx = await uploadCall(api, { ...base, startedAt: '2026-11-03T11:00:00Z', country: 'MX' });
    c.es = await uploadCall(api, { ...base, startedAt: '2026-11-03T12:00:00Z', country: 'ES' });
    c.none = await uploadCall(api, { ...base, startedAt: '2026-11-03T13:00:00Z', region: 'Costa Rica' });
    await seedAnalysis(api, c.co, { disclosure: 'disclosed' });
    await seedAnalysis(api, c.mx, { disclosure: 'late', lateElements: ['recorded'] });
    await seedAnalysis(api, c.es, { disclosure: 'partial', missingElements: ['right_to_object'] });
  });
  afterAll(async () => {
    await api.close();
  });

  const asAdmin = (url: string) =>
    request(api.app).get(`/api/v1${url}`).set('Authorization', `Bearer ${api.adminKey}`);
  const ids = (body: { items: { id?: string; callId?: string }[] }) =>
    body.items.map((i) => i.id ?? i.callId).sort();

  it('stores the ISO 3166 country of an upload upper-cased and returns it with the call', async () => {
    const co = await asAdmin(`/calls/${c.co}`);
    expect(co.status).toBe(200);
    expect(co.body).toMatchObject({ country: 'CO', region: 'Bogotá' });
    expect((await asAdmin(`/calls/${c.none}`)).body).toMatchObject({ country: null, region: 'Costa Rica' });
  });

  it('refuses a country that is not an assigned ISO 3166-1 alpha-2 code', async () => {
    const { makeFixture } = await import('../../support/audio-fixtures.ts');
    const file = await makeFixture(path.join(api.tmpDir, 'fixtures'), 'wav-pcm', {
      seconds: 1,
      channels: 2,
      sampleRate: 8000,
    });
    for (const country of ['Colombia', 'XX', 'UK', 'C0']) {
      const res = await request(api.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .attach('file', file)
        .field('metadata', JSON.stringify({ startedAt: '2026-11-03T14:00:00Z', country }));
      expect(res.status, country).toBe(400);
      expect(JSON.stringify(res.body.error), country).toMatch(/country/);
    }
  });

  it('searches calls by country, one or several, in either case', async () => {
    expect(ids((await asAdmin('/calls?country=CO')).body)).toEqual([c.co]);
    expect(ids((await asAdmin('/calls?country=mx,es')).body)).toEqual([c.mx, c.es].sort());
    expect(ids((await asAdmin('/calls?country=US')).body)).toEqual([]);
    expect((await asAdmin('/calls?country=Costa%20Rica')).status).toBe(400);
  });

  it('finds late notices with the disclosure filter', async () => {
    expect(ids((await asAdmin('/calls?disclosure=late')).body)).toEqual([c.mx]);
    expect(ids((await asAdmin('/calls?disclosure=disclosed')).body)).toEqual([c.co]);
  });

  it('counts a late notice as not given on time, and lists the call among those to review', async () => {
    const res = await compliance.agent.get('/api/v1/compliance/disclosure?by=day');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items).toEqual([
      {
        key: '2026-11-03',
        label: null,
        disclosed: 1,
        late: 1,
        partial: 1,
        missing: 0,
        total: 3,
        disclosedPct: 33.3,
        latePct: 33.3,
        partialPct: 33.3,
        missingPct: 0,
      },
    ]);
    const calls = await compliance.agent.get('/api/v1/compliance/disclosure/calls');
    expect(calls.body.items.map((r: { callId: string }) => r.callId)).toEqual([c.es, c.mx]);
    expect(calls.body.items[1]).toMatchObject({
      outcome: 'late',
      lateElements: ['recorded'],
      missingElements: [],
    });
    const late = await compliance.agent.get('/api/v1/compliance/disclosure/calls?outcome=late');
    expect(late.body.items.map((r: { callId: string }) => r.callId)).toEqual([c.mx]);
    const metrics = await asAdmin('/agents/metrics?by=agent');
    expect(metrics.body.items[0]).toMatchObject({ key: 'A9', calls: 3, disclosureRate: 0.333 });
  });
});

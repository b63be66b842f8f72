import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createAccountsTestApi, login, uploadCall, type AccountsTestApi } from './web-support.ts';

/** Which calls each role sees: agents their own, people with languages/teams only those, admins all. */
describe('call scope', () => {
  let api: AccountsTestApi;
  const ids = {} as Record<'esBogota' | 'esCoBogota' | 'enBogota' | 'esCdmx' | 'noLanguage', string>;

  beforeAll(async () => {
    api = await createAccountsTestApi();
    ids.esBogota = await uploadCall(api, { agentId: 'A1', team: 'bogota-1', language: 'es', campaign: 'c1' });
    ids.esCoBogota = await uploadCall(api, {
      agentId: 'A2',
      team: 'bogota-1',
      language: 'es-CO',
      campaign: 'c1',
    });
    ids.enBogota = await uploadCall(api, { agentId: 'A1', team: 'bogota-1', language: 'en', campaign: 'c1' });
    ids.esCdmx = await uploadCall(api, { agentId: 'A3', team: 'cdmx', language: 'es', campaign: 'c1' });
    ids.noLanguage = await uploadCall(api, { agentId: 'A3', team: 'bogota-1', campaign: 'c1' });
  });
  afterAll(async () => {
    await api.close();
  });

  const searchIds = async (s: { agent: ReturnType<typeof request.agent> }, query = '') => {
    const res = await s.agent.get(`/api/v1/calls?limit=100${query}`);
    expect(res.status).toBe(200);
    return (res.body.items as { id: string }[]).map((c) => c.id).sort();
  };

  it('shows a QA supervisor only the calls of her languages and teams, in search and by id', async () => {
    const qa = await login(
      api.app,
      await addUser(api, 'qa_supervisor', { languages: ['es'], teams: ['bogota-1'] }),
    );
    expect(await searchIds(qa)).toEqual([ids.esBogota, ids.esCoBogota].sort());
    // Filters narrow further inside the scope, never widen it.
    expect(await searchIds(qa, '&team=cdmx')).toEqual([]);
    expect(await searchIds(qa, '&agentId=A1')).toEqual([ids.esBogota]);
    for (const outside of [ids.enBogota, ids.esCdmx, ids.noLanguage]) {
      for (const sub of ['', '/audio', '/transcript', '/analysis']) {
        const res = await qa.agent.get(`/api/v1/calls/${outside}${sub}`);
        expect(res.status, `${sub} of a call outside the scope`).toBe(404);
        expect(res.body.error.code).toBe('CALL_NOT_FOUND');
      }
    }
    expect((await qa.agent.get(`/api/v1/calls/${ids.esBogota}`)).status).toBe(200);
    expect((await qa.agent.get(`/api/v1/calls/${ids.esBogota}/audio`)).status).toBe(200);
  });

  it('shows a QA supervisor with no languages or teams every call', async () => {
    const qa = await login(api.app, await addUser(api, 'qa_supervisor'));
    expect(await searchIds(qa)).toHaveLength(5);
  });

  it('shows an agent only their own calls', async () => {
    const agent = await login(api.app, await addUser(api, 'agent', { agentId: 'A1' }));
    expect(await searchIds(agent)).toEqual([ids.enBogota, ids.esBogota].sort());
    expect((await agent.agent.get(`/api/v1/calls/${ids.esCdmx}/audio`)).status).toBe(404);
    expect((await agent.agent.get(`/api/v1/calls/${ids.esBogota}/audio`)).status).toBe(200);
  });

  it('limits API keys by scope: a new ingest key only uploads, scoped keys see what they are given, old keys keep their access', async () => {
    const search = (key: string) =>
      request(api.app).get('/api/v1/calls?limit=100').set('Authorization', `Bearer ${key}`);
    const ingest = await api.keys.create('ingest', 'dialer');
    expect(ingest.scopes).toEqual(['recordings:write']);
    const refused = await search(ingest.key);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/calls:read/);
    const audio = await request(api.app)
      .get(`/api/v1/calls/${ids.esBogota}/audio`)
      .set('Authorization', `Bearer ${ingest.key}`);
    expect(audio.status).toBe(403);

    // An ingest key given read scopes and a call scope: only the calls of its team, metadata but no audio.
    const bogota = await api.keys.create('ingest', 'crm', {
      scopes: ['recordings:write', 'calls:read'],
      teams: ['bogota-1'],
    });
    const seen = await search(bogota.key);
    expect(seen.status).toBe(200);
    expect(seen.body.items.map((c: { id: string }) => c.id).sort()).toEqual(
      [ids.enBogota, ids.esBogota, ids.esCoBogota, ids.noLanguage].sort(),
    );
    expect(
      (
        await request(api.app)
          .get(`/api/v1/calls/${ids.esBogota}/audio`)
          .set('Authorization', `Bearer ${bogota.key}`)
      ).status,
    ).toBe(403);
    await expect(api.keys.create('ingest', 'bad', { scopes: ['everything'] })).rejects.toThrow(
      /unknown scope/,
    );

    // A key made before scopes existed (no scopes stored) keeps its role's whole access.
    const legacy = await api.keys.create('ingest', 'old dialer');
    await api.database.handle.db
      .updateTable('api_keys')
      .set({ scopes: null })
      .where('id', '=', legacy.id)
      .execute();
    expect((await search(legacy.key)).body.items).toHaveLength(5);
    const agentKey = (await api.keys.create('agent', 'no agent id')).key;
    const none = await search(agentKey);
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);
  });

  it('hides clips and collection items on calls outside the scope', async () => {
    const trainer = await login(api.app, await addUser(api, 'trainer'));
    const collection = await trainer.agent
      .post('/api/v1/collections')
      .set('X-CSRF-Token', trainer.csrf)
      .send({ name: 'mixed' });
    for (const callId of [ids.esBogota, ids.esCdmx]) {
      const clip = await trainer.agent
        .post('/api/v1/clips')
        .set('X-CSRF-Token', trainer.csrf)
        .send({
          callId,
          startMs: 0,
          endMs: 1000,
          title: `clip ${callId.slice(0, 4)}`,
          collectionId: collection.body.id,
        });
      expect(clip.status).toBe(201);
    }
    const qa = await login(api.app, await addUser(api, 'qa_supervisor', { teams: ['cdmx'] }));
    const clips = await qa.agent.get('/api/v1/clips');
    expect(clips.body.items.map((c: { callId: string }) => c.callId)).toEqual([ids.esCdmx]);
    const detail = await qa.agent.get(`/api/v1/collections/${collection.body.id}`);
    expect(detail.body.items.map((i: { callId: string }) => i.callId)).toEqual([ids.esCdmx]);
    const refused = await qa.agent
      .post('/api/v1/clips')
      .set('X-CSRF-Token', qa.csrf)
      .send({ callId: ids.esBogota, startMs: 0, endMs: 1000, title: 'not mine' });
    expect(refused.status).toBe(404);
  });
});

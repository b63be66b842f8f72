import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createAccountsTestApi, login, type AccountsTestApi } from './web-support.ts';

describe('saved searches', () => {
  let api: AccountsTestApi;
  beforeAll(async () => {
    api = await createAccountsTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('keeps each person’s searches to themselves, validated like a search', async () => {
    const a = await login(api.app, await addUser(api, 'qa_supervisor'));
    const b = await login(api.app, await addUser(api, 'trainer'));
    const created = await a.agent
      .post('/api/v1/saved-searches')
      .set('X-CSRF-Token', a.csrf)
      .send({
        name: 'PTP late stage',
        query: { campaign: 'late-stage', disposition: 'PTP', cursor: 'x', limit: '5' },
      });
    expect(created.status).toBe(201);
    expect(created.body.query).toEqual({ campaign: 'late-stage', disposition: 'PTP' });
    const dup = await a.agent
      .post('/api/v1/saved-searches')
      .set('X-CSRF-Token', a.csrf)
      .send({ name: 'PTP late stage', query: {} });
    expect(dup.status).toBe(409);
    const invalid = await a.agent
      .post('/api/v1/saved-searches')
      .set('X-CSRF-Token', a.csrf)
      .send({ name: 'bad', query: { minDurationMs: 'long' } });
    expect(invalid.status).toBe(400);
    expect((await a.agent.get('/api/v1/saved-searches')).body.items).toHaveLength(1);
    expect((await b.agent.get('/api/v1/saved-searches')).body.items).toEqual([]);
    const steal = await b.agent
      .delete(`/api/v1/saved-searches/${created.body.id}`)
      .set('X-CSRF-Token', b.csrf);
    expect(steal.status).toBe(404);
    const del = await a.agent.delete(`/api/v1/saved-searches/${created.body.id}`).set('X-CSRF-Token', a.csrf);
    expect(del.status).toBe(204);
    const audit = await api.accounts.audit.list({
      actions: ['saved_search_create', 'saved_search_delete'],
      limit: 5,
    });
    expect(audit.items.map((e) => e.action)).toEqual(['saved_search_delete', 'saved_search_create']);
  });
});

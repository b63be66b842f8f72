import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsHarness, type AnalyticsHarness } from './analytics.harness.ts';

const CALL = [
  {
    party: 'agent' as const,
    startMs: 500,
    endMs: 4000,
    text: 'buenos días le habla andrés de recuperar sas',
  },
  {
    party: 'agent' as const,
    startMs: 4200,
    endMs: 8000,
    text: 'le informo que esta llamada está siendo grabada',
  },
  { party: 'customer' as const, startMs: 8500, endMs: 10_000, text: 'sí dígame' },
  {
    party: 'agent' as const,
    startMs: 10_500,
    endMs: 15_000,
    text: 'le ofrecemos un descuento especial si paga este mes',
  },
  { party: 'customer' as const, startMs: 15_500, endMs: 18_000, text: 'bueno lo voy a pensar' },
  { party: 'agent' as const, startMs: 18_500, endMs: 21_000, text: 'gracias por su atención hasta luego' },
];

const PROMO = {
  id: 'promo-descuento',
  name: 'Promoción de descuento',
  language: 'es',
  campaigns: ['promo'],
  passScore: 80,
  rules: [
    {
      id: 'discount',
      type: 'required_mention',
      description: 'menciona el descuento',
      words: ['descuento'],
    },
    {
      id: 'deadline',
      type: 'required_phrase',
      description: 'dice hasta cuándo vale la oferta',
      phrases: ['(valido|vence|vale) hasta'],
    },
  ],
};

describe('scripts and review queues API', () => {
  let h: AnalyticsHarness;
  let callId: string;
  const auth = () => ({ Authorization: `Bearer ${h.adminKey}` });

  beforeAll(async () => {
    h = await createAnalyticsHarness();
    callId = await h.upload(CALL, {
      startedAt: '2024-03-13T10:15:00-05:00',
      region: 'CO',
      language: 'es',
      campaign: 'promo',
      agentId: 'A-9',
    });
    await h.settled(callId);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('lists the built-in scripts and keeps every version of a stored one', async () => {
    const list = await request(h.app).get('/api/v1/scripts').set(auth());
    expect(
      list.body.items.filter((s: { builtIn: boolean }) => s.builtIn).map((s: { id: string }) => s.id),
    ).toEqual(['collections-es', 'collections-en']);
    const created = await request(h.app).post('/api/v1/scripts').set(auth()).send(PROMO);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.script).toMatchObject({ id: 'promo-descuento', version: 1 });
    const again = await request(h.app).post('/api/v1/scripts').set(auth()).send(PROMO);
    expect(again.status).toBe(409);
    const v2 = await request(h.app)
      .put('/api/v1/scripts/promo-descuento')
      .set(auth())
      .send({ ...PROMO, passScore: 50 });
    expect(v2.body.script).toMatchObject({ version: 2, passScore: 50 });
    const versions = await request(h.app).get('/api/v1/scripts/promo-descuento/versions').set(auth());
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const v1 = await request(h.app).get('/api/v1/scripts/promo-descuento/versions/1').set(auth());
    expect(v1.body.script.passScore).toBe(80);
    const invalid = await request(h.app)
      .post('/api/v1/scripts')
      .set(auth())
      .send({ ...PROMO, id: 'bad-one', rules: [{ ...PROMO.rules[1], phrases: ['(vence hasta'] }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/missing \)/);
  });

  it('re-evaluates calls with the new script version on request', async () => {
    const before = await request(h.app).get(`/api/v1/calls/${callId}/analysis`).set(auth());
    expect(before.body.analytics.adherence.scriptId).toBe('collections-es');
    const res = await request(h.app).post('/api/v1/scripts/promo-descuento/reevaluate').set(auth()).send({});
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ script: 'promo-descuento@2', queued: 1 });
    let after;
    for (let i = 0; i < 300; i++) {
      after = await request(h.app).get(`/api/v1/calls/${callId}/analysis`).set(auth());
      if (
        after.body.analytics?.revision === 2 &&
        after.body.stages.every((s: { status: string }) => s.status === 'done')
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(after!.body.analytics).toMatchObject({
      revision: 2,
      adherence: { scriptId: 'promo-descuento', scriptVersion: 2, score: 50, passed: true },
    });
    const deadline = after!.body.analytics.adherence.rules.find((r: { id: string }) => r.id === 'deadline');
    expect(deadline).toMatchObject({ passed: false, reason: 'not said' });
  });

  it('claims and completes a review item with a scorecard', async () => {
    // after the re-evaluation the call scored 50 with the promo script: routed to QA
    const items = await request(h.app)
      .get('/api/v1/review-queues/qa-es/items')
      .query({ status: 'open' })
      .set(auth());
    const item = (
      items.body.items as { id: string; callId: string; reason: string; priority: number }[]
    ).find((i) => i.callId === callId);
    expect(item).toMatchObject({ reason: expect.stringContaining('adherence 50 below 70'), priority: 3 });
    const id = item!.id;
    const claim = await request(h.app).post(`/api/v1/review-items/${id}/claim`).set(auth());
    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({ status: 'claimed', claimedBy: expect.stringMatching(/^key:/) });
    const done = await request(h.app)
      .post(`/api/v1/review-items/${id}/complete`)
      .set(auth())
      .send({ scorecard: { greeting: 5, disclosure: true, empathy: 'good' }, comments: 'buen manejo' });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({
      status: 'completed',
      scorecard: { greeting: 5, disclosure: true, empathy: 'good' },
      comments: 'buen manejo',
    });
    const twice = await request(h.app).post(`/api/v1/review-items/${id}/claim`).set(auth());
    expect(twice.status).toBe(409);
    const bad = await request(h.app)
      .post(`/api/v1/review-items/${id}/complete`)
      .set(auth())
      .send({ scorecard: { 'not a key': 1 } });
    expect(bad.status).toBe(400);
    const queues = await request(h.app).get('/api/v1/review-queues').set(auth());
    expect(queues.body.items).toContainEqual(expect.objectContaining({ id: 'qa-es', completed: 1 }));
    const missing = await request(h.app)
      .post('/api/v1/review-items/00000000-0000-4000-8000-000000000000/claim')
      .set(auth());
    expect(missing.status).toBe(404);
  });

  it('retires a script: its versions stay readable, new calls no longer use it', async () => {
    const del = await request(h.app).delete('/api/v1/scripts/promo-descuento').set(auth());
    expect(del.status).toBe(204);
    const list = await request(h.app).get('/api/v1/scripts').set(auth());
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain('promo-descuento');
    const v2 = await request(h.app).get('/api/v1/scripts/promo-descuento/versions/2').set(auth());
    expect(v2.body).toMatchObject({ active: false, script: { version: 2 } });
    const builtIn = await request(h.app).put('/api/v1/scripts/collections-es').set(auth()).send(PROMO);
    expect(builtIn.status).toBe(409);
  });
});

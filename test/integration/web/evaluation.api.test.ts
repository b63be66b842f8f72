import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewRepository } from '../../../services/review/review.repository.ts';
import {
  addUser,
  createAccountsTestApi,
  login,
  seedAnalysis,
  uploadCall,
  type AccountsTestApi,
  type Session,
} from './web-support.ts';

const yes = (id: string, en: string, weight: number, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'yes_no',
  text: { es: `¿${en}?`, en: `${en}?` },
  weight,
  ...extra,
});

const DEFAULT_FORM = {
  id: 'qa-default',
  name: 'QA default',
  questions: [yes('greeting', 'Greets the customer', 1), yes('closing', 'Closes the call', 1)],
};

const LATE_STAGE_FORM = {
  id: 'late-stage-qa',
  name: 'Late stage collections',
  campaign: 'late-stage',
  questions: [
    yes('greeting', 'Greeting as scripted', 2, { prefill: { source: 'adherence_rule', rule: 'greeting' } }),
    yes('disclosure', 'Disclosure given', 3, { prefill: { source: 'disclosure_given' } }),
    yes('promise', 'Promise to pay obtained', 1, { prefill: { source: 'promise_to_pay' } }),
    yes('respectful', 'No forbidden practice', 2, {
      critical: true,
      prefill: { source: 'forbidden_absent' },
    }),
    {
      id: 'empathy',
      type: 'scale',
      max: 4,
      weight: 2,
      text: { es: 'Empatía', en: 'Empathy' },
      prefill: { source: 'adherence_score' },
    },
    {
      id: 'outcome',
      type: 'choice',
      weight: 1,
      text: { es: 'Resultado', en: 'Outcome' },
      options: [
        { id: 'paid', text: { es: 'Pagó', en: 'Paid' }, score: 1 },
        { id: 'promise', text: { es: 'Promesa', en: 'Promise' }, score: 0.5 },
        { id: 'none', text: { es: 'Nada', en: 'Nothing' }, score: 0 },
      ],
    },
    { id: 'notes', type: 'text', text: { es: 'Notas', en: 'Notes' } },
  ],
};

describe('evaluation forms and scored reviews', () => {
  let api: AccountsTestApi;
  let admin: Session;
  let qa: Session;
  let qaName: string;
  let qaEnglish: Session;
  let compliance: Session;
  let callId: string;
  let englishCall: string;
  let itemId: string;

  beforeAll(async () => {
    api = await createAccountsTestApi();
    admin = await login(api.app, await addUser(api, 'admin'));
    const qaUser = await addUser(api, 'qa_supervisor', { languages: ['es'] });
    qaName = qaUser.username;
    qa = await login(api.app, qaUser);
    qaEnglish = await login(api.app, await addUser(api, 'qa_supervisor', { languages: ['en'] }));
    compliance = await login(api.app, await addUser(api, 'compliance_officer'));
    callId = await uploadCall(api, {
      agentId: 'A1',
      team: 'bogota-1',
      campaign: 'late-stage',
      language: 'es',
    });
    englishCall = await uploadCall(api, { agentId: 'A2', campaign: 'early-stage', language: 'en' });
    await seedAnalysis(api, callId, {
      disclosure: 'partial',
      adherenceScore: 80,
      rules: [
        { id: 'greeting', passed: true },
        { id: 'closing', passed: false },
      ],
      promiseToPay: true,
      violations: [],
    });
    const reviews = new ReviewRepository(api.database.handle.db);
    await reviews.replaceForCall(callId, [{ queue: 'qa-es', reason: 'adherence 80', priority: 3 }]);
    await reviews.replaceForCall(englishCall, [{ queue: 'qa-en', reason: 'sampled', priority: 5 }]);
    itemId = (await reviews.forCall(callId))[0]!.id;
  });
  afterAll(async () => {
    await api.close();
  });

  const post = (s: Session, path: string, body: unknown) =>
    s.agent
      .post(`/api/v1${path}`)
      .set('X-CSRF-Token', s.csrf)
      .send(body as object);
  const put = (s: Session, path: string, body: unknown) =>
    s.agent
      .put(`/api/v1${path}`)
      .set('X-CSRF-Token', s.csrf)
      .send(body as object);

  it('lets admins create and version forms, QA supervisors read them, and no one else change them', async () => {
    const created = await post(admin, '/evaluation-forms', DEFAULT_FORM);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.form).toMatchObject({ id: 'qa-default', version: 1, campaign: null });
    expect((await post(qa, '/evaluation-forms', { ...DEFAULT_FORM, id: 'other' })).status).toBe(403);
    expect((await compliance.agent.get('/api/v1/evaluation-forms')).status).toBe(403);

    const v1 = await post(admin, '/evaluation-forms', {
      ...LATE_STAGE_FORM,
      questions: LATE_STAGE_FORM.questions.slice(0, 2),
    });
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    const v2 = await put(admin, '/evaluation-forms/late-stage-qa', LATE_STAGE_FORM);
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    expect(v2.body.form).toMatchObject({ id: 'late-stage-qa', version: 2, campaign: 'late-stage' });

    const list = await qa.agent.get('/api/v1/evaluation-forms');
    expect(list.status).toBe(200);
    expect(
      list.body.items.map((f: { form: { id: string; version: number } }) => [f.form.id, f.form.version]),
    ).toEqual([
      ['qa-default', 1],
      ['late-stage-qa', 2],
    ]);
    const old = await qa.agent.get('/api/v1/evaluation-forms/late-stage-qa/versions/1');
    expect(old.body.form.questions).toHaveLength(2);
    const versions = await qa.agent.get('/api/v1/evaluation-forms/late-stage-qa/versions');
    expect(versions.body.items.map((v: { form: { version: number } }) => v.form.version)).toEqual([1, 2]);

    const audit = await api.accounts.audit.list({
      actions: ['evaluation_form_create', 'evaluation_form_update'],
      limit: 10,
    });
    expect(audit.items.map((e) => [e.action, e.targetId, e.details.version])).toEqual([
      ['evaluation_form_update', 'late-stage-qa', 2],
      ['evaluation_form_create', 'late-stage-qa', 1],
      ['evaluation_form_create', 'qa-default', 1],
    ]);
  });

  it('refuses invalid forms and a second form for the same campaign with a clear message', async () => {
    const badPrefill = await post(admin, '/evaluation-forms', {
      id: 'bad',
      name: 'Bad',
      campaign: 'x',
      questions: [
        { id: 'q', type: 'scale', max: 5, text: { es: 'a', en: 'a' }, prefill: { source: 'promise_to_pay' } },
      ],
    });
    expect(badPrefill.status).toBe(400);
    expect(badPrefill.body.error.code).toBe('BAD_REQUEST');
    expect(badPrefill.body.error.message).toMatch(/prefill promise_to_pay needs a yes_no question/);
    const dup = await post(admin, '/evaluation-forms', {
      id: 'dup',
      name: 'Dup',
      campaign: 'x',
      questions: [yes('a', 'A', 1), yes('a', 'B', 1)],
    });
    expect(dup.status).toBe(400);
    expect(dup.body.error.message).toMatch(/duplicate id a/);
    const secondDefault = await post(admin, '/evaluation-forms', { ...DEFAULT_FORM, id: 'another-default' });
    expect(secondDefault.status).toBe(409);
    expect(secondDefault.body.error.message).toMatch(/qa-default is already the default form/);
    expect((await post(admin, '/evaluation-forms', DEFAULT_FORM)).status).toBe(409);
  });

  it('shows a reviewer only the queues of her languages, and the item with its form and analytics answers', async () => {
    const queues = await qa.agent.get('/api/v1/review-queues');
    expect(queues.body.items.map((q: { id: string }) => q.id)).toEqual(['qa-es']);
    const english = await qaEnglish.agent.get('/api/v1/review-queues');
    expect(english.body.items.map((q: { id: string }) => q.id)).toEqual(['qa-en']);
    expect((await qaEnglish.agent.get(`/api/v1/review-items/${itemId}`)).status).toBe(404);

    const res = await qa.agent.get(`/api/v1/review-items/${itemId}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.item).toMatchObject({ id: itemId, callId, status: 'open', evaluation: null });
    expect(res.body.form).toMatchObject({ id: 'late-stage-qa', version: 2 });
    // partial disclosure → no; rule greeting passed; promise detected; no violations; 80/100 of 4 → 3
    expect(res.body.prefill).toEqual({
      greeting: 'yes',
      disclosure: 'no',
      promise: 'yes',
      respectful: 'yes',
      empathy: 3,
    });
  });

  it('claims, refuses answers that do not fit the form, and stores a scored evaluation with the form version', async () => {
    const early = await post(qa, `/review-items/${itemId}/complete`, { scorecard: {} });
    expect(early.status).toBe(409);
    const claim = await post(qa, `/review-items/${itemId}/claim`, {});
    expect(claim.status).toBe(200);

    const bad = await post(qa, `/review-items/${itemId}/complete`, {
      scorecard: { greeting: 'maybe', empathy: 7, outcome: 'lost', unknown: 'yes' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_EVALUATION');
    const fields = Object.fromEntries(
      (bad.body.error.details.problems as { field: string; message: string }[]).map((p) => [
        p.field,
        p.message,
      ]),
    );
    expect(fields).toMatchObject({
      unknown: 'no question unknown in form late-stage-qa',
      greeting: 'answer one of yes, no, na',
      empathy: 'answer a whole number from 0 to 4',
      outcome: 'answer one of paid, promise, none',
      disclosure: 'an answer is required',
    });
    expect(fields.notes).toBeUndefined();

    const done = await post(qa, `/review-items/${itemId}/complete`, {
      scorecard: {
        greeting: 'yes',
        disclosure: 'no',
        promise: 'na',
        respectful: 'yes',
        empathy: 3,
        outcome: 'promise',
        notes: 'Buen cierre',
      },
      comments: [
        { atMs: 8000, text: 'Cliente propone el viernes' },
        { atMs: 1200, text: 'Aviso de grabación incompleto' },
      ],
      formId: 'late-stage-qa',
      formVersion: 2,
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    // (2·1 + 3·0 + 2·1 + 2·¾ + 1·½) / (2+3+2+2+1) = 6 / 10; "na" leaves the sum
    expect(done.body).toMatchObject({
      status: 'completed',
      evaluation: {
        formId: 'late-stage-qa',
        formVersion: 2,
        score: 60,
        comments: [
          { atMs: 1200, text: 'Aviso de grabación incompleto' },
          { atMs: 8000, text: 'Cliente propone el viernes' },
        ],
      },
    });
    const again = await qa.agent.get(`/api/v1/review-items/${itemId}`);
    expect(again.body.evaluations).toHaveLength(1);
    expect(again.body.evaluations[0]).toMatchObject({
      score: 60,
      formVersion: 2,
      answers: { notes: 'Buen cierre' },
    });

    const audit = await api.accounts.audit.list({
      actions: ['review_claim', 'evaluation_complete'],
      callId,
      limit: 10,
    });
    expect(audit.items.map((e) => [e.action, e.targetId])).toEqual([
      ['evaluation_complete', itemId],
      ['review_claim', itemId],
    ]);
    expect(audit.items[0]!.details).toEqual({ formId: 'late-stage-qa', formVersion: 2, score: 60 });
  });

  it('lets a second reviewer evaluate the same call and shows both scores (calibration)', async () => {
    const second = await addUser(api, 'qa_supervisor', { languages: ['es'] });
    const qa2 = await login(api.app, second);
    const res = await post(qa2, `/calls/${callId}/evaluations`, {
      scorecard: {
        greeting: 'yes',
        disclosure: 'yes',
        promise: 'yes',
        respectful: 'yes',
        empathy: 2,
        outcome: 'paid',
      },
      comments: [{ atMs: 2500, text: 'El aviso sí se dio' }],
      formId: 'late-stage-qa',
      formVersion: 2,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // (2 + 3 + 1 + 2 + 2·½ + 1) / 11 = 10 / 11
    expect(res.body).toMatchObject({ score: 90.9, reviewItemId: null, reviewerName: second.username });
    const again = await post(qa2, `/calls/${callId}/evaluations`, { scorecard: {} });
    expect(again.status).toBe(409);
    const bad = await post(qa2, `/calls/${englishCall}/evaluations`, { scorecard: {} });
    expect(bad.status).toBe(404);

    const both = await qa.agent.get(`/api/v1/calls/${callId}/evaluations`);
    expect(
      both.body.items.map((e: { reviewerName: string; score: number }) => [e.reviewerName, e.score]),
    ).toEqual([
      [qaName, 60],
      [second.username, 90.9],
    ]);
    expect((await qaEnglish.agent.get(`/api/v1/calls/${callId}/evaluations`)).status).toBe(404);
    const item = await qa.agent.get(`/api/v1/review-items/${itemId}`);
    expect(item.body.evaluations.map((e: { score: number }) => e.score)).toEqual([60, 90.9]);
    const audit = await api.accounts.audit.list({ actions: ['evaluation_complete'], callId, limit: 1 });
    expect(audit.items[0]).toMatchObject({
      actorName: second.username,
      targetType: 'evaluation',
      details: { formId: 'late-stage-qa', formVersion: 2, score: 90.9, calibration: true },
    });
  });

  it('scores 0 when a critical question fails, and falls back to the default form once a campaign form is retired', async () => {
    const reviews = new ReviewRepository(api.database.handle.db);
    const second = await uploadCall(api, { agentId: 'A1', campaign: 'late-stage', language: 'es' });
    await reviews.replaceForCall(second, [{ queue: 'qa-es', reason: 'sampled', priority: 5 }]);
    const id = (await reviews.forCall(second))[0]!.id;
    await post(qa, `/review-items/${id}/claim`, {});
    const critical = await post(qa, `/review-items/${id}/complete`, {
      scorecard: {
        greeting: 'yes',
        disclosure: 'yes',
        promise: 'yes',
        respectful: 'no',
        empathy: 4,
        outcome: 'paid',
      },
    });
    expect(critical.status, JSON.stringify(critical.body)).toBe(200);
    expect(critical.body.evaluation.score).toBe(0);

    expect(
      (await admin.agent.delete('/api/v1/evaluation-forms/late-stage-qa').set('X-CSRF-Token', admin.csrf))
        .status,
    ).toBe(204);
    const third = await uploadCall(api, { agentId: 'A1', campaign: 'late-stage', language: 'es' });
    await reviews.replaceForCall(third, [{ queue: 'qa-es', reason: 'sampled', priority: 5 }]);
    const thirdId = (await reviews.forCall(third))[0]!.id;
    const item = await qa.agent.get(`/api/v1/review-items/${thirdId}`);
    expect(item.body.form).toMatchObject({ id: 'qa-default', version: 1 });
    // no analysis stored for this call: nothing to pre-fill
    expect(item.body.prefill).toEqual({});
    await post(qa, `/review-items/${thirdId}/claim`, {});
    const half = await post(qa, `/review-items/${thirdId}/complete`, {
      scorecard: { greeting: 'yes', closing: 'no' },
    });
    expect(half.body.evaluation).toMatchObject({ formId: 'qa-default', score: 50 });
    const retired = await api.accounts.audit.list({ actions: ['evaluation_form_retire'], limit: 5 });
    expect(retired.items.map((e) => e.targetId)).toEqual(['late-stage-qa']);
  });

  it('keeps free scorecards when no form applies, and then refuses time-anchored comments', async () => {
    const reviews = new ReviewRepository(api.database.handle.db);
    await reviews.replaceForCall(englishCall, [{ queue: 'qa-en', reason: 'sampled', priority: 5 }]);
    await admin.agent.delete('/api/v1/evaluation-forms/qa-default').set('X-CSRF-Token', admin.csrf);
    const id = (await reviews.forCall(englishCall))[0]!.id;
    await post(qaEnglish, `/review-items/${id}/claim`, {});
    const timed = await post(qaEnglish, `/review-items/${id}/complete`, {
      scorecard: { tone: 4 },
      comments: [{ atMs: 10, text: 'x' }],
    });
    expect(timed.status).toBe(400);
    expect(timed.body.error.code).toBe('INVALID_EVALUATION');
    const free = await post(qaEnglish, `/review-items/${id}/complete`, {
      scorecard: { tone: 4 },
      comments: 'ok',
    });
    expect(free.status).toBe(200);
    expect(free.body).toMatchObject({ scorecard: { tone: 4 }, comments: 'ok', evaluation: null });
  });

  it('answers 404 for unknown forms and versions', async () => {
    expect((await qa.agent.get('/api/v1/evaluation-forms/nope')).status).toBe(404);
    expect((await qa.agent.get('/api/v1/evaluation-forms/qa-default/versions/9')).status).toBe(404);
    expect((await qa.agent.get('/api/v1/evaluation-forms/qa-default/versions/x')).status).toBe(400);
    const res = await request(api.app)
      .get('/api/v1/evaluation-forms')
      .set('Authorization', `Bearer ${api.adminKey}`)
      .query({ all: 'true' });
    expect(res.body.items.map((f: { active: boolean }) => f.active)).toEqual([false, false]);
  });
});

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

describe('compliance dashboard and agent metrics API', () => {
  let api: AccountsTestApi;
  let compliance: Session;
  let complianceEs: Session;
  let qa: Session;
  let qaTeam1: Session;
  const c: Record<string, string> = {};

  beforeAll(async () => {
    api = await createAccountsTestApi();
    compliance = await login(api.app, await addUser(api, 'compliance_officer'));
    complianceEs = await login(api.app, await addUser(api, 'compliance_officer', { languages: ['es'] }));
    qa = await login(api.app, await addUser(api, 'qa_supervisor'));
    qaTeam1 = await login(api.app, await addUser(api, 'qa_supervisor', { teams: ['t1'] }));
    const call = (
      startedAt: string,
      agentId: string,
      agentName: string,
      team: string,
      campaign: string,
      language = 'es',
    ) => uploadCall(api, { startedAt, agentId, agentName, team, campaign, language });
    c.one = await call('2026-11-02T10:00:00Z', 'A1', 'Ana', 't1', 'late-stage');
    c.two = await call('2026-11-02T15:00:00Z', 'A1', 'Ana', 't1', 'early-stage');
    c.three = await call('2026-11-10T09:00:00Z', 'A2', 'Beto', 't2', 'late-stage');
    c.four = await call('2026-11-11T09:00:00Z', 'A2', 'Beto', 't2', 'late-stage', 'en');
    c.unanalysed = await call('2026-11-11T10:00:00Z', 'A2', 'Beto', 't2', 'late-stage');
    await seedAnalysis(api, c.one, {
      disclosure: 'disclosed',
      adherenceScore: 90,
      promiseToPay: true,
      sentimentAgent: 0.4,
      sentimentCustomer: 0.2,
      talk: { agentTalkShare: 0.6, silenceShare: 0.1, overtalkMs: 200 },
    });
    await seedAnalysis(api, c.two, {
      disclosure: 'partial',
      missingElements: ['recording'],
      adherenceScore: 70,
      sentimentAgent: 0.2,
      sentimentCustomer: -0.4,
      talk: { agentTalkShare: 0.4, silenceShare: 0.2, overtalkMs: 400 },
    });
    await seedAnalysis(api, c.three, {
      disclosure: 'missing',
      missingElements: ['identity', 'recording'],
      adherenceScore: 50,
      promiseToPay: true,
    });
    await seedAnalysis(api, c.four, { disclosure: 'disclosed', adherenceScore: 100 });
  });
  afterAll(async () => {
    await api.close();
  });

  const get = (s: Session, path: string) => s.agent.get(`/api/v1${path}`);

  it('counts disclosure outcomes by day, agent, team and campaign, with percentages', async () => {
    const byDay = await get(compliance, '/compliance/disclosure?by=day');
    expect(byDay.status, JSON.stringify(byDay.body)).toBe(200);
    expect(byDay.body.items).toEqual([
      {
        key: '2026-11-02',
        label: null,
        disclosed: 1,
        late: 0,
        partial: 1,
        missing: 0,
        total: 2,
        disclosedPct: 50,
        latePct: 0,
        partialPct: 50,
        missingPct: 0,
      },
      expect.objectContaining({ key: '2026-11-10', disclosed: 0, missing: 1, total: 1, missingPct: 100 }),
      expect.objectContaining({ key: '2026-11-11', disclosed: 1, total: 1 }),
    ]);
    const byAgent = await get(compliance, '/compliance/disclosure?by=agent');
    expect(
      byAgent.body.items.map((r: { key: string; label: string; total: number }) => [r.key, r.label, r.total]),
    ).toEqual([
      ['A1', 'Ana', 2],
      ['A2', 'Beto', 2],
    ]);
    const byCampaign = await get(compliance, '/compliance/disclosure?by=campaign');
    expect(
      byCampaign.body.items.map((r: { key: string; disclosedPct: number }) => [r.key, r.disclosedPct]),
    ).toEqual([
      ['early-stage', 0],
      ['late-stage', 66.7],
    ]);
    const team = await get(compliance, '/compliance/disclosure?by=team&from=2026-11-05&to=2026-11-30');
    expect(team.body.items.map((r: { key: string; total: number }) => [r.key, r.total])).toEqual([['t2', 2]]);
  });

  it('counts only the calls inside the caller’s scope', async () => {
    const res = await get(complianceEs, '/compliance/disclosure?by=team');
    expect(res.body.items.map((r: { key: string; total: number }) => [r.key, r.total])).toEqual([
      ['t1', 2],
      ['t2', 1],
    ]);
  });

  it('lists the calls with a partial or missing disclosure, newest first', async () => {
    const res = await get(compliance, '/compliance/disclosure/calls');
    expect(res.body.items.map((r: { callId: string }) => r.callId)).toEqual([c.three, c.two]);
    expect(res.body.items[0]).toMatchObject({
      outcome: 'missing',
      agentName: 'Beto',
      missingElements: ['identity', 'recording'],
      lateElements: [],
    });
    const missing = await get(compliance, '/compliance/disclosure/calls?outcome=missing&campaign=late-stage');
    expect(missing.body.items.map((r: { callId: string }) => r.callId)).toEqual([c.three]);
    expect((await get(compliance, '/compliance/disclosure/calls?outcome=disclosed')).status).toBe(400);
    expect((await get(compliance, '/compliance/disclosure?by=region')).body.error.code).toBe('INVALID_QUERY');
  });

  it('exports each view as CSV and audits the export before sending it', async () => {
    const res = await get(compliance, '/compliance/disclosure.csv?by=agent');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="escucha-disclosure-by-agent-/);
    expect(res.text.split('\r\n')).toEqual([
      'agent,label,disclosed,late,partial,missing,total,disclosed_pct,late_pct,partial_pct,missing_pct',
      'A1,Ana,1,0,1,0,2,50,0,50,0',
      'A2,Beto,1,0,0,1,2,50,0,0,50',
      '',
    ]);
    const calls = await get(compliance, '/compliance/disclosure/calls.csv?outcome=partial');
    expect(calls.text.split('\r\n').slice(1, -1)).toEqual([
      `${c.two},2026-11-02T15:00:00.000Z,A1,Ana,t1,early-stage,es,partial,recording,`,
    ]);
    const exports = await api.accounts.audit.list({ actions: ['export'], limit: 10 });
    expect(exports.items.map((e) => [e.targetType, e.details.filter])).toEqual([
      ['disclosure_calls', { outcome: 'partial' }],
      ['disclosure_coverage', { by: 'agent' }],
    ]);
  });

  it('keeps the dashboard to compliance and admins', async () => {
    expect((await get(qa, '/compliance/disclosure')).status).toBe(403);
    expect((await get(qa, '/compliance/disclosure.csv')).status).toBe(403);
  });

  it('gives weekly adherence, disclosure, sentiment, promise and talk metrics per agent and team', async () => {
    const res = await get(qa, '/agents/metrics?by=agent');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items[0]).toEqual({
      key: 'A1',
      label: 'Ana',
      week: '2026-11-02',
      calls: 2,
      adherenceScore: 80,
      disclosureRate: 0.5,
      sentimentAgent: 0.3,
      sentimentCustomer: -0.1,
      promiseRate: 0.5,
      agentTalkShare: 0.5,
      silenceShare: 0.15,
      overtalkMs: 300,
      avgDurationMs: expect.any(Number),
    });
    expect(res.body.items[1]).toMatchObject({
      key: 'A2',
      week: '2026-11-09',
      calls: 2,
      adherenceScore: 75,
      disclosureRate: 0.5,
      promiseRate: 0.5,
      sentimentAgent: null,
      agentTalkShare: null,
    });
    const teams = await get(compliance, '/agents/metrics?by=team&team=t2');
    expect(
      teams.body.items.map((r: { key: string; week: string; calls: number }) => [r.key, r.week, r.calls]),
    ).toEqual([['t2', '2026-11-09', 2]]);
  });

  it('shows a QA supervisor only the agents of her teams, and audits the CSV export', async () => {
    const res = await get(qaTeam1, '/agents/metrics?by=agent');
    expect(res.body.items.map((r: { key: string }) => r.key)).toEqual(['A1']);
    const csv = await get(qaTeam1, '/agents/metrics.csv?by=team');
    expect(csv.text.split('\r\n')[0]).toBe(
      'team,label,week,calls,adherence_score,disclosure_rate,sentiment_agent,sentiment_customer,promise_rate,agent_talk_share,silence_share,overtalk_ms,avg_duration_ms',
    );
    expect(csv.text.split('\r\n')[1]).toMatch(
      /^t1,,2026-11-02,2,80,0\.5,0\.3,-0\.1,0\.5,0\.5,0\.15,300,\d+$/,
    );
    const exports = await api.accounts.audit.list({ actions: ['export'], limit: 1 });
    expect(exports.items[0]).toMatchObject({ targetType: 'agent_metrics', actorRole: 'qa_supervisor' });
  });
});

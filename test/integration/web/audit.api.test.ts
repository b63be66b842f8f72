import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryBody } from '../../support/http.ts';
import {
  addUser,
  createAccountsTestApi,
  login,
  uploadCall,
  type AccountsTestApi,
  type Session,
} from './web-support.ts';

describe('audit trail', () => {
  let api: AccountsTestApi;
  let callId: string;
  let qa: Session;
  let qaName: string;
  let compliance: Session;

  beforeAll(async () => {
    api = await createAccountsTestApi();
    callId = await uploadCall(api, { agentId: 'A9', campaign: 'late-stage', language: 'es' });
    const u = await addUser(api, 'qa_supervisor');
    qaName = u.username;
    qa = await login(api.app, u);
    compliance = await login(api.app, await addUser(api, 'compliance_officer'));
  });
  afterAll(async () => {
    await api.close();
  });

  const entries = async (action: string, call = callId) =>
    (await api.accounts.audit.list({ actions: [action], callId: call, limit: 100 })).items;

  it('records a search with who, when, the query, client address and user agent', async () => {
    const res = await qa.agent
      .get('/api/v1/calls?campaign=late-stage&limit=5')
      .set('User-Agent', 'audit-test/1.0');
    expect(res.status).toBe(200);
    const e = (await api.accounts.audit.list({ actions: ['search'], limit: 1 })).items[0]!;
    expect(e).toMatchObject({
      actorType: 'user',
      actorName: qaName,
      actorRole: 'qa_supervisor',
      action: 'search',
      userAgent: 'audit-test/1.0',
      details: { query: { campaign: 'late-stage', limit: '5' } },
    });
    expect(e.clientIp).toMatch(/127\.0\.0\.1/);
    expect(Date.now() - new Date(e.at).getTime()).toBeLessThan(10_000);
  });

  it('records one listen for a player’s many range requests, and every download', async () => {
    const first = await qa.agent
      .get(`/api/v1/calls/${callId}/audio`)
      .set('Range', 'bytes=0-99')
      .buffer(true)
      .parse(binaryBody);
    expect(first.status).toBe(206);
    await qa.agent
      .get(`/api/v1/calls/${callId}/audio`)
      .set('Range', 'bytes=100-199')
      .buffer(true)
      .parse(binaryBody);
    await qa.agent
      .get(`/api/v1/calls/${callId}/audio`)
      .set('Range', 'bytes=0-')
      .buffer(true)
      .parse(binaryBody);
    const listens = await entries('listen');
    expect(listens).toHaveLength(1);
    expect(listens[0]).toMatchObject({
      actorName: qaName,
      callId,
      targetType: 'call',
      details: { kind: 'original' },
    });

    await qa.agent.get(`/api/v1/calls/${callId}/audio?download=1`).buffer(true).parse(binaryBody);
    await qa.agent.get(`/api/v1/calls/${callId}/audio?download=1`).buffer(true).parse(binaryBody);
    expect(await entries('download')).toHaveLength(2);
    // The same call seen by someone else is their own listen.
    await compliance.agent.get(`/api/v1/calls/${callId}/audio`).buffer(true).parse(binaryBody);
    expect(await entries('listen')).toHaveLength(2);
  });

  it('audits a listen whatever range form delivers the audio', async () => {
    const whole = await compliance.agent.get(`/api/v1/calls/${callId}/audio`).buffer(true).parse(binaryBody);
    const size = (whole.body as Buffer).length;
    for (const range of ['bytes=-99999999', 'bytes=00-', 'bytes=1-', 'bytes= 5-10', `bytes=${size - 10}-`]) {
      const user = await addUser(api, 'qa_supervisor');
      const listener = await login(api.app, user);
      const res = await listener.agent
        .get(`/api/v1/calls/${callId}/audio`)
        .set('Range', range)
        .buffer(true)
        .parse(binaryBody);
      expect(res.status, range).toBe(206);
      expect((res.body as Buffer).length, range).toBeGreaterThan(0);
      const mine = (await entries('listen')).filter((e) => e.actorName === user.username);
      expect(mine, range).toHaveLength(1);
      expect(mine[0]!.details, range).toMatchObject({ kind: 'original', range });
    }
  });

  it('records views of a call, and marks the original audio as unredacted when a redacted copy exists', async () => {
    await qa.agent.get(`/api/v1/calls/${callId}`);
    expect(await entries('view_call')).toHaveLength(1);
    const other = await uploadCall(api, { agentId: 'A9' });
    const original = await api.database.handle.db
      .selectFrom('recordings')
      .selectAll()
      .where('call_id', '=', other)
      .executeTakeFirstOrThrow();
    await api.database.handle.db
      .insertInto('recordings')
      .values({
        ...original,
        id: undefined,
        kind: 'redacted',
        object_key: `${original.object_key}.redacted`,
      } as never)
      .execute();
    // QA may not hear sensitive data: it gets the redacted copy, a plain listen. Compliance hears the original.
    await qa.agent.get(`/api/v1/calls/${other}/audio`).buffer(true).parse(binaryBody);
    expect(await entries('listen', other)).toHaveLength(1);
    expect(await entries('listen_unredacted', other)).toHaveLength(0);
    await compliance.agent.get(`/api/v1/calls/${other}/audio`).buffer(true).parse(binaryBody);
    expect(await entries('listen_unredacted', other)).toHaveLength(1);
  });

  it('lists the log for compliance, newest first, filtered and paginated', async () => {
    const res = await compliance.agent.get(`/api/v1/audit?callId=${callId}&action=listen,download&limit=2`);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    expect(Number(res.body.items[0].id)).toBeGreaterThan(Number(res.body.items[1].id));
    expect(res.body.nextCursor).toBe(res.body.items[1].id);
    const next = await compliance.agent.get(
      `/api/v1/audit?callId=${callId}&action=listen,download&limit=2&cursor=${res.body.nextCursor}`,
    );
    expect(next.body.items.length).toBeGreaterThan(0);
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(res.body.nextCursor));
    const byActor = await compliance.agent.get(`/api/v1/audit?actor=${qaName}&limit=100`);
    expect(byActor.body.items.every((e: { actorName: string }) => e.actorName === qaName)).toBe(true);
    expect((await qa.agent.get('/api/v1/audit')).status).toBe(403);
  });

  it('exports the log as CSV, and records the export', async () => {
    const res = await compliance.agent.get(`/api/v1/audit.csv?callId=${callId}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="escucha-audit-.*\.csv"/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,at,actor_type,actor_id,actor_name,actor_role,action,call_id,target_type,target_id,client_ip,user_agent,details,hash',
    );
    const listen = lines.find((l) => l.includes(',listen,') && l.includes(qaName))!;
    expect(listen).toContain(callId);
    expect(listen).toContain(qaName);
    expect(listen).toContain('"{""kind"":""original"",""range"":""bytes=0-99""}"');
    const exportEvent = (await api.accounts.audit.list({ actions: ['export'], limit: 1 })).items[0]!;
    expect(exportEvent).toMatchObject({ actorRole: 'compliance_officer', targetType: 'audit_log' });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of the log in the database itself', async () => {
    const db = api.database.handle.db;
    const { sql } = await import('kysely');
    await expect(sql`UPDATE audit_log SET action = 'x'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(db)).rejects.toThrow(/append-only/);
  });

  it('keeps one unbroken chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        api.accounts.audit.append(
          { type: 'system', id: 't', name: 'test', role: null },
          { ip: null, userAgent: null },
          {
            action: 'concurrency',
            details: { i, nested: { b: 2, a: [1, 'two', null] }, text: 'acentuación ñ' },
          },
        ),
      ),
    );
    const verify = await compliance.agent.get('/api/v1/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    expect(verify.body.checked).toBeGreaterThan(25);
  });

  it('pinpoints the first altered entry when someone with superuser rights tampers with the log', async () => {
    const victim = (await api.accounts.audit.list({ actions: ['listen'], callId, limit: 1 })).items[0]!;
    // The test database belongs to the PostgreSQL superuser, who can switch the trigger off.
    const admin = new pg.Client({ connectionString: api.database.url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
      await admin.query(`UPDATE audit_log SET actor_name = 'someone-else' WHERE id = $1`, [victim.id]);
      await admin.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    } finally {
      await admin.end();
    }
    const res = await compliance.agent.get('/api/v1/audit/verify');
    expect(res.body.ok).toBe(false);
    expect(res.body.firstBad).toMatchObject({ id: victim.id, problem: 'hash' });
    expect(res.body.checked).toBe(Number(victim.id) - 1);
  });
});

describe('audit trail: a deleted entry', () => {
  let api: AccountsTestApi;
  beforeAll(async () => {
    api = await createAccountsTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('breaks the link of the entry after it', async () => {
    const actor = { type: 'system' as const, id: 't', name: 'test', role: null };
    const client = { ip: null, userAgent: null };
    const made = [];
    for (let i = 0; i < 4; i += 1)
      made.push(await api.accounts.audit.append(actor, client, { action: `step-${i}` }));
    expect((await api.accounts.audit.verify()).ok).toBe(true);
    const admin = new pg.Client({ connectionString: api.database.url });
    await admin.connect();
    await admin.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await admin.query('DELETE FROM audit_log WHERE id = $1', [made[1]!.id]);
    await admin.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    await admin.end();
    const r = await api.accounts.audit.verify();
    expect(r.ok).toBe(false);
    expect(r.firstBad).toMatchObject({ id: made[2]!.id, problem: 'link' });
  });
});

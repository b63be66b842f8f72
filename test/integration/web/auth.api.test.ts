import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, createAccountsTestApi, login, type AccountsTestApi } from './web-support.ts';

describe('POST /api/v1/auth/login', () => {
  let api: AccountsTestApi;
  beforeAll(async () => {
    api = await createAccountsTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('signs in with username and password, setting an httpOnly SameSite=Lax session cookie', async () => {
    const user = await addUser(api, 'qa_supervisor');
    const res = await request(api.app)
      .post('/api/v1/auth/login')
      .send({ username: user.username.toUpperCase(), password: user.password });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: user.username, role: 'qa_supervisor', failedLogins: 0 });
    expect(res.body.user.passwordHash).toBeUndefined();
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const [cookie, device] = res.headers['set-cookie'] as unknown as string[];
    expect(cookie).toMatch(/^escucha_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    // The device cookie goes only to the sign-in route, for 180 days.
    expect(device).toMatch(
      /^escucha_device=[A-Za-z0-9_.~-]+; Path=\/api\/v1\/auth\/login; HttpOnly; SameSite=Lax; Max-Age=15552000$/,
    );
    const row = await api.database.handle.db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('marks the cookie Secure when the request came over HTTPS through a trusted proxy, and trusts none by default', async () => {
    const user = await addUser(api, 'trainer');
    const direct = await request(api.app)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-Proto', 'https')
      .set('X-Forwarded-For', '203.0.113.9')
      .send({ username: user.username, password: user.password });
    expect(direct.status).toBe(200);
    expect(String(direct.headers['set-cookie'])).not.toMatch(/; Secure/);
    const login = (await api.accounts.audit.list({ actions: ['login'], limit: 1 })).items[0]!;
    expect(login.clientIp).not.toContain('203.0.113.9');

    const proxied = await createAccountsTestApi({ trustProxy: 'loopback' });
    try {
      const other = await addUser(proxied, 'trainer');
      const res = await request(proxied.app)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-For', '203.0.113.9')
        .send({ username: other.username, password: other.password });
      expect(res.status).toBe(200);
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure$/);
      const entry = (await proxied.accounts.audit.list({ actions: ['login'], limit: 1 })).items[0]!;
      expect(entry.clientIp).toBe('203.0.113.9');
    } finally {
      await proxied.close();
    }
  });

  it('refuses a login posted as a form (a cross-site form cannot send JSON)', async () => {
    const user = await addUser(api, 'trainer');
    const res = await request(api.app)
      .post('/api/v1/auth/login')
      .type('form')
      .send({ username: user.username, password: user.password });
    expect(res.status).toBe(415);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('answers the same 401 for an unknown user and a wrong password, and audits both', async () => {
    const user = await addUser(api, 'trainer');
    const unknown = await request(api.app)
      .post('/api/v1/auth/login')
      .send({ username: 'nobody-here', password: 'whatever-password' });
    const wrong = await request(api.app)
      .post('/api/v1/auth/login')
      .send({ username: user.username, password: 'not-the-password' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    const audit = await api.accounts.audit.list({ actions: ['login_failed'], limit: 50 });
    const reasons = audit.items.map((e) => [e.details.username, e.details.reason]);
    expect(reasons).toContainEqual(['nobody-here', 'unknown user']);
    expect(reasons).toContainEqual([user.username, 'wrong password']);
  });

  it('slows further tries of one name from one address, the same for unknown names, and never locks a user out', async () => {
    const proxied = await createAccountsTestApi({
      trustProxy: 'loopback',
      loginPolicy: { maxFailures: 3, lockMs: 60_000, maxFailuresPerAddress: 100 },
    });
    try {
      const user = await addUser(proxied, 'compliance_officer');
      const attempt = (username: string, password: string, from: string) =>
        request(proxied.app)
          .post('/api/v1/auth/login')
          .set('X-Forwarded-For', from)
          .send({ username, password });
      const tries = async (username: string, from: string) => {
        const answers: { status: number; code: string }[] = [];
        for (let i = 0; i < 3; i += 1) {
          const res = await attempt(username, `wrong-${i}-password`, from);
          answers.push({ status: res.status, code: res.body.error.code });
        }
        // The fourth, right away, even with the right password: wait first.
        const fourth = await attempt(username, user.password, from);
        answers.push({ status: fourth.status, code: fourth.body.error?.code });
        expect(Number(fourth.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        return answers;
      };
      const known = await tries(user.username, '198.51.100.7');
      const unknown = await tries('nobody-at-all', '198.51.100.7');
      expect(known).toEqual([
        { status: 401, code: 'UNAUTHENTICATED' },
        { status: 401, code: 'UNAUTHENTICATED' },
        { status: 401, code: 'UNAUTHENTICATED' },
        { status: 429, code: 'TOO_MANY_REQUESTS' },
      ]);
      expect(unknown).toEqual(known);
      // Nothing is locked: the user signs in from their own address at once, and the account row is not locked.
      const own = await attempt(user.username, user.password, '203.0.113.20');
      expect(own.status).toBe(200);
      const row = await proxied.database.handle.db
        .selectFrom('users')
        .select(['locked_until', 'failed_logins'])
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ locked_until: null, failed_logins: 0 });
      // The delay passes by itself (1 s after the third failure).
      await new Promise((r) => setTimeout(r, 1100));
      expect((await attempt(user.username, user.password, '198.51.100.7')).status).toBe(200);
      const throttled = await proxied.accounts.audit.list({ actions: ['login_throttled'], limit: 10 });
      expect(throttled.items.map((e) => e.details.username).sort()).toEqual(
        ['nobody-at-all', user.username].sort(),
      );
    } finally {
      await proxied.close();
    }
  });

  it('resets the failure counter after a successful login', async () => {
    const user = await addUser(api, 'trainer');
    for (let i = 0; i < 4; i += 1) {
      await request(api.app)
        .post('/api/v1/auth/login')
        .send({ username: user.username, password: 'bad-password' });
    }
    await login(api.app, user);
    const res = await request(api.app)
      .post('/api/v1/auth/login')
      .send({ username: user.username, password: 'bad-password' });
    expect(res.body.error.message).not.toMatch(/locked/);
  });

  it('refuses a disabled account', async () => {
    const user = await addUser(api, 'trainer');
    await api.accounts.users.update(user.id, { disabled: true });
    const res = await request(api.app)
      .post('/api/v1/auth/login')
      .send({ username: user.username, password: user.password });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/disabled/);
  });
});

describe('session authentication', () => {
  let api: AccountsTestApi;
  beforeAll(async () => {
    api = await createAccountsTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers /auth/me with the principal, the CSRF token and what the server offers', async () => {
    const user = await addUser(api, 'qa_supervisor', { languages: ['es'], teams: ['bogota-1'] });
    const s = await login(api.app, user);
    const me = await s.agent.get('/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.body.principal).toMatchObject({
      kind: 'user',
      role: 'qa_supervisor',
      username: user.username,
      scope: { languages: ['es'], teams: ['bogota-1'] },
    });
    expect(me.body.csrfToken).toBe(s.csrf);
    expect(me.body.capabilities.routes).toContain('GET /calls/:id/audio');
    expect(me.body.capabilities.routes).toContain('GET /audit.csv');
    expect(me.body.capabilities.searchParams).toContain('campaign');
  });

  it('needs the CSRF token on unsafe requests made with the cookie', async () => {
    const user = await addUser(api, 'trainer');
    const s = await login(api.app, user);
    const without = await s.agent.post('/api/v1/collections').send({ name: 'Openings' });
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('CSRF_INVALID');
    expect(without.body.error.message).toMatch(/CSRF/);
    const wrong = await s.agent
      .post('/api/v1/collections')
      .set('X-CSRF-Token', 'x'.repeat(32))
      .send({ name: 'Openings' });
    expect(wrong.status).toBe(403);
    const right = await s.agent
      .post('/api/v1/collections')
      .set('X-CSRF-Token', s.csrf)
      .send({ name: 'Openings' });
    expect(right.status).toBe(201);
  });

  it('still accepts API keys, with no CSRF token (no ambient credential)', async () => {
    const res = await request(api.app)
      .post('/api/v1/retention/policies')
      .set('Authorization', `Bearer ${api.adminKey}`)
      .send({ name: 'drop after 10 years', maxAgeDays: 3650, action: 'delete' });
    expect(res.status).toBe(201);
    const calls = await request(api.app).get('/api/v1/calls').set('X-Api-Key', api.adminKey);
    expect(calls.status).toBe(200);
  });

  it('ends the session on logout', async () => {
    const user = await addUser(api, 'agent', { agentId: 'A1' });
    const s = await login(api.app, user);
    const out = await s.agent.post('/api/v1/auth/logout').set('X-CSRF-Token', s.csrf);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/escucha_session=; .*Max-Age=0/);
    const again = await request(api.app).get('/api/v1/auth/me').set('Cookie', s.cookie);
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/session has ended/);
  });

  it('ends every session of a user an admin disables', async () => {
    const user = await addUser(api, 'trainer');
    const s = await login(api.app, user);
    const res = await request(api.app)
      .patch(`/api/v1/users/${user.id}`)
      .set('Authorization', `Bearer ${api.adminKey}`)
      .send({ disabled: true });
    expect(res.status).toBe(200);
    expect((await s.agent.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('ends a session that was idle longer than the idle timeout', async () => {
    const user = await addUser(api, 'trainer');
    const s = await login(api.app, user);
    await api.database.handle.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 2 * 60 * 60_000) })
      .where('user_id', '=', user.id)
      .execute();
    expect((await s.agent.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('changes the own password with the current one, ending other sessions', async () => {
    const user = await addUser(api, 'trainer');
    const first = await login(api.app, user);
    const second = await login(api.app, user);
    const bad = await second.agent
      .post('/api/v1/auth/password')
      .set('X-CSRF-Token', second.csrf)
      .send({ currentPassword: 'not-it-at-all', newPassword: 'a-new-password-1' });
    expect(bad.status).toBe(403);
    const short = await second.agent
      .post('/api/v1/auth/password')
      .set('X-CSRF-Token', second.csrf)
      .send({ currentPassword: user.password, newPassword: 'short' });
    expect(short.status).toBe(400);
    const ok = await second.agent
      .post('/api/v1/auth/password')
      .set('X-CSRF-Token', second.csrf)
      .send({ currentPassword: user.password, newPassword: 'a-new-password-1' });
    expect(ok.status).toBe(200);
    expect((await first.agent.get('/api/v1/auth/me')).status).toBe(401);
    // The answer carried a fresh cookie for this browser.
    const me = await second.agent.get('/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.csrfToken).toBe(ok.body.csrfToken);
    await login(api.app, { username: user.username, password: 'a-new-password-1' });
  });
});

describe('GET/POST/PATCH /api/v1/users', () => {
  let api: AccountsTestApi;
  beforeAll(async () => {
    api = await createAccountsTestApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it('lets an admin create a user with a generated password shown once, and audits it', async () => {
    const admin = await addUser(api, 'admin');
    const s = await login(api.app, admin);
    const res = await s.agent
      .post('/api/v1/users')
      .set('X-CSRF-Token', s.csrf)
      .send({
        username: 'Laura.QA',
        displayName: 'Laura Ruiz',
        role: 'qa_supervisor',
        languages: ['es'],
        teams: ['t1'],
      });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ username: 'laura.qa', role: 'qa_supervisor', languages: ['es'] });
    expect(res.body.password).toMatch(/^[A-Za-z0-9_-]{18}$/);
    await login(api.app, { username: 'laura.qa', password: res.body.password as string });
    const list = await s.agent.get('/api/v1/users');
    expect(list.body.items.map((u: { username: string }) => u.username)).toContain('laura.qa');
    const audit = await api.accounts.audit.list({ actions: ['user_create'], limit: 5 });
    expect(audit.items[0]).toMatchObject({ actorName: admin.username, targetId: res.body.user.id });
  });

  it('refuses an agent without agent id, a duplicate username, and a non-admin', async () => {
    const admin = await addUser(api, 'admin');
    const s = await login(api.app, admin);
    const agent = await s.agent
      .post('/api/v1/users')
      .set('X-CSRF-Token', s.csrf)
      .send({ username: 'ag1', displayName: 'Agent', role: 'agent' });
    expect(agent.status).toBe(400);
    const dup = await s.agent
      .post('/api/v1/users')
      .set('X-CSRF-Token', s.csrf)
      .send({ username: admin.username, displayName: 'Again', role: 'trainer' });
    expect(dup.status).toBe(409);
    const trainer = await login(api.app, await addUser(api, 'trainer'));
    const forbidden = await trainer.agent
      .post('/api/v1/users')
      .set('X-CSRF-Token', trainer.csrf)
      .send({ username: 'x1', displayName: 'X', role: 'admin' });
    expect(forbidden.status).toBe(403);
  });

  it('records what changed when an admin edits a user, and resets a password', async () => {
    const admin = await addUser(api, 'admin');
    const s = await login(api.app, admin);
    const user = await addUser(api, 'qa_supervisor');
    const res = await s.agent
      .patch(`/api/v1/users/${user.id}`)
      .set('X-CSRF-Token', s.csrf)
      .send({ teams: ['bogota-2'], displayName: 'Renamed' });
    expect(res.status).toBe(200);
    const audit = await api.accounts.audit.list({ actions: ['user_update'], limit: 1 });
    expect(audit.items[0]!.details.changes).toEqual({
      displayName: { from: 'Test qa supervisor', to: 'Renamed' },
      teams: { from: [], to: ['bogota-2'] },
    });
    const reset = await s.agent
      .post(`/api/v1/users/${user.id}/password`)
      .set('X-CSRF-Token', s.csrf)
      .send({});
    expect(reset.status).toBe(200);
    await login(api.app, { username: user.username, password: reset.body.password as string });
    const self = await s.agent
      .patch(`/api/v1/users/${admin.id}`)
      .set('X-CSRF-Token', s.csrf)
      .send({ disabled: true });
    expect(self.status).toBe(409);
  });
});

describe('sign-in throttling per account, for clients without its device cookie', () => {
  let api: AccountsTestApi;

  beforeAll(async () => {
    // Addresses come from X-Forwarded-For, which only a trusted proxy (here loopback, supertest's) may set.
    api = await createAccountsTestApi({
      trustProxy: 'loopback',
      loginPolicy: { maxFailuresPerAccount: 4, accountWindowMs: 60_000, lockMs: 60_000, maxFailures: 5 },
    });
  });

  afterAll(async () => {
    await api?.close();
  });

  const attempt = (username: string, password: string, from: string, cookie?: string) => {
    const req = request(api.app).post('/api/v1/auth/login').set('X-Forwarded-For', from);
    if (cookie) req.set('Cookie', cookie);
    return req.send({ username, password });
  };
  const deviceCookieOf = (res: { headers: Record<string, unknown> }) =>
    ((res.headers['set-cookie'] as string[]).find((c) => c.startsWith('escucha_device=')) ?? '').split(
      ';',
    )[0]!;

  it('slows every client without the device cookie once many addresses failed on one name, the same for an unknown name, and never the owner with one', async () => {
    const user = await addUser(api, 'qa_supervisor');
    const email = `${user.username}@example.test`;
    await api.accounts.users.update(user.id, { email });
    const other = await addUser(api, 'qa_supervisor');
    // Earlier, the owner signed in on their own browser, which keeps the device cookie.
    const earlier = await attempt(user.username, user.password, '203.0.113.50');
    expect(earlier.status).toBe(200);
    const device = deviceCookieOf(earlier);
    expect(device).toMatch(/^escucha_device=./);
    const elsewhere = deviceCookieOf(await attempt(other.username, other.password, '203.0.113.51'));

    // A botnet: every try from a new address, so neither the address nor the pair throttle ever applies.
    let host = 1;
    const guessing = async (username: string) => {
      const answers: { status: number; code: string; retryAfter: number }[] = [];
      for (let i = 0; i < 6; i += 1) {
        const res = await attempt(username, `guess-${i}-password`, `198.51.100.${host++}`);
        answers.push({
          status: res.status,
          code: res.body.error.code,
          retryAfter: Number(res.headers['retry-after'] ?? 0),
        });
      }
      return answers;
    };
    const known = await guessing(user.username);
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 429, 429]);
    expect(known[4]).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(known[4]!.retryAfter).toBeGreaterThanOrEqual(1);
    // An unknown name is counted and answered exactly the same.
    const unknown = await guessing('nobody-by-this-name');
    expect(unknown).toEqual(known);
    // The refusal reads like the per-address one: 429, Retry-After, retryAfterSeconds.
    const refused = await attempt(user.username, user.password, '198.51.100.200');
    expect(refused.status).toBe(429);
    expect(refused.body.error.details.retryAfterSeconds).toBe(Number(refused.headers['retry-after']));
    expect(refused.body.error.message).toMatch(/too many failed sign-ins with this username/);
    // The account is the same whether its username or its email is typed.
    expect((await attempt(email.toUpperCase(), user.password, '198.51.100.199')).status).toBe(429);
    // Neither another account's device cookie nor a forged one makes a client trusted.
    expect((await attempt(user.username, user.password, '198.51.100.201', elsewhere)).status).toBe(429);
    const forged = device.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await attempt(user.username, user.password, '198.51.100.202', forged)).status).toBe(429);

    // The owner, with the device cookie from before, signs in at once, from home or from any other address.
    const own = await attempt(user.username, user.password, '203.0.113.50', device);
    expect(own.status).toBe(200);
    expect((await attempt(user.username, user.password, '192.0.2.77', device)).status).toBe(200);
    expect((await attempt(email, user.password, '192.0.2.78', device)).status).toBe(200);
    // Failures with the device cookie are not counted against the account: four of them (the threshold) leave
    // a client without it free to sign in.
    for (let i = 0; i < 4; i += 1)
      expect(
        (await attempt(other.username, `typo-${i}-password`, `203.0.113.${60 + i}`, elsewhere)).status,
      ).toBe(401);
    expect((await attempt(other.username, other.password, '198.51.100.203')).status).toBe(200);

    const throttled = await api.accounts.audit.list({ actions: ['login_throttled'], limit: 20 });
    expect(throttled.items.map((e) => e.details.reason)).toContain(
      'account, client without its device cookie',
    );
  });
});

describe('sign-in throttling per client address', () => {
  let api: AccountsTestApi;

  beforeAll(async () => {
    api = await createAccountsTestApi({ loginPolicy: { maxFailuresPerAddress: 4, addressWindowMs: 60_000 } });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('answers 429 with Retry-After to an address that failed on many accounts, even for a right password, and audits it', async () => {
    const users = await Promise.all([1, 2, 3].map(() => addUser(api, 'qa_supervisor')));
    const statuses: number[] = [];
    for (const u of [...users, users[0]!]) {
      const res = await request(api.app)
        .post('/api/v1/auth/login')
        .send({ username: u.username, password: 'not-the-password' });
      statuses.push(res.status);
    }
    // four failures on three accounts: no account is locked (5 in a row), the address is
    expect(statuses).toEqual([401, 401, 401, 401]);
    const right = await request(api.app)
      .post('/api/v1/auth/login')
      .send({ username: users[1]!.username, password: users[1]!.password });
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('TOO_MANY_REQUESTS');
    const retry = Number(right.headers['retry-after']);
    expect(retry).toBeGreaterThan(50);
    expect(retry).toBeLessThanOrEqual(60);
    const audit = await api.accounts.audit.list({ actions: ['login_throttled'], limit: 10 });
    expect(audit.items.map((e) => e.details.username)).toEqual([users[1]!.username]);
    const rows = await api.database.handle.db
      .selectFrom('users')
      .select(['failed_logins', 'locked_until'])
      .where('id', '=', users[1]!.id)
      .executeTakeFirstOrThrow();
    expect(rows).toEqual({ failed_logins: 1, locked_until: null });
  });
});

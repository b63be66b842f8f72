import { mkdtemp, rm } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import { binaryBody } from '../../support/http.ts';
import { callSearchSchema } from '../../../models/call.ts';
import { searchConditions } from '../../../services/api/calls/call-query.repository.ts';

const FULL = {
  startedAt: '2026-11-23T10:15:02Z',
  endedAt: '2026-11-23T10:15:04Z',
  direction: 'outbound',
  callerNumber: '+57 601 555 0101',
  calleeNumber: '+57 (300) 123-4567',
  agentId: 'A0042',
  agentName: 'Carolina Gómez',
  team: 'team-bogota',
  customerRef: 'CUST-0099123',
  reason: 'collection',
  disposition: 'PTP',
  product: 'credit_card',
  campaign: 'late-stage',
  daysPastDue: 95,
  amountDue: 2500000,
  currency: 'cop',
  region: 'Bogotá',
  language: 'es',
  sipCallId: 'a84b4c76e66710@pc33.example.com',
  externalId: 'crm-1',
  custom: { tier: 'gold', portfolio: 17, vip: true },
};

const OTHER = {
  startedAt: '2026-10-02T15:00:00Z',
  direction: 'inbound',
  callerNumber: '+52 55 8799 2947',
  calleeNumber: '+57 601 555 0202',
  agentId: 'A0007',
  agentName: 'Andrés López',
  team: 'team-cdmx',
  customerRef: 'CUST-0000001',
  reason: 'dispute',
  disposition: 'NO_ANSWER',
  product: 'auto_loan',
  campaign: 'early-stage',
  daysPastDue: 10,
  amountDue: 900,
  currency: 'MXN',
  region: 'CDMX',
  language: 'en',
  externalId: 'crm-2',
  custom: { tier: 'silver', portfolio: 3, vip: false },
};

describe('GET /api/v1/calls', () => {
  let api: TestApi;
  let dir: string;
  let full: string;
  let other: string;
  const auth = () => ({ Authorization: `Bearer ${api.adminKey}` });

  beforeAll(async () => {
    api = await createTestApi();
    dir = await mkdtemp('/tmp/escucha-search-');
    const file = await makeFixture(dir, 'wav-pcm', { seconds: 2, channels: 2, sampleRate: 8000 });
    const longer = await makeFixture(dir, 'wav-pcm', { seconds: 3.5, channels: 2, sampleRate: 8000 });
    const upload = async (metadata: object, recording = file) => {
      const res = await request(api.app)
        .post('/api/v1/recordings')
        .set(auth())
        .attach('file', recording)
        .field('metadata', JSON.stringify(metadata));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    full = await upload(FULL);
    other = await upload(OTHER, longer);
  });
  afterAll(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const search = async (query: Record<string, string>) => {
    const res = await request(api.app).get('/api/v1/calls').query(query).set(auth());
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.items as { id: string }[]).map((i) => i.id);
  };

  const filters: [string, Record<string, string>][] = [
    ['time range', { from: '2026-11-23T00:00:00Z', to: '2026-11-24T00:00:00Z' }],
    ['direction', { direction: 'outbound' }],
    ['caller number (partial)', { callerNumber: '5550101' }],
    ['callee number (partial)', { calleeNumber: '3001234' }],
    ['either number (partial, typed with separators)', { number: '300-123' }],
    ['agent id', { agentId: 'A0042' }],
    ['agent name (partial, any case)', { agentName: 'carolina gó' }],
    ['agent name without its accents', { agentName: 'Gomez' }],
    ['agent name in upper case', { agentName: 'CAROLINA GÓMEZ' }],
    ['team', { team: 'team-bogota' }],
    ['customer ref', { customerRef: 'CUST-0099123' }],
    ['reason', { reason: 'collection' }],
    ['disposition', { disposition: 'PTP' }],
    ['several dispositions', { disposition: 'PTP,PAID' }],
    ['product', { product: 'credit_card' }],
    ['campaign', { campaign: 'late-stage' }],
    ['days past due range', { minDaysPastDue: '90', maxDaysPastDue: '120' }],
    ['amount due range', { minAmountDue: '1000000' }],
    ['currency', { currency: 'COP' }],
    ['region', { region: 'Bogotá' }],
    ['language', { language: 'es' }],
    ['SIP Call-ID', { sipCallId: 'a84b4c76e66710@pc33.example.com' }],
    ['external id', { externalId: 'crm-1' }],
    ['duration range', { minDurationMs: '1500', maxDurationMs: '2500' }],
    ['source', { source: 'upload', campaign: 'late-stage' }],
    ['custom string field', { 'custom.tier': 'gold' }],
    ['custom number field', { 'custom.portfolio': '17' }],
    ['custom boolean field', { 'custom.vip': 'true' }],
  ];
  for (const [name, query] of filters) {
    it(`finds a call by ${name}`, async () => {
      const ids = await search(query);
      expect(ids).toContain(full);
      expect(ids).not.toContain(other);
    });
  }

  it('finds an accented agent name typed without accents, and only that agent', async () => {
    expect(await search({ agentName: 'andres lopez' })).toEqual([other]);
  });

  it("folds each call's agent name where the names are not looked up first (a legal hold on a query)", async () => {
    const q = callSearchSchema.parse({ agentName: 'ANDRES LOPEZ' });
    const rows = await api.services.database.db
      .selectFrom('calls')
      .select('id')
      .where((eb) => eb.and(searchConditions(eb, q)))
      .execute();
    expect(rows.map((r) => r.id)).toEqual([other]);
  });

  it('finds a call by an agent name given after it was archived', async () => {
    const db = api.services.database.db;
    await db.updateTable('calls').set({ agent_name: 'Íñigo Nuñez' }).where('id', '=', other).execute();
    try {
      expect(await search({ agentName: 'inigo nun' })).toEqual([other]);
    } finally {
      await db.updateTable('calls').set({ agent_name: OTHER.agentName }).where('id', '=', other).execute();
    }
  });

  it('answers a search only once its audit row is written, and fails it when the row cannot be', async () => {
    const audit = api.accounts.auditor.repository;
    const before = (await audit.head())?.id;
    const res = await request(api.app).get('/api/v1/calls').query({ campaign: 'late-stage' }).set(auth());
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([full]);
    const head = (await audit.list({ actions: ['search'], limit: 1 })).items[0]!;
    expect(head.id).not.toBe(before);
    expect(head.details).toEqual({ query: { campaign: 'late-stage' } });

    const failing = vi.spyOn(audit, 'append').mockRejectedValueOnce(new Error('audit log unavailable'));
    try {
      const refused = await request(api.app)
        .get('/api/v1/calls')
        .query({ campaign: 'late-stage' })
        .set(auth());
      expect(refused.status).toBe(500);
      expect(refused.body.items).toBeUndefined();
      expect(JSON.stringify(refused.body)).not.toContain(full);
    } finally {
      failing.mockRestore();
    }
  });

  it('returns nothing when a filter matches no call', async () => {
    expect(await search({ agentId: 'A9999' })).toEqual([]);
    expect(await search({ number: '999999' })).toEqual([]);
  });

  it('sorts and pages with a cursor without repeating or skipping calls', async () => {
    const newestFirst = await search({});
    expect(newestFirst).toEqual([full, other]);
    const oldestFirst = await search({ sort: 'startedAt' });
    expect(oldestFirst).toEqual([other, full]);
    const page1 = await request(api.app).get('/api/v1/calls').query({ limit: '1' }).set(auth());
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await request(api.app)
      .get('/api/v1/calls')
      .query({ limit: '1', cursor: page1.body.nextCursor })
      .set(auth());
    expect(page2.body.items.map((i: { id: string }) => i.id)).toEqual([other]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('rejects bad filters with 400 naming the field', async () => {
    for (const query of [
      { limit: '0' },
      { from: 'last week' },
      { direction: 'up' },
      { cursor: 'garbage' },
      { nope: '1' },
      { number: '12' },
      { sort: 'agent' },
    ]) {
      const res = await request(api.app).get('/api/v1/calls').query(query).set(auth());
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.body.error.code).toBe('INVALID_QUERY');
    }
  });

  it('returns metadata, participants and recording info for one call', async () => {
    const res = await request(api.app).get(`/api/v1/calls/${full}`).set(auth());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: full,
      callerNumber: '+576015550101',
      calleeNumber: '+573001234567',
      currency: 'COP',
      amountDue: 2500000,
      source: 'upload',
      custom: FULL.custom,
      durationMs: 2000,
    });
    expect(res.body.participants).toEqual([
      { role: 'agent', channel: 0, name: 'Carolina Gómez', number: '+576015550101', participantRef: 'A0042' },
      { role: 'customer', channel: 1, name: null, number: '+573001234567', participantRef: 'CUST-0099123' },
    ]);
    expect(res.body.recordings[0]).toMatchObject({
      kind: 'original',
      channels: 2,
      sampleRate: 16000,
      format: 'ogg',
    });
    expect(res.body.recordings[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('GET /api/v1/calls/:id/audio', () => {
    const get = (range?: string) => {
      const r = request(api.app)
        .get(`/api/v1/calls/${full}/audio`)
        .set(auth())
        .buffer(true)
        .parse(binaryBody);
      return range ? r.set('Range', range) : r;
    };

    it('returns exactly the requested bytes with 206', async () => {
      const whole = (await get()).body as Buffer;
      expect(whole.length).toBeGreaterThan(200);
      const cases: [string, number, number][] = [
        ['bytes=10-99', 10, 99],
        ['bytes=0-0', 0, 0],
        [`bytes=100-`, 100, whole.length - 1],
        ['bytes=-50', whole.length - 50, whole.length - 1],
        [`bytes=5-${whole.length + 1000}`, 5, whole.length - 1],
      ];
      for (const [range, start, end] of cases) {
        const res = await get(range);
        expect(res.status, range).toBe(206);
        expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${whole.length}`);
        expect(Number(res.headers['content-length'])).toBe(end - start + 1);
        expect((res.body as Buffer).equals(whole.subarray(start, end + 1)), range).toBe(true);
      }
    });

    it('answers 416 for a range outside the recording', async () => {
      const res = await get('bytes=99999999-');
      expect(res.status).toBe(416);
      expect(res.headers['content-range']).toMatch(/^bytes \*\/\d+$/);
    });
  });
});

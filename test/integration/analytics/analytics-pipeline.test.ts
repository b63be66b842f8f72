import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MuteRange } from '../../../services/analytics/index.ts';
import { ApiKeyRepository } from '../../../services/api/auth/api-key.repository.ts';
import { createAnalyticsHarness, pcm, rms, type AnalyticsHarness } from './analytics.harness.ts';

/** A collection call whose agent never gives the recording or data notice (Colombian profile). */
const NO_DISCLOSURE = [
  {
    party: 'agent' as const,
    startMs: 500,
    endMs: 5000,
    text: 'buenos días le habla laura de cobranzas del norte hablo con el señor ramírez',
  },
  { party: 'customer' as const, startMs: 5500, endMs: 7000, text: 'sí con él' },
  {
    party: 'agent' as const,
    startMs: 7500,
    endMs: 12000,
    text: 'le llamo porque tiene un saldo vencido de cuatrocientos mil pesos',
  },
  {
    party: 'customer' as const,
    startMs: 12500,
    endMs: 16000,
    text: 'no tengo plata y si siguen molestando voy a llamar a mi abogado',
  },
  {
    party: 'agent' as const,
    startMs: 16500,
    endMs: 19000,
    text: 'entiendo muchas gracias que tenga buen día',
  },
];

/** A call with every notice, where the customer reads a card number aloud and promises a payment. */
const CARD_READ_ALOUD = [
  {
    party: 'agent' as const,
    startMs: 500,
    endMs: 6000,
    text: 'buenos días le habla laura de cobranzas del norte le informo que esta llamada está siendo grabada por calidad y seguridad',
  },
  {
    party: 'agent' as const,
    startMs: 6200,
    endMs: 11000,
    text: 'sus datos personales serán tratados conforme a la ley mil quinientos ochenta y uno de dos mil doce',
  },
  { party: 'customer' as const, startMs: 11500, endMs: 13000, text: 'sí con él' },
  {
    party: 'agent' as const,
    startMs: 13500,
    endMs: 16000,
    text: 'me confirma los datos de la tarjeta para el pago',
  },
  {
    party: 'customer' as const,
    startMs: 16500,
    endMs: 26000,
    text: 'claro la tarjeta es cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos y el viernes le pago doscientos mil',
  },
  {
    party: 'agent' as const,
    startMs: 26500,
    endMs: 29000,
    text: 'perfecto muchas gracias que tenga buen día',
  },
];

const META = {
  startedAt: '2024-03-13T10:15:00-05:00',
  region: 'CO',
  country: 'CO',
  language: 'es',
  campaign: 'mora-30',
  agentId: 'A-7',
  currency: 'COP',
};

describe('analytics pipeline (upload → analytics → route)', () => {
  let h: AnalyticsHarness;
  let missing: string;
  let card: string;

  beforeAll(async () => {
    h = await createAnalyticsHarness();
    missing = await h.upload(NO_DISCLOSURE, META);
    card = await h.upload(CARD_READ_ALOUD, { ...META, customerRef: 'C-1' });
    await h.settled(missing);
    await h.settled(card);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('puts a call that is missing its disclosure in the Spanish compliance queue', async () => {
    const analysis = await request(h.app)
      .get(`/api/v1/calls/${missing}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(analysis.status).toBe(200);
    const stages = Object.fromEntries(
      (analysis.body.stages as { stage: string; status: string }[]).map((s) => [s.stage, s.status]),
    );
    expect(stages).toMatchObject({ analytics: 'done', route: 'done' });
    expect(analysis.body.analytics.disclosure).toMatchObject({ profile: 'co', outcome: 'missing' });
    // (the customer's anger also sends it to QA for negative sentiment)
    expect(analysis.body.reviewItems).toContainEqual(
      expect.objectContaining({
        queue: 'compliance-es',
        reason: 'disclosure missing',
        priority: 2,
        status: 'open',
      }),
    );
    const queues = await request(h.app)
      .get('/api/v1/review-queues')
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(queues.body.items).toContainEqual(expect.objectContaining({ id: 'compliance-es', open: 1 }));
    const items = await request(h.app)
      .get('/api/v1/review-queues/compliance-es/items')
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(items.body.items.map((i: { callId: string }) => i.callId)).toEqual([missing]);
  });

  it('does not queue the fully disclosed call for compliance', async () => {
    const analysis = await request(h.app)
      .get(`/api/v1/calls/${card}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(analysis.body.analytics.disclosure.outcome).toBe('disclosed');
    expect(analysis.body.analytics.promise.primary).toMatchObject({
      amount: { value: 200000, currency: 'COP' },
      date: '2024-03-15',
    });
    expect(
      analysis.body.reviewItems.filter((i: { queue: string }) => i.queue.startsWith('compliance')),
    ).toEqual([]);
  });

  it('redacts a card number read aloud in the transcript', async () => {
    const res = await request(h.app)
      .get(`/api/v1/calls/${card}/transcript`)
      .query({ redacted: 'true' })
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.status).toBe(200);
    expect(res.body.piiCounts).toEqual({ CARD: 1 });
    const texts = (res.body.segments as { text: string }[]).map((s) => s.text);
    expect(texts[4]).toBe('claro la tarjeta es [CARD] y el viernes le pago doscientos mil');
    expect(JSON.stringify(res.body)).not.toContain('cuatro cinco dos seis');
  });

  it('mutes the card span on the customer channel of the redacted audio, and only there', async () => {
    const detail = await request(h.app)
      .get(`/api/v1/calls/${card}`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    const recordings = detail.body.recordings as { kind: string; objectKey: string; channels: number }[];
    const original = recordings.find((r) => r.kind === 'original')!;
    const redacted = recordings.find((r) => r.kind === 'redacted')!;
    expect(redacted).toBeDefined();
    expect(redacted.objectKey).toMatch(/_redacted\.ogg$/);
    expect(redacted.channels).toBe(2);
    const analysis = await request(h.app)
      .get(`/api/v1/calls/${card}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(JSON.stringify(analysis.body.analytics)).not.toContain('cuatro cinco dos seis');
    const [range] = analysis.body.analytics.pii.muteRanges as MuteRange[];
    expect(range).toMatchObject({ channel: 1, types: ['CARD'] });
    // the card words sit in the middle of the 16.5–26 s customer segment
    expect(range!.startMs).toBeGreaterThan(16_500);
    expect(range!.endMs).toBeLessThan(26_000);
    const [origCustomer, redCustomer, origAgent, redAgent] = await Promise.all([
      pcm(h, original.objectKey, 1),
      pcm(h, redacted.objectKey, 1),
      pcm(h, original.objectKey, 0),
      pcm(h, redacted.objectKey, 0),
    ]);
    const inside = [range!.startMs + 150, range!.endMs - 150] as const;
    const measured = {
      customerOriginal: rms(origCustomer, ...inside),
      customerRedacted: rms(redCustomer, ...inside),
      agentOriginal: rms(origAgent, ...inside),
      agentRedacted: rms(redAgent, ...inside),
      customerBefore: rms(redCustomer, 2000, 10_000),
    };
    console.log(`RMS in the muted span ${inside[0]}–${inside[1]} ms: ${JSON.stringify(measured)}`);
    expect(measured.customerOriginal).toBeGreaterThan(0.1);
    expect(measured.customerRedacted).toBeLessThan(0.005);
    expect(measured.agentRedacted).toBeGreaterThan(0.1);
    expect(Math.abs(measured.agentRedacted - measured.agentOriginal)).toBeLessThan(0.05);
    expect(measured.customerBefore).toBeGreaterThan(0.1);
  });

  it('serves the redacted copies to roles that may not see sensitive data, and audits the original for those that may', async () => {
    const keys = new ApiKeyRepository(h.database.handle.db);
    const { key: qa } = await keys.create('qa_supervisor', 'qa');
    const { key: compliance } = await keys.create('compliance_officer', 'compliance');
    const get = (key: string, url: string, query: Record<string, string> = {}) =>
      request(h.app).get(url).query(query).set('Authorization', `Bearer ${key}`).buffer(true);
    const detail = await get(h.adminKey, `/api/v1/calls/${card}`);
    const recordings = detail.body.recordings as { kind: string; sha256: string }[];
    const sha = (kind: string) => recordings.find((r) => r.kind === kind)!.sha256.trim();

    // QA: the transcript and audio of the card call come redacted, and asking for the original is refused.
    const qaText = await get(qa, `/api/v1/calls/${card}/transcript`);
    expect(qaText.status).toBe(200);
    expect(qaText.body.redacted).toBe(true);
    expect(JSON.stringify(qaText.body)).not.toContain('cuatro cinco dos seis');
    const qaAudio = await get(qa, `/api/v1/calls/${card}/audio`);
    expect(qaAudio.status).toBe(200);
    expect(qaAudio.headers.etag).toBe(`"${sha('redacted')}"`);
    expect((await get(qa, `/api/v1/calls/${card}/audio`, { kind: 'original' })).status).toBe(403);
    expect((await get(qa, `/api/v1/calls/${card}/transcript`, { redacted: 'false' })).status).toBe(403);

    // Compliance: the originals, each read recorded as unredacted.
    const cText = await get(compliance, `/api/v1/calls/${card}/transcript`);
    expect(cText.body.redacted).toBeUndefined();
    expect(JSON.stringify(cText.body)).toContain('cuatro cinco dos seis');
    const cAudio = await get(compliance, `/api/v1/calls/${card}/audio`);
    expect(cAudio.headers.etag).toBe(`"${sha('original')}"`);
    const audit = await h.database.handle.db
      .selectFrom('audit_log')
      .select(['actor_role', 'action'])
      .where('call_id', '=', card)
      .where('actor_role', 'in', ['qa_supervisor', 'compliance_officer'])
      .orderBy('id')
      .execute();
    expect(audit.filter((a) => a.actor_role === 'qa_supervisor').map((a) => a.action)).toEqual([
      'view_transcript',
      'listen',
    ]);
    expect(audit.filter((a) => a.actor_role === 'compliance_officer').map((a) => a.action)).toEqual([
      'view_unredacted',
      'listen_unredacted',
    ]);
  });

  it('filters calls by analytics results', async () => {
    const ids = async (query: Record<string, string>) => {
      const res = await request(h.app)
        .get('/api/v1/calls')
        .query(query)
        .set('Authorization', `Bearer ${h.adminKey}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.items as { id: string }[]).map((c) => c.id).sort();
    };
    expect(await ids({ disclosure: 'missing' })).toEqual([missing]);
    expect(await ids({ disclosure: 'disclosed,partial' })).toEqual([card]);
    expect(await ids({ redacted: 'true' })).toEqual([card]);
    expect(await ids({ redacted: 'false' })).toEqual([missing]);
    expect(await ids({ promiseToPay: 'true' })).toEqual([card]);
    expect(await ids({ keyword: 'lawyer', party: 'customer' })).toEqual([missing]);
    expect(await ids({ keyword: 'lawyer', party: 'agent' })).toEqual([]);
    expect(await ids({ adherenceBelow: '100' })).toContain(missing);
    const bad = await request(h.app)
      .get('/api/v1/calls')
      .query({ sentimentParty: 'agent' })
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(bad.status).toBe(400);
  });
});

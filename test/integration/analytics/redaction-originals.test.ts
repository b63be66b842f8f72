import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionRepository } from '../../../services/api/retention/retention.repository.ts';
import { createAnalyticsHarness, pcm, rms, type AnalyticsHarness } from './analytics.harness.ts';

const CARD = 'cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos';
const SEGMENTS = [
  {
    party: 'agent' as const,
    startMs: 500,
    endMs: 6000,
    text: 'buenos días le informo que esta llamada está siendo grabada me confirma los datos de la tarjeta',
  },
  {
    party: 'customer' as const,
    startMs: 7000,
    endMs: 17_000,
    text: `claro la tarjeta es ${CARD} y el viernes le pago`,
  },
  { party: 'agent' as const, startMs: 18_000, endMs: 20_000, text: 'muchas gracias que tenga buen día' },
];
const META = { startedAt: '2024-03-11T15:00:00Z', region: 'CO', agentId: 'A-7' };

describe('ESCUCHA_REDACTION_ORIGINALS=discard: only the redacted transcript and audio are kept', () => {
  let h: AnalyticsHarness;
  let discarded: string;
  let held: string;
  let originalKey: string;

  const get = (url: string, query: Record<string, string> = {}) =>
    request(h.app).get(url).query(query).set('Authorization', `Bearer ${h.adminKey}`);

  beforeAll(async () => {
    h = await createAnalyticsHarness({ originals: 'discard' });
    // a legal hold on every call of one campaign, made before its call arrives
    await new RetentionRepository(h.database.handle.db).createHold(
      { query: { campaign: 'litigio' }, reason: 'demanda 2024-117' },
      'compliance',
    );
    discarded = await h.upload(SEGMENTS, { ...META, campaign: 'mora-30' });
    const before = await get(`/api/v1/calls/${discarded}`);
    originalKey = (before.body.recordings as { kind: string; objectKey: string }[]).find(
      (r) => r.kind === 'original',
    )!.objectKey;
    held = await h.upload(SEGMENTS, { ...META, campaign: 'litigio' });
    for (const id of [discarded, held]) {
      const stages = await h.settled(id);
      expect(stages.analytics!.status, JSON.stringify(stages)).toBe('done');
    }
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  it('replaces the transcript text, for every role and for search', async () => {
    expect((await h.stage(discarded, 'analytics')).result.originals).toBe('discarded');
    const text = await get(`/api/v1/calls/${discarded}/transcript`, { redacted: 'false' });
    expect(text.status).toBe(200);
    expect(JSON.stringify(text.body)).not.toContain('cuatro cinco dos seis');
    expect(text.body.segments[1].text).toBe('claro la tarjeta es [CARD] y el viernes le pago');
    const search = await get('/api/v1/calls', { q: 'cuatro cinco dos seis' });
    expect(search.body.items.map((c: { id: string }) => c.id)).not.toContain(discarded);
    expect(
      (await get('/api/v1/calls', { q: 'viernes' })).body.items.map((c: { id: string }) => c.id),
    ).toContain(discarded);
  });

  it('keeps one recording, the muted one, and deletes the unredacted object', async () => {
    const detail = await get(`/api/v1/calls/${discarded}`);
    const recordings = detail.body.recordings as { kind: string; objectKey: string }[];
    expect(recordings.map((r) => r.kind)).toEqual(['original']);
    expect(recordings[0]!.objectKey).toMatch(/_redacted\.ogg$/);
    await expect(h.store.get(originalKey)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    const customer = await pcm(h, recordings[0]!.objectKey, 1);
    const muted = (range: { startMs: number; endMs: number }) =>
      rms(customer, range.startMs + 150, range.endMs - 150);
    const ranges = (await get(`/api/v1/calls/${discarded}/analysis`)).body.analytics.pii.muteRanges;
    expect(muted(ranges[0])).toBeLessThan(0.005);
    expect(rms(customer, 1000, 5000)).toBeGreaterThan(0.1);
    const audit = await h.database.handle.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'details'])
      .where('call_id', '=', discarded)
      .where('action', '=', 'discard_unredacted')
      .execute();
    expect(audit).toEqual([
      {
        action: 'discard_unredacted',
        actor_type: 'system',
        details: expect.objectContaining({ objectKey: originalKey, segments: 1 }),
      },
    ]);
  });

  it('keeps the originals of a call under legal hold', async () => {
    expect((await h.stage(held, 'analytics')).result.originals).toBe('kept: legal hold');
    const text = await get(`/api/v1/calls/${held}/transcript`, { redacted: 'false' });
    expect(JSON.stringify(text.body)).toContain('cuatro cinco dos seis');
    // kept for the roles that may read it, but no search finds the call by the card's digits
    const byCard = await get('/api/v1/calls', { q: 'cuatro cinco dos seis' });
    expect(byCard.status).toBe(200);
    expect(byCard.body.items.map((c: { id: string }) => c.id)).not.toContain(held);
    const byWord = await get('/api/v1/calls', { q: 'tarjeta viernes' });
    expect(byWord.body.items.map((c: { id: string }) => c.id)).toContain(held);
    const detail = await get(`/api/v1/calls/${held}`);
    expect((detail.body.recordings as { kind: string }[]).map((r) => r.kind).sort()).toEqual([
      'original',
      'redacted',
    ]);
  });
});

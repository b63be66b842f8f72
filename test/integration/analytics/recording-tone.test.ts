import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyticsHarness, type AnalyticsHarness } from './analytics.harness.ts';

/** A Mexican collections opening with both spoken notices (profile mx: recorded + aviso de privacidad). */
const OPENING = [
  {
    party: 'agent' as const,
    startMs: 2000,
    endMs: 7000,
    text: 'buenos días le habla laura de cobranzas del norte le informo que esta llamada está siendo grabada',
  },
  {
    party: 'agent' as const,
    startMs: 7500,
    endMs: 11_000,
    text: 'puede consultar nuestro aviso de privacidad en nuestra página web',
  },
  { party: 'customer' as const, startMs: 11_500, endMs: 13_000, text: 'sí está bien' },
];
// A Colombian number, but campaign mora-30 is checked against the Mexican profile (ESCUCHA_DISCLOSURE_CAMPAIGNS).
const META = { startedAt: '2024-03-11T15:00:00Z', region: 'CO', agentId: 'A-7', campaign: 'mora-30' };
const SECONDS = 40;

/** Customer channel: quiet 300 Hz hum, and a 0.4 s 1400 Hz beep every 15 s from 1 s when `beeps`. */
const customer = (beeps: boolean) =>
  `aevalsrc=0.02*sin(2*PI*300*t)${beeps ? '+0.4*sin(2*PI*1400*t)*lt(mod(t-1\\,15)\\,0.4)*gte(t\\,1)' : ''}` +
  `:s=16000:d=${SECONDS}`;

describe('recording tone (vad stage measures it, analytics requires it: ESCUCHA_RECORDING_TONE=required)', () => {
  let h: AnalyticsHarness;
  let withTone: string;
  let withoutTone: string;

  beforeAll(async () => {
    h = await createAnalyticsHarness({
      withVad: true,
      recordingTone: { mode: 'required', frequencyHz: 1400, intervalMs: 15_000 },
      disclosureByCampaign: { 'mora-30': 'mx' },
    });
    withTone = await h.upload(OPENING, META, SECONDS, { right: customer(true) });
    withoutTone = await h.upload(OPENING, META, SECONDS, { right: customer(false) });
    for (const id of [withTone, withoutTone]) {
      const stages = await h.settled(id, ['vad', 'analytics', 'route']);
      expect(stages.analytics!.status, JSON.stringify(stages)).toBe('done');
    }
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  });

  const analysis = async (id: string) => {
    const res = await request(h.app)
      .get(`/api/v1/calls/${id}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.status).toBe(200);
    return res.body as {
      analytics: { disclosure: Record<string, unknown> & { elements: Record<string, unknown>[] } };
    };
  };

  it('finds the beeps on the customer channel of the archived (Opus) recording', async () => {
    const vad = await h.stage(withTone, 'vad');
    // the transcript was uploaded: no voice activity needed, the tones were still measured
    expect(vad).toMatchObject({ status: 'skipped', reason: 'transcript uploaded' });
    expect(vad.result).toEqual({
      tones: [
        { channel: 0, beeps: 0, regular: false, throughout: false, keyPresses: 0 },
        { channel: 1, beeps: 3, regular: true, throughout: true, keyPresses: 0 },
      ],
    });
    const rows = await h.database.handle.db
      .selectFrom('channel_tones')
      .selectAll()
      .where('call_id', '=', withTone)
      .where('channel', '=', 1)
      .executeTakeFirstOrThrow();
    expect(rows.beeps.map((b) => Math.round(b.startMs / 100) / 10)).toEqual([1, 16, 31]);
    expect(rows.mean_interval_ms).toBeGreaterThan(14_900);
    expect(rows.mean_interval_ms).toBeLessThan(15_100);
  });

  it('counts the call with the tone as disclosed, and the one without as partial for lack of it', async () => {
    const ok = (await analysis(withTone)).analytics.disclosure;
    expect(ok).toMatchObject({
      profile: 'mx',
      outcome: 'disclosed',
      recordingTone: { mode: 'required', measured: true, channel: 1, beeps: 3, throughout: true },
    });
    expect(ok.elements.map((e) => e.id)).toEqual(['recorded', 'privacy_notice', 'recording_tone']);
    // The tone is the element's evidence: where it was first heard, its frequency and period.
    const tone = ok.elements[2]!.tone as {
      channel: number;
      startMs: number;
      frequencyHz: number;
      periodMs: number;
    };
    expect(tone).toMatchObject({ channel: 1, beeps: 3 });
    expect(Math.abs(tone.startMs - 1000)).toBeLessThan(100);
    expect(Math.abs(tone.frequencyHz - 1400)).toBeLessThan(30);
    expect(Math.abs(tone.periodMs - 15_000)).toBeLessThan(100);
    const bad = (await analysis(withoutTone)).analytics.disclosure;
    expect(bad).toMatchObject({ outcome: 'partial', missing: ['recording_tone'] });
    expect(bad.recordingTone).toMatchObject({ measured: true, beeps: 0, throughout: false });
  });

  it('lets compliance search the calls that lack it', async () => {
    const res = await request(h.app)
      .get('/api/v1/calls')
      .query({ disclosure: 'partial' })
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([withoutTone]);
  });
});

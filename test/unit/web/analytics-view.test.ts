import { describe, expect, it } from 'vitest';
import { analyzeCall } from '../../../services/analytics/index.ts';
import { createSentimentAnalyzer } from '../../../services/analytics/sentiment/index.ts';
import { readAnalytics } from '../../../services/web/src/analytics-view.ts';
import type { Analysis } from '../../../services/web/src/api.ts';
import { transcript } from '../analytics/matching/transcript.helper.ts';

const call = {
  callId: 'call-1',
  agentId: 'agent-7',
  startedAt: '2024-03-13T10:15:00-05:00',
  region: 'Bogotá',
  country: 'CO',
  language: 'es' as const,
  durationMs: 60_000,
  currency: 'COP',
};

/** The answer of GET /calls/:id/analysis around a stored result (as CallAnalysisService builds it). */
const answer = (result: object): Analysis => ({
  callId: '00000000-0000-4000-8000-000000000001',
  stages: [],
  analytics: { revision: 1, updatedAt: '2024-03-13T15:20:00.000Z', disclosureProfile: 'co', ...result },
  reviewItems: [],
});

describe(readAnalytics.name, () => {
  const t = transcript(
    'a: buenos días le habla laura de cobranzas del norte hablo con el señor ramírez',
    'c: sí con él',
    'a: le llamo porque tiene un saldo vencido de cuatrocientos mil pesos',
    'c: el viernes le pago doscientos mil y si quiere le doy la tarjeta cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos',
    'a: esta llamada está siendo grabada, muchas gracias que tenga buen día',
  );
  const result = analyzeCall(t, call, {
    sentiment: createSentimentAnalyzer(),
    keyPresses: [{ startMs: 40_000, endMs: 40_090 }],
  });
  const view = readAnalytics(answer(JSON.parse(JSON.stringify(result)) as object), call.durationMs)!;

  it('reads each disclosure element with its status and evidence from what the analytics stores', () => {
    expect(view.disclosure).toMatchObject({ profile: 'co', outcome: result.disclosure.outcome });
    expect(view.disclosure!.elements.map((e) => e.id)).toEqual(result.disclosure.elements.map((e) => e.id));
    for (const [i, e] of result.disclosure.elements.entries()) {
      const seen = view.disclosure!.elements[i]!;
      expect(seen.status).toBe(e.outcome === 'given' ? 'on_time' : e.outcome);
      expect(seen.evidence.map((x) => x.startMs)).toEqual(e.evidence.map((x) => x.startMs));
    }
    // the notice is heard, and placed at the first time it was said
    const recorded = view.disclosure!.elements.find((e) => e.id === 'recorded')!;
    expect(recorded.status).not.toBe('missing');
    expect(recorded.atMs).toBe(recorded.evidence[0]!.startMs);
  });

  it('reads each script rule as passed, failed or not applicable with the words heard and when', () => {
    const rules = view.adherence!.rules;
    expect(rules.map((r) => r.id)).toEqual(result.adherence!.rules.map((r) => r.id));
    expect(view.adherence!.score).toBe(result.adherence!.score);
    const greeting = rules.find((r) => r.id === 'greeting')!;
    expect(greeting.status).toBe('passed');
    expect(greeting.evidence[0]!.text).toMatch(/buenos d[ií]as/);
    for (const r of result.adherence!.rules) {
      const seen = rules.find((x) => x.id === r.id)!;
      if (!r.passed) expect(seen.status).toBe('failed');
      else if (r.type === 'order' && r.evidence.length === 0) expect(seen.status).toBe('not_applicable');
      else expect(seen.status).toBe('passed');
    }
  });

  it('reads talk time per party, silence and overtalk, the promise, PII kinds and key tones, never a value', () => {
    expect(view.talk!.agent!.talkMs).toBe(result.talk.speakers.agent!.talkMs);
    expect(view.talk!.customer!.talkMs).toBe(result.talk.speakers.customer!.talkMs);
    expect(view.talk!.silenceMs).toBe(result.talk.silenceMs);
    expect(view.promises!.promised).toBe(true);
    expect(view.promises!.items.find((p) => p.primary)).toMatchObject({
      amount: { value: 200000, currency: 'COP' },
      date: '2024-03-15',
    });
    expect(view.pii!.spans.map((s) => s.type)).toEqual(['CARD']);
    expect(JSON.stringify(view.pii)).not.toMatch(/cuatro|4526/);
    expect(view.keyTones).toHaveLength(1);
  });

  it('keeps the sentiment timeline inside the call', () => {
    const s = view.sentiment!;
    expect(s.points.length).toBeGreaterThan(0);
    expect(s.points.every((p) => p.atMs >= 0 && p.atMs <= call.durationMs)).toBe(true);
    expect(s.parties.map((p) => p.party).sort()).toEqual(['agent', 'customer']);
    // from the 30 s buckets when utterances are not there, never past the end
    const { utterances: _u, ...buckets } = result.sentiment!;
    const short = readAnalytics(answer({ sentiment: buckets }), 45_000)!.sentiment!;
    expect(short.points.length).toBeGreaterThan(0);
    expect(Math.max(...short.points.map((p) => p.atMs))).toBeLessThanOrEqual(45_000);
  });

  it('reads an outcome or status it does not know as it is, and nothing from a call not analysed', () => {
    const late = readAnalytics(
      answer({
        disclosure: {
          outcome: 'late',
          elements: [{ id: 'recorded', description: 'x', status: 'late', atMs: 95_000, evidence: [] }],
        },
      }),
      120_000,
    )!;
    expect(late.disclosure).toMatchObject({ outcome: 'late', elements: [{ status: 'late', atMs: 95_000 }] });
    expect(late.adherence).toBeNull();
    expect(readAnalytics({ ...answer({}), analytics: null }, 1000)).toBeNull();
  });
});

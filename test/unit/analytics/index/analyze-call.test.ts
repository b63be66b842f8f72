import { describe, expect, it } from 'vitest';
import { analyzeCall } from '../../../../services/analytics/index.ts';
import { createSentimentAnalyzer } from '../../../../services/analytics/sentiment/index.ts';
import { transcript } from '../matching/transcript.helper.ts';

const call = {
  callId: 'call-1',
  agentId: 'agent-7',
  startedAt: '2024-03-13T10:15:00-05:00',
  region: 'CO',
  country: 'CO',
  language: 'es' as const,
  durationMs: 60_000,
  currency: 'COP',
};

describe(analyzeCall.name, () => {
  const t = transcript(
    'a: buenos días le habla laura de cobranzas del norte hablo con el señor ramírez',
    'c: sí con él',
    'a: le llamo porque tiene un saldo vencido de cuatrocientos mil pesos',
    'c: el viernes le pago doscientos mil y si quiere le doy la tarjeta cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos',
    'a: muchas gracias que tenga buen día',
  );
  const r = analyzeCall(t, call, { sentiment: createSentimentAnalyzer() });

  it('runs every detector on one call', () => {
    expect(r.disclosure).toMatchObject({ profile: 'co', outcome: 'missing' });
    expect(r.adherence).toMatchObject({ scriptId: 'collections-es' });
    expect(r.adherence!.rules.find((x) => x.id === 'recording_notice')!.passed).toBe(false);
    expect(r.promise.primary).toMatchObject({
      amount: { value: 200000, currency: 'COP' },
      date: '2024-03-15',
    });
    expect(r.forbidden.classification).toBe('right_party');
    expect(r.contact.allowed).toBe(true);
    expect(r.talk.speakers.agent!.talkMs).toBeGreaterThan(0);
    expect(r.sentiment?.parties.customer).toBeDefined();
  });

  it('stores PII positions and a redacted transcript, never the values', () => {
    expect(r.pii.counts).toEqual({ CARD: 1 });
    const { sentiment: _s, ...rest } = r;
    // no result quotes the card number: evidence of the promise is scrubbed like the transcript
    expect(JSON.stringify(rest)).not.toContain('cuatro cinco dos seis');
    expect(JSON.stringify(r.promise)).toContain('[CARD]');
    expect(r.redactedTranscript[3]!.text).toBe(
      'el viernes le pago doscientos mil y si quiere le doy la tarjeta [CARD]',
    );
    expect(r.pii.muteRanges[0]).toMatchObject({ channel: 1, types: ['CARD'] });
  });

  it('scrubs a sensitive number from whatever quotes it, sentiment evidence included', () => {
    const real = createSentimentAnalyzer();
    const quoting = {
      analyze: (...args: Parameters<typeof real.analyze>) => ({
        ...real.analyze(...args),
        quote: 'la tarjeta cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos',
      }),
    };
    const s = analyzeCall(t, call, { sentiment: quoting });
    expect(JSON.stringify(s)).not.toContain('cuatro cinco dos seis');
    expect(JSON.stringify(s.sentiment)).toContain('la tarjeta [CARD]');
  });

  it('routes the missing disclosure to the Spanish compliance queue', () => {
    expect(r.review).toContainEqual({ queue: 'compliance-es', reason: 'disclosure missing', priority: 2 });
  });

  it('honours a fixed disclosure profile', () => {
    const us = analyzeCall(t, call, { disclosureProfile: 'us' });
    expect(us.disclosure.profile).toBe('us');
  });

  it('mutes key presses heard in the audio on every channel, merged with the spoken PII', () => {
    const card = r.pii.muteRanges[0]!;
    const withKeys = analyzeCall(t, call, {
      keyPresses: [
        { startMs: 40_000, endMs: 40_090 },
        { startMs: 40_200, endMs: 40_290 },
        { startMs: 50_000, endMs: 50_080 },
      ],
    });
    expect(withKeys.pii.counts).toEqual({ CARD: 1, DTMF: 3 });
    expect(withKeys.pii.muteRanges).toEqual([
      card,
      { channel: null, startMs: 39_940, endMs: 40_350, types: ['DTMF'] },
      { channel: null, startMs: 49_940, endMs: 50_140, types: ['DTMF'] },
    ]);
    expect(analyzeCall(t, call, { keyPresses: [] }).pii.counts).toEqual({ CARD: 1 });
  });
});

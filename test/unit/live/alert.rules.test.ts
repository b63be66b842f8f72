import { describe, expect, it } from 'vitest';
import { configuredProfile, createBuiltInPhrases } from '../../../services/analytics/index.ts';
import { createSentimentAnalyzer } from '../../../services/analytics/sentiment/index.ts';
import { CallAlerts, type AlertLine } from '../../../services/live/alert.rules.ts';

const phrases = createBuiltInPhrases();
const sentiment = createSentimentAnalyzer();

const agent = (startMs: number, text: string): AlertLine => ({
  party: 'agent',
  channel: 0,
  startMs,
  endMs: startMs + 3000,
  text,
});
const customer = (startMs: number, text: string): AlertLine => ({
  party: 'customer',
  channel: 1,
  startMs,
  endMs: startMs + 3000,
  text,
});

function rules(windowMs = 30_000) {
  return new CallAlerts({
    language: 'es',
    profile: configuredProfile('generic', { windowMs }),
    phrases,
    sentiment,
  });
}

describe('live alert rules (the post-call detectors on the live transcript)', () => {
  it('raises the disclosure alert when the window closes without the notice, only once everything in it is heard', () => {
    const r = rules(20_000);
    expect(r.add([agent(1000, 'buenos días le habla carolina de cobranzas del banco')])).toEqual([]);
    expect(r.windowEndMs).toBe(21_000);
    // Speech inside the window may still be waiting for recognition: nothing is decided.
    expect(r.closeWindow(15_000)).toEqual([]);
    expect(r.disclosureDecided).toBe(false);
    r.add([customer(5000, 'sí con ella')]);
    const alerts = r.closeWindow(21_000);
    expect(alerts).toEqual([
      { kind: 'disclosure_missing', detail: 'generic: recorded, purpose, right_to_object', atMs: 21_000 },
    ]);
    expect(r.closeWindow(Infinity)).toEqual([]);
  });

  it('raises nothing when the notice is given in the window', () => {
    const r = rules();
    r.add([
      agent(
        1000,
        'le informo que esta llamada está siendo grabada por fines de calidad y usted puede oponerse al tratamiento de sus datos',
      ),
    ]);
    const found = r.closeWindow(40_000);
    expect(found.filter((a) => a.detail.includes('recorded'))).toEqual([]);
    expect(r.disclosureDecided).toBe(true);
  });

  it('raises forbidden practices and keyword categories once per call, with the words that raised them', () => {
    const r = rules();
    const first = r.add([agent(2000, 'si no paga lo vamos a meter preso')]);
    expect(first).toEqual([
      expect.objectContaining({ kind: 'forbidden_practice', detail: 'threat: "lo vamos a meter preso"' }),
    ]);
    // Where in the line the words were said (estimated over the line's time).
    expect(first[0]!.atMs).toBeGreaterThanOrEqual(2000);
    expect(first[0]!.atMs).toBeLessThan(5000);
    const second = r.add([customer(6000, 'voy a hablar con mi abogado y poner una queja')]);
    expect(second.map((a) => a.detail.split(':')[0]).sort()).toEqual(['complaint', 'lawyer']);
    expect(second.every((a) => a.kind === 'keyword')).toBe(true);
    expect(r.add([customer(9000, 'mi abogado ya sabe')])).toEqual([]);
  });

  it('raises a run of negative customer sentiment once per run', () => {
    const r = rules();
    const said = [
      'esto es una estafa horrible',
      'ustedes son unos ladrones terribles',
      'estoy furioso con este pésimo servicio',
    ];
    const raised = said.flatMap((text, i) => r.add([customer(1000 + i * 4000, text)]));
    const runs = raised.filter((a) => a.kind === 'negative_sentiment');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.atMs).toBe(9000);
    expect(
      r.add([customer(14_000, 'pésimo, horrible, un robo')]).filter((a) => a.kind === 'negative_sentiment'),
    ).toEqual([]);
  });
});

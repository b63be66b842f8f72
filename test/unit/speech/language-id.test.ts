import { describe, expect, it } from 'vitest';
import {
  combineDetections,
  ISO_639_1_TO_3,
  ISO_639_3_TO_1,
  TextLanguageIdentifier,
} from '../../../services/speech/language-id.ts';

describe(TextLanguageIdentifier.name, () => {
  const lid = new TextLanguageIdentifier({ languages: ['es', 'en'] });

  it.each([
    ['buenos días, le llamo de parte del banco por su cuenta pendiente', 'es'],
    ['esta llamada está siendo grabada para fines de calidad', 'es'],
    ['me puede confirmar su nombre completo por favor', 'es'],
    ['voy a pagar el viernes', 'es'],
    ['good morning, I am calling from the bank about your overdue balance', 'en'],
    ['this call is being recorded for quality purposes', 'en'],
    ['can you confirm your full name please', 'en'],
    ['I will pay on friday', 'en'],
  ])('identifies %j as %s', (text, language) => {
    const guess = lid.identify(text);
    expect(guess.language).toBe(language);
    expect(guess.method).toBe('text');
    expect(guess.confidence).toBeGreaterThan(0.65);
    expect(guess.lowConfidence).toBe(false);
  });

  it('flags undecidable text as low confidence and falls back to the first configured language', () => {
    expect(lid.identify('ok')).toEqual({
      language: 'es',
      confidence: 0,
      lowConfidence: true,
      method: 'text',
    });
    expect(new TextLanguageIdentifier({ languages: ['en', 'es'] }).identify('').language).toBe('en');
  });

  it('only answers with configured languages', () => {
    const pt = new TextLanguageIdentifier({ languages: ['es', 'pt'] });
    const guess = pt.identify('this call is being recorded for quality purposes');
    expect(['es', 'pt']).toContain(guess.language);
  });

  it('answers the only configured language with full confidence', () => {
    expect(new TextLanguageIdentifier({ languages: ['es'] }).identify('hello there')).toMatchObject({
      language: 'es',
      confidence: 1,
    });
  });

  it('maps ISO 639-1 and 639-3 both ways', () => {
    expect(ISO_639_1_TO_3.es).toBe('spa');
    expect(ISO_639_3_TO_1.eng).toBe('en');
    for (const [a, b] of Object.entries(ISO_639_1_TO_3)) expect(ISO_639_3_TO_1[b]).toBe(a);
  });
});

describe(combineDetections.name, () => {
  const channel = (es: number, speechSeconds: number, noSpeechProbability = 0.01) => ({
    probabilities: { es, en: 1 - es },
    noSpeechProbability,
    speechSeconds,
  });

  it('weighs each channel by its speech and by how sure the model was that it heard speech', () => {
    // The agent spoke Spanish for 20 s; the customer said little, and that mostly noise.
    const guess = combineDetections([channel(0.95, 20), channel(0.2, 2, 0.9)], ['es', 'en'])!;
    expect(guess.language).toBe('es');
    expect(guess.method).toBe('whisper');
    expect(guess.confidence).toBeCloseTo((0.95 * 20 * 0.99 + 0.2 * 2 * 0.1) / (20 * 0.99 + 2 * 0.1), 3);
    expect(guess.lowConfidence).toBe(false);
  });

  it('flags a split decision as low confidence, and has no answer without channels', () => {
    const guess = combineDetections([channel(0.9, 10), channel(0.1, 10)], ['es', 'en'], 0.65)!;
    expect(guess.confidence).toBeCloseTo(0.5, 3);
    expect(guess.lowConfidence).toBe(true);
    expect(combineDetections([], ['es', 'en'])).toBeNull();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeSentiment,
  createSentimentAnalyzer,
  SentimentAnalyzer,
  type SentimentUtterance,
} from '../../../services/analytics/sentiment/index.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';

let analyzer: SentimentAnalyzer;

beforeAll(() => {
  analyzer = createSentimentAnalyzer();
});

const label = (text: string, lang: 'es' | 'en') => analyzer.scoreText(text, lang).label;
const score = (text: string, lang: 'es' | 'en') => analyzer.scoreText(text, lang).score;

describe(SentimentAnalyzer.name, () => {
  describe('negation', () => {
    it('turns a negated positive negative in Spanish and English', () => {
      expect(label('no estoy contento', 'es')).toBe('negative');
      expect(label('estoy contento', 'es')).toBe('positive');
      expect(label('nunca me ayudan', 'es')).toBe('negative');
      expect(label('tampoco me gusta', 'es')).toBe('negative');
      expect(label("I'm not happy with this", 'en')).toBe('negative');
      expect(label('nobody ever helps me', 'en')).toBe('negative');
    });

    it('reads a negated negative as reassurance, not as a complaint', () => {
      expect(label('no hay problema', 'es')).not.toBe('negative');
      expect(label('no es ningún problema', 'es')).toBe('positive');
      expect(label('no está mal', 'es')).toBe('positive');
      expect(label('not bad', 'en')).toBe('positive');
      expect(label('no worries', 'en')).toBe('positive');
    });

    it('flips only once under Spanish negative concord', () => {
      expect(label('no me parece nada bien', 'es')).toBe('negative');
      expect(label('no tengo ninguna queja', 'es')).toBe('positive');
    });

    it('stops the negation scope at a comma', () => {
      expect(label('no, estoy contento', 'es')).toBe('positive');
    });
  });

  describe('intensity', () => {
    it('strengthens with intensifiers and weakens with diminishers, keeping the sign', () => {
      const plain = score('estoy molesto', 'es');
      expect(score('estoy muy molesto', 'es')).toBeLessThan(plain);
      expect(score('estoy un poco molesto', 'es')).toBeGreaterThan(plain);
      expect(label('estoy un poco molesto', 'es')).toBe('negative');
      expect(score('really angry', 'en')).toBeLessThan(score('angry', 'en'));
      expect(score('a bit upset', 'en')).toBeGreaterThan(score('upset', 'en'));
      expect(label('a bit upset', 'en')).toBe('negative');
    });

    it('strengthens the word before a post-intensifier', () => {
      expect(score('le agradezco mucho', 'es')).toBeGreaterThan(score('le agradezco', 'es'));
      expect(score('thank you so much', 'en')).toBeGreaterThan(score('thank you', 'en'));
    });
  });

  describe('contrast', () => {
    it('weights the clause after "pero" / "but"', () => {
      expect(label('le agradezco pero no puedo pagar', 'es')).toBe('negative');
      expect(label('no tengo trabajo pero le agradezco mucho la paciencia', 'es')).toBe('positive');
      expect(label('thanks for calling but I really can not afford it', 'en')).toBe('negative');
      expect(label('money is tight but thank you for working with me', 'en')).toBe('positive');
    });

    it('weights a sentence that opens with "pero" over the sentence before it', () => {
      expect(label('Me parece bien. Pero no puedo pagar tanto.', 'es')).toBe('negative');
    });
  });

  describe('collections expressions', () => {
    it.each([
      ['no puedo pagar', 'negative'],
      ['ahorita no puedo pagarle nada', 'negative'],
      ['me están acosando', 'negative'],
      ['voy a demandar a la empresa', 'negative'],
      ['dejen de llamar', 'negative'],
      ['no me vuelvan a llamar', 'negative'],
      ['esa deuda no es mía', 'negative'],
      ['gracias por la ayuda', 'positive'],
      ['le agradezco', 'positive'],
      ['con gusto', 'positive'],
      ['que tenga un excelente día', 'positive'],
      ['gracias por nada', 'negative'],
    ] as const)('labels "%s" %s', (text, expected) => {
      expect(label(text, 'es')).toBe(expected);
    });

    it.each([
      ["I can't afford it", 'negative'],
      ['stop calling me', 'negative'],
      ["you're harassing me", 'negative'],
      ['I am going to sue you', 'negative'],
      ["I don't owe this", 'negative'],
      ['thank you for your help', 'positive'],
      ['that works for me', 'positive'],
      ['thanks for nothing', 'negative'],
    ] as const)('labels "%s" %s', (text, expected) => {
      expect(label(text, 'en')).toBe(expected);
    });

    it('reports the phrase as evidence with its place in the original text', () => {
      const text = 'Mire, NO puedo pagar eso';
      const { evidence } = analyzer.scoreText(text, 'es');
      expect(evidence).toHaveLength(1);
      expect(evidence[0]).toMatchObject({ kind: 'phrase', text: 'NO puedo pagar' });
      expect(text.slice(evidence[0]!.start, evidence[0]!.end)).toBe('NO puedo pagar');
      expect(evidence[0]!.valence).toBeLessThan(0);
    });
  });

  describe('neutral business talk', () => {
    it.each([
      'su saldo vencido es de tres mil pesos',
      'la deuda tiene noventa días de mora',
      'buenos días, ¿hablo con el señor Ramírez?',
      'le informo que esta llamada está siendo grabada',
      'sí, está bien',
      'bueno, entonces le llamo el martes',
      '¿le parece bien el viernes?',
      'por favor me confirma su cédula',
    ])('labels "%s" neutral', (text) => {
      expect(label(text, 'es')).toBe('neutral');
    });

    it.each([
      'this is an attempt to collect a debt',
      'your balance is two hundred dollars',
      'please hold while I transfer you',
      'okay sure',
      'what date works best for you',
    ])('labels "%s" neutral', (text) => {
      expect(label(text, 'en')).toBe('neutral');
    });
  });

  describe('ASR noise', () => {
    it('reads text without accents, punctuation or capitals like the clean text', () => {
      expect(label('me estan acosando', 'es')).toBe('negative');
      expect(label('jamas me avisaron de esos intereses', 'es')).toBe('negative');
      expect(score('no estoy contenta', 'es')).toBe(score('No estoy contenta.', 'es'));
    });

    it('ignores fillers and stutter', () => {
      expect(score('eh este mmm no no estoy contenta', 'es')).toBe(score('no estoy contenta', 'es'));
      expect(score('uh um I can not afford it', 'en')).toBe(score('I can not afford it', 'en'));
    });

    it('finds expressions whose words ASR glued, misspelled by sound or slightly altered', () => {
      expect(label('nopuedo pagar', 'es')).toBe('negative');
      expect(label('ya dejen de yamar', 'es')).toBe('negative');
      expect(label('boy a demandar', 'es')).toBe('negative');
      expect(label('le agradesco mucho', 'es')).toBe('positive');
      expect(label('me estan acosado todo el dia', 'es')).toBe('negative');
      expect(label('no puedo depsitar nada', 'es')).toBe('negative');
      expect(label('i cant pay its impossible', 'en')).toBe('negative');
      expect(label('uh i dont have the money', 'en')).toBe('negative');
    });
  });

  describe('analyze', () => {
    const call: SentimentUtterance[] = [
      { party: 'agent', startMs: 0, endMs: 4000, text: 'Buenos días, le llamo de Cobranzas del Norte.' },
      { party: 'customer', startMs: 4500, endMs: 8000, text: 'ya dejen de llamarme, me tienen harta' },
      {
        party: 'agent',
        startMs: 9000,
        endMs: 14000,
        text: 'Entiendo. Le puedo ofrecer un plan de tres pagos.',
      },
      { party: 'customer', startMs: 35_000, endMs: 39_000, text: 'no puedo pagar ahorita' },
      { party: 'agent', startMs: 40_000, endMs: 44_000, text: 'no se preocupe, lo podemos arreglar' },
      { party: 'customer', startMs: 70_000, endMs: 74_000, text: 'bueno, el viernes le deposito quinientos' },
      { party: 'agent', startMs: 75_000, endMs: 79_000, text: 'perfecto, muchas gracias por su tiempo' },
    ];

    it('labels every utterance and aggregates per party and overall', () => {
      const result = analyzer.analyze(call, 'es');
      expect(result.lang).toBe('es');
      expect(result.version).toMatch(/^escucha-sentiment-\d+\+natural-/);
      expect(result.utterances.map((u) => u.label)).toEqual([
        'neutral',
        'negative',
        'neutral',
        'negative',
        'positive',
        'neutral',
        'positive',
      ]);
      expect(result.utterances.map((u) => u.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(result.parties.customer).toMatchObject({
        label: 'negative',
        counts: { positive: 0, neutral: 1, negative: 2 },
        utterances: 3,
      });
      expect(result.parties.agent).toMatchObject({
        label: 'positive',
        counts: { positive: 2, neutral: 2, negative: 0 },
        utterances: 4,
      });
      expect(result.parties.customer.score).toBeLessThan(0);
      expect(result.parties.customer.closing!).toBeGreaterThan(result.parties.customer.opening!);
      // The customer weighs double: the call reads negative although the agent stayed positive.
      expect(result.overall.label).toBe('negative');
      for (const u of result.utterances) expect(Math.abs(u.score)).toBeLessThanOrEqual(1);
    });

    it('builds a 30-second timeline per party', () => {
      const { timeline } = analyzer.analyze(call, 'es');
      expect(timeline.bucketMs).toBe(30_000);
      expect(timeline.buckets.map((b) => [b.startMs, b.endMs])).toEqual([
        [0, 30_000],
        [30_000, 60_000],
        [60_000, 90_000],
      ]);
      expect(timeline.buckets[0]!.customer!.score).toBeLessThan(0);
      expect(timeline.buckets[0]!.agent!.utterances).toBe(2);
      expect(timeline.buckets[1]!.agent!.score).toBeGreaterThan(0);
      expect(timeline.buckets[2]!.customer!.score).toBe(0);
    });

    it('leaves a party that did not speak neutral with empty counts', () => {
      const result = analyzer.analyze([{ party: 'agent', startMs: 0, endMs: 1000, text: 'hello?' }], 'en');
      expect(result.parties.customer).toEqual({
        label: 'neutral',
        score: 0,
        counts: { positive: 0, neutral: 0, negative: 0 },
        utterances: 0,
        opening: null,
        closing: null,
      });
      expect(result.timeline.buckets).toHaveLength(1);
      expect(result.timeline.buckets[0]!.customer).toBeNull();
    });

    it('returns an empty, neutral result for an empty transcript or empty texts', () => {
      const empty = analyzer.analyze([], 'es');
      expect(empty.utterances).toEqual([]);
      expect(empty.overall).toEqual({ label: 'neutral', score: 0 });
      expect(empty.timeline.buckets).toEqual([]);
      const blank = analyzer.analyze([{ party: 'customer', startMs: 0, endMs: 500, text: '  ...  ' }], 'es');
      expect(blank.utterances[0]).toMatchObject({ label: 'neutral', score: 0, evidence: [] });
    });

    it('is deterministic', () => {
      expect(analyzer.analyze(call, 'es')).toEqual(createSentimentAnalyzer().analyze(call, 'es'));
    });

    it('rejects malformed utterances and unsupported languages with BAD_REQUEST', () => {
      const bad = [
        () => analyzer.analyze([{ party: 'agent', startMs: 5, endMs: 1, text: 'x' }], 'es'),
        () => analyzer.analyze([{ party: 'boss', startMs: 0, endMs: 1, text: 'x' } as never], 'es'),
        () => analyzer.analyze([{ party: 'agent', startMs: Number.NaN, endMs: 1, text: 'x' }], 'es'),
        () => analyzer.analyze([], 'fr' as never),
      ];
      for (const run of bad) {
        let caught: unknown;
        try {
          run();
        } catch (error) {
          caught = error;
        }
        expect(isEscuchaError(caught, 'BAD_REQUEST')).toBe(true);
      }
    });

    it('honours options for the neutral band and the bucket width', () => {
      const strict = createSentimentAnalyzer({ neutralBand: 0.99, bucketMs: 60_000 });
      const result = strict.analyze(call, 'es');
      expect(result.utterances.every((u) => u.label === 'neutral')).toBe(true);
      expect(result.timeline.buckets).toHaveLength(2);
    });
  });
});

describe(analyzeSentiment.name, () => {
  it('analyses with the shared default analyser', () => {
    const result = analyzeSentiment(
      [{ party: 'customer', startMs: 0, endMs: 2000, text: 'stop calling me, this is harassment' }],
      'en',
    );
    expect(result.parties.customer.label).toBe('negative');
    expect(result.overall.label).toBe('negative');
  });
});

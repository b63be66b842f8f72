import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePhrase,
  matchSentencePhrase,
  PhraseMatcher,
  SentencePhraseIndex,
} from '../../../../services/analytics/matching/phrase.matcher.ts';
import { compilePattern, parsePattern } from '../../../../services/analytics/matching/phrase.pattern.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { damerauLevenshtein, similarity, soundKey } from '../../../../services/analytics/text/index.ts';
import { transcript } from './transcript.helper.ts';

const recorded = new PhraseMatcher(
  [
    {
      id: 'recorded',
      patterns: ['(esta|la) (llamada|conversacion) (esta siendo|sera|es) (grabada|monitoreada y grabada)'],
    },
    { id: 'lawyer', patterns: ['abogado'] },
  ],
  'es',
);

const find = (m: PhraseMatcher, ...lines: string[]) =>
  m.find(prepareTranscript(transcript(...lines), m.language));

describe(PhraseMatcher.name, () => {
  it('finds a phrase with accents, case and punctuation different from the pattern', () => {
    const [m] = find(recorded, 'a: Le informo que ESTA llamada está siendo grabada.');
    expect(m).toMatchObject({ phraseId: 'recorded', party: 'agent', segmentIndex: 0, score: 1 });
    expect(m!.matchedText).toBe('ESTA llamada está siendo grabada');
  });

  it('tolerates fillers, ASR misspellings and a split word', () => {
    const [m] = find(recorded, 'a: eh esta yamada mmm esta siendo graba da por calidad');
    expect(m?.phraseId).toBe('recorded');
    expect(m!.score).toBeGreaterThan(0.85);
    expect(m!.matchedText).toBe('esta yamada mmm esta siendo graba da');
  });

  it('joins two pattern words the recognizer merged into one', () => {
    const [m] = find(recorded, 'a: le comento que estallamada sera grabada');
    expect(m?.matchedText).toBe('estallamada sera grabada');
  });

  it('finds a phrase split across two segments of the same speaker', () => {
    const matches = find(recorded, 'a: le informo que esta llamada', 'a: esta siendo grabada');
    expect(matches).toHaveLength(1);
    expect(matches[0]!.segmentIndex).toBe(0);
    expect(matches[0]!.endMs).toBeGreaterThan(matches[0]!.startMs);
  });

  it('rejects a negated statement and the wrong speaker when asked', () => {
    expect(find(recorded, 'a: esta llamada no esta siendo grabada')).toHaveLength(0);
    const m = recorded.find(prepareTranscript(transcript('c: esta llamada esta siendo grabada'), 'es'), {
      parties: ['agent'],
    });
    expect(m).toHaveLength(0);
  });

  it("looks for a phrase only in the words of the parties it names, a twin phrase in each one's own", () => {
    const sided = new PhraseMatcher(
      [
        { id: 'notice', patterns: ['esta llamada esta siendo grabada'], parties: ['agent'] },
        { id: 'asked', patterns: ['esta llamada esta siendo grabada'], parties: ['customer', 'unknown'] },
        { id: 'anyone', patterns: ['abogado'] },
      ],
      'es',
    );
    const found = find(
      sided,
      'a: esta llamada esta siendo grabada',
      'c: esta llamada esta siendo grabada? quiero un abogado',
      'a: no hace falta un abogado',
    ).map((m) => [m.phraseId, m.party]);
    expect(found.sort()).toEqual([
      ['anyone', 'agent'],
      ['anyone', 'customer'],
      ['asked', 'customer'],
      ['notice', 'agent'],
    ]);
  });

  it('reads a word with a pronoun glued on as the word, even when another phrase has the whole word', () => {
    const alone = new PhraseMatcher([{ id: 'hedge', patterns: ['dejeme hablar'] }], 'es');
    const both = new PhraseMatcher(
      [
        { id: 'hedge', patterns: ['dejeme hablar'] },
        { id: 'other', patterns: ['mas hablarlo'] },
      ],
      'es',
    );
    for (const m of [alone, both]) {
      expect(find(m, 'c: déjeme hablarlo con mi esposa').map((x) => x.phraseId)).toEqual(['hedge']);
    }
  });

  it('does not match unrelated sentences that share a word', () => {
    expect(find(recorded, 'a: le voy a grabar el numero nuevo en el sistema')).toHaveLength(0);
    expect(find(recorded, 'a: la llamada se cayo ayer')).toHaveLength(0);
  });

  it('counts every occurrence of a one-word phrase, including a misspelt one', () => {
    const m = find(recorded, 'c: mi abogado dijo que hablara con otro avogado');
    expect(m.filter((x) => x.phraseId === 'lawyer')).toHaveLength(2);
  });

  it('handles English contractions the same way in patterns and text', () => {
    const en = new PhraseMatcher([{ id: 'arrest', patterns: ['we will have you arrested'] }], 'en');
    expect(find(en, "a: if you don't pay we'll have you arrested")).toHaveLength(1);
  });
});

describe('compilePattern', () => {
  it('expands alternatives and optional words into slot sequences', () => {
    const seqs = compilePattern('(le|les) (informo|recuerdo) que [esta] llamada', 'es');
    expect(seqs.map((s) => s.map((slot) => slot.alts.map((a) => a.norm).join('|')).join(' '))).toEqual([
      'le|les informo|recuerdo que esta llamada',
      'le|les informo|recuerdo que llamada',
    ]);
  });

  it('rejects unbalanced patterns', () => {
    expect(() => compilePattern('(a|b', 'es')).toThrow(/missing/);
  });

  it('matches whole words only: prefixes and any-word slots are for the sentence scanner', () => {
    expect(() => compilePattern('no (pued*|podemos) pagar', 'es')).toThrow(/whole words/);
    expect(() => compilePattern('es la _ vez', 'es')).toThrow(/whole words/);
  });
});

describe('parsePattern', () => {
  it('reads a glued * as a prefix and a lone * as a gap', () => {
    expect(parsePattern('no (pued*|podemos) * _')).toEqual([
      { kind: 'word', text: 'no', prefix: false },
      {
        kind: 'alt',
        optional: false,
        options: [
          [{ kind: 'word', text: 'pued', prefix: true }],
          [{ kind: 'word', text: 'podemos', prefix: false }],
        ],
      },
      { kind: 'gap' },
      { kind: 'any' },
    ]);
  });
});

describe('sentence scanning', () => {
  const negators = new Set(['no']);
  const words = (text: string) => {
    const list = text
      .split(' ')
      .map((w) => ({ norm: w.replace(',', ''), key: soundKey(w.replace(',', ''), 'es') }));
    const places = text.split(' ').map((_, i, all) => ({
      boundary: i > 0 && all[i - 1]!.endsWith(',') ? ('clause' as const) : ('none' as const),
    }));
    return { list, places };
  };
  const end = (pattern: string, text: string, start = 0) => {
    const { list, places } = words(text);
    return matchSentencePhrase(compilePhrase(pattern, null, 'es', negators), list, places, start);
  };

  it('matches optional words, alternatives, prefixes and sound-alike spellings from a start word', () => {
    const pattern = 'no [me|nos] (vuelva|vuelvan) a (llamar*|marcar*)';
    expect(end(pattern, 'no me buelvan a llamarme mas')).toBe(5);
    expect(end(pattern, 'no vuelva a marcar')).toBe(4);
    expect(end(pattern, 'no me vuelvan a escribir')).toBe(-1);
  });

  it('skips up to two words at a gap and never crosses a comma', () => {
    expect(end('no (tengo|tenemos) * (dinero|plata)', 'no tengo nada de plata')).toBe(5);
    expect(end('no (tengo|tenemos) * (dinero|plata)', 'no tengo casi nada de plata')).toBe(-1);
    expect(end('no (tengo|tenemos) * (dinero|plata)', 'no tengo, plata')).toBe(-1);
  });

  it('says whether the pattern carries its own negation, and indexes phrases by their first word', () => {
    expect(compilePhrase('no me parece justo', null, 'es', negators).hasNegator).toBe(true);
    expect(compilePhrase('me parece justo', null, 'es', negators).hasNegator).toBe(false);
    const index = new SentencePhraseIndex([
      compilePhrase('me parece justo', 'a', 'es', negators),
      compilePhrase('(escuch*|oi*) bien', 'b', 'es', negators),
    ]);
    expect(index.startingWith('escuchamos', soundKey('escuchamos', 'es')).map((p) => p.payload)).toEqual([
      'b',
    ]);
  });

  it('takes alternatives of one word each and a required first word', () => {
    expect(() => compilePhrase('(muchas gracias|gracias) a usted', null, 'es', negators)).toThrow(
      /one word each/,
    );
    expect(() => compilePhrase('[muy] bien', null, 'es', negators)).toThrow(/required word/);
    // the sentence's words are tokenized with contractions expanded, so a contracted pattern word could never match
    expect(() => compilePhrase('(will|gonna) sue', null, 'en', negators)).toThrow(/not one word/);
  });
});

describe('damerauLevenshtein', () => {
  it('counts a transposition as one edit', () => {
    expect(damerauLevenshtein('grabada', 'grbaada')).toBe(1);
    expect(damerauLevenshtein('pago', 'pagos')).toBe(1);
    expect(similarity('cobranza', 'cobransa')).toBeCloseTo(0.875);
  });

  it('gives the distance when it is within max, and a figure above max otherwise', () => {
    expect(damerauLevenshtein('cobranza', 'grabada', 2)).toBeGreaterThan(2);
    expect(damerauLevenshtein('grabada', 'grbaada', 2)).toBe(1);
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 9 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 9 }),
        fc.integer({ min: 0, max: 4 }),
        (a, b, max) => {
          const full = damerauLevenshtein(a, b);
          const bounded = damerauLevenshtein(a, b, max);
          return full <= max ? bounded === full : bounded > max;
        },
      ),
    );
  });
});

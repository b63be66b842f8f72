import { describe, expect, it } from 'vitest';
import {
  damerauLevenshtein,
  foldAccents,
  foldLower,
  isSimilar,
  isStopWord,
  levenshtein,
  markNoise,
  normalize,
  similarity,
  soundKey,
  splitSentences,
  stem,
  tokenize,
} from '../../../services/analytics/text/index.ts';

describe(foldAccents.name, () => {
  it('removes accents and tildes while keeping length and case', () => {
    expect(foldAccents('Jamás, ÑANDÚ, pingüino')).toBe('Jamas, NANDU, pinguino');
    expect(foldAccents('Jamás')).toHaveLength('Jamás'.length);
    expect(foldLower('¿Qué TAL?')).toBe('¿que tal?');
  });

  it('normalises curly apostrophes', () => {
    expect(foldLower('I can’t')).toBe("i can't");
  });
});

describe(tokenize.name, () => {
  it('keeps offsets into the original text and the original spelling for display', () => {
    const text = 'Señora  Pérez, ¿está?';
    const tokens = tokenize(text, 'es');
    expect(tokens.map((t) => t.norm)).toEqual(['senora', 'perez', 'esta']);
    for (const t of tokens) expect(text.slice(t.start, t.end)).toBe(t.text);
    expect(tokens[1]!.text).toBe('Pérez');
  });

  it('records sentence and clause breaks and questions', () => {
    const tokens = tokenize('Hola, ¿me escucha? Sí. Bueno', 'es');
    expect(tokens.map((t) => t.boundary)).toEqual(['sentence', 'sentence', 'none', 'sentence', 'sentence']);
    expect(tokens.filter((t) => t.question).map((t) => t.norm)).toEqual(['me', 'escucha']);
    expect(tokenize('sí, claro', 'es')[1]!.boundary).toBe('clause');
  });

  it('keeps numbers with separators whole and does not end a sentence at an abbreviation', () => {
    const tokens = tokenize('Son 3.400 pesos, Sr. Gómez, a las 10:30', 'es');
    expect(tokens.map((t) => t.norm)).toEqual(['son', '3.400', 'pesos', 'sr', 'gomez', 'a', 'las', '10:30']);
    expect(tokens[4]!.boundary).toBe('none');
  });

  it('expands English contractions, with or without the apostrophe', () => {
    const norms = (s: string) => tokenize(s, 'en').map((t) => t.norm);
    expect(norms("I can't, I won't, I'm sure").join(' ')).toBe('i can not i will not i am sure');
    expect(norms('i cant pay dont call im broke').join(' ')).toBe('i can not pay do not call i am broke');
    expect(norms("that's what you're saying, it's John's").join(' ')).toBe(
      'that is what you are saying it is john',
    );
  });

  it('splits a negation that ASR glued to the verb in Spanish', () => {
    expect(
      tokenize('nopuedo pagar nose nosotros noche', 'es')
        .map((t) => t.norm)
        .join(' '),
    ).toBe('no puedo pagar no se nosotros noche');
  });

  it('returns nothing for empty or punctuation-only text', () => {
    expect(tokenize('', 'es')).toEqual([]);
    expect(tokenize(' ... ¿? ', 'en')).toEqual([]);
  });
});

describe(normalize.name, () => {
  it('flags fillers and stutter, keeps the original, and joins the content words', () => {
    const n = normalize('Eh este, NO no no puedo mmm pagar', 'es');
    expect(n.original).toBe('Eh este, NO no no puedo mmm pagar');
    expect(n.text).toBe('no puedo pagar');
    expect(n.tokens.filter((t) => t.filler).map((t) => t.text)).toEqual(['Eh', 'este', 'mmm']);
    expect(n.tokens.filter((t) => t.repeat).map((t) => t.text)).toEqual(['no', 'no']);
  });

  it('keeps the demonstrative "este" and repeated spoken digits', () => {
    expect(normalize('este mes pago', 'es').text).toBe('este mes pago');
    expect(normalize('la tarjeta termina en ocho ocho', 'es').text).toBe('la tarjeta termina en ocho ocho');
    expect(normalize('four four one two', 'en').text).toBe('four four one two');
  });

  it('drops English hesitations and filler "like" but keeps the verb', () => {
    expect(normalize('uh um I like it', 'en').text).toBe('i like it');
    expect(normalize('it was like um fine', 'en').text).toBe('it was fine');
  });
});

describe(markNoise.name, () => {
  it('flags tokens of an existing tokenization without changing them', () => {
    const tokens = tokenize('eh sí sí', 'es');
    const marked = markNoise(tokens, 'es');
    expect(marked.map((t) => [t.norm, t.filler, t.repeat])).toEqual([
      ['eh', true, false],
      ['si', false, false],
      ['si', false, true],
    ]);
    expect(tokens[0]).not.toHaveProperty('filler', true);
  });
});

describe(splitSentences.name, () => {
  it('splits on punctuation and reports questions with their original text', () => {
    const s = splitSentences('Buenos días. ¿Hablo con el señor Ruiz? Sí', 'es');
    expect(s.map((x) => x.text)).toEqual(['Buenos días', 'Hablo con el señor Ruiz', 'Sí']);
    expect(s.map((x) => x.question)).toEqual([false, true, false]);
  });

  it('splits unpunctuated ASR text before discourse markers when both sides are long enough', () => {
    const s = splitSentences(
      'mire no tengo trabajo pero le agradezco mucho la paciencia entonces yo le llamo',
      'es',
    );
    expect(s.map((x) => x.text)).toEqual([
      'mire no tengo trabajo',
      'pero le agradezco mucho la paciencia',
      'entonces yo le llamo',
    ]);
    expect(splitSentences('sí pero no', 'es')).toHaveLength(1);
    expect(splitSentences('I would love to but I just lost my job', 'en').map((x) => x.text)).toEqual([
      'I would love to',
      'but I just lost my job',
    ]);
  });

  it('keeps a long run without markers as one sentence and ignores fillers at its edges', () => {
    const s = splitSentences(
      'eh el saldo pendiente es de quinientos veinte mil pesos con corte al quince de marzo mmm',
      'es',
    );
    expect(s).toHaveLength(1);
    expect(s[0]!.text).toBe(
      'el saldo pendiente es de quinientos veinte mil pesos con corte al quince de marzo',
    );
    expect(splitSentences('', 'es')).toEqual([]);
  });
});

describe(isStopWord.name, () => {
  it('knows common function words but keeps negations as content', () => {
    expect(isStopWord('de', 'es')).toBe(true);
    expect(isStopWord('the', 'en')).toBe(true);
    for (const negation of ['no', 'nunca', 'ni', 'sin']) expect(isStopWord(negation, 'es')).toBe(false);
    for (const negation of ['not', 'never', 'no']) expect(isStopWord(negation, 'en')).toBe(false);
  });
});

describe(soundKey.name, () => {
  it('gives Spanish homophones the same key', () => {
    const same = [
      ['voy', 'boy'],
      ['llamar', 'yamar'],
      ['alcanza', 'alcansa'],
      ['hora', 'ora'],
      ['agradezco', 'agradesco'],
      ['excelente', 'exelente'],
      ['gente', 'jente'],
      ['quiero', 'kiero'],
    ];
    for (const [a, b] of same) expect(soundKey(a!, 'es')).toBe(soundKey(b!, 'es'));
    expect(soundKey('pago', 'es')).not.toBe(soundKey('paso', 'es'));
  });

  it('only collapses doubled letters in English', () => {
    expect(soundKey('calling', 'en')).toBe('caling');
  });
});

describe(similarity.name, () => {
  it('measures edits, with adjacent transpositions costing one', () => {
    expect(levenshtein('pagar', 'pagra')).toBe(2);
    expect(damerauLevenshtein('pagar', 'pagra')).toBe(1);
    expect(damerauLevenshtein('', 'abc')).toBe(3);
    expect(similarity('acosando', 'acosado')).toBeCloseTo(0.875);
    expect(similarity('', '')).toBe(1);
  });

  it('accepts near spellings of long words only', () => {
    expect(isSimilar('acosando', 'acosado')).toBe(true);
    expect(isSimilar('demandar', 'denunciar')).toBe(false);
    expect(isSimilar('no', 'ni')).toBe(false);
  });
});

describe(stem.name, () => {
  it("stems with natural's Porter stemmers per language", () => {
    expect(stem('contenta', 'es')).toBe(stem('contento', 'es'));
    expect(stem('molestos', 'es')).toBe(stem('molesta', 'es'));
    expect(stem('harassing', 'en')).toBe('harass');
    expect(stem('thanks', 'en')).toBe('thank');
  });
});

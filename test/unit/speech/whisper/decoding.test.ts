import { describe, expect, it } from 'vitest';
import {
  applyDecodingRules,
  compressionRatio,
  findRepetition,
  languageProbabilities,
  noSpeechProbability,
  seededRandom,
  selectToken,
  timedSpans,
  type StepRules,
} from '../../../../services/speech/whisper/decoding.ts';
import type { WhisperVocabulary } from '../../../../services/speech/whisper/vocabulary.ts';

// A miniature vocabulary laid out like Whisper's: text tokens, end of text, specials, then timestamps.
const vocab: WhisperVocabulary = {
  eot: 10,
  sot: 11,
  languages: { en: 12, es: 13, pt: 14 },
  translate: 15,
  transcribe: 16,
  noSpeech: 17,
  noTimestamps: 18,
  timestampBegin: 19,
  suppress: [3],
  beginSuppress: [0, 10],
  alignmentHeads: [],
  maxTargetPositions: 448,
};
const SIZE = 19 + 101; // timestamps <|0.00|> … <|2.00|>
const ts = (index: number) => vocab.timestampBegin + index;
const rules: StepRules = { vocab, lastTimestampIndex: 100, maxInitialTimestampIndex: 50 };

/** Text and specials at `base`; timestamps lower, so that together they do not outweigh a text token. */
function logits(values: Record<number, number> = {}, base = 0): Float32Array {
  const l = new Float32Array(SIZE).fill(base);
  for (let t = vocab.timestampBegin; t < SIZE; t++) l[t] = base - 5;
  for (const [k, v] of Object.entries(values)) l[Number(k)] = v;
  return l;
}

const allowed = (l: Float32Array) =>
  [...l].map((v, i) => (v === Number.NEGATIVE_INFINITY ? -1 : i)).filter((i) => i >= 0);

describe(applyDecodingRules.name, () => {
  it('starts with a timestamp no later than the initial limit, never a special token', () => {
    const l = logits({ 5: 10 });
    applyDecodingRules(l, [], rules);
    expect(allowed(l)).toEqual(Array.from({ length: 51 }, (_, i) => ts(i)));
  });

  it('never generates the special tokens, the suppressed ones or a timestamp past the audio', () => {
    const l = logits();
    applyDecodingRules(l, [ts(0), 5], { ...rules, lastTimestampIndex: 40 });
    const ok = allowed(l);
    for (const t of [vocab.sot, 12, 13, vocab.transcribe, vocab.noSpeech, vocab.noTimestamps, 3]) {
      expect(ok).not.toContain(t);
    }
    expect(ok).toContain(vocab.eot);
    expect(ok).toContain(ts(40));
    expect(ok).not.toContain(ts(41));
  });

  it('closes a segment with a timestamp, then opens the next or ends; after a pair comes text', () => {
    // After text closed by a timestamp: another timestamp (opening the next segment) or the end, no text.
    let l = logits();
    applyDecodingRules(l, [ts(0), 5, 6, ts(30)], rules);
    expect(allowed(l).filter((t) => t < vocab.eot)).toEqual([]);
    expect(allowed(l)).toContain(vocab.eot);
    // The opening timestamp may repeat the closing one, never go below it.
    expect(allowed(l)).toContain(ts(30));
    expect(allowed(l)).not.toContain(ts(29));
    // After an opening timestamp (a pair): text only.
    l = logits();
    applyDecodingRules(l, [ts(0), 5, ts(30), ts(32)], rules);
    expect(allowed(l).every((t) => t < vocab.timestampBegin)).toBe(true);
  });

  it('takes a timestamp when the timestamps together are more likely than any text token', () => {
    // 101 timestamps at logit 2 (log-sum ≈ 6.6) outweigh the best text token at logit 5.
    const l = logits({ 5: 5 }, 0);
    for (let i = 0; i <= 100; i++) l[ts(i)] = 2;
    applyDecodingRules(l, [ts(0), 6], rules);
    expect(allowed(l).length).toBeGreaterThan(0);
    expect(allowed(l).every((t) => t >= vocab.timestampBegin)).toBe(true);
    // With the text token at 8 (above 6.6), text stays possible.
    const m = logits({ 5: 8 }, 0);
    for (let i = 0; i <= 100; i++) m[ts(i)] = 2;
    applyDecodingRules(m, [ts(0), 6], rules);
    expect(allowed(m)).toContain(5);
  });
});

describe(selectToken.name, () => {
  it('takes the most likely token at temperature 0, with its log-probability', () => {
    const l = logits({ 4: 3, 7: 1 }, Number.NEGATIVE_INFINITY);
    const { token, logprob } = selectToken(l, 0, seededRandom(1));
    expect(token).toBe(4);
    expect(logprob).toBeCloseTo(3 - Math.log(Math.exp(3) + Math.exp(1)), 6);
  });

  it('samples at a temperature, the same way for the same seed', () => {
    const l = logits({ 4: 1, 7: 1, 8: 1 }, Number.NEGATIVE_INFINITY);
    const a = Array.from(
      { length: 30 },
      (
        (r) => () =>
          selectToken(l, 1, r).token
      )(seededRandom(7)),
    );
    const b = Array.from(
      { length: 30 },
      (
        (r) => () =>
          selectToken(l, 1, r).token
      )(seededRandom(7)),
    );
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set([4, 7, 8]));
  });
});

describe('probabilities at the start of the transcript', () => {
  it('gives the no-speech probability and the languages asked about, normalised among them', () => {
    const l = logits({ [vocab.noSpeech]: Math.log(3), 12: 2, 13: 3, 14: 10 }, Number.NEGATIVE_INFINITY);
    l[0] = 0; // one more token, probability 1/(1+3) of the rest
    expect(noSpeechProbability(l, vocab)).toBeCloseTo(
      3 / (1 + 3 + Math.exp(2) + Math.exp(3) + Math.exp(10)),
      6,
    );
    const p = languageProbabilities(l, vocab, ['es', 'en', 'xx']);
    expect(Object.keys(p).sort()).toEqual(['en', 'es']);
    expect(p.es).toBeCloseTo(Math.exp(3) / (Math.exp(3) + Math.exp(2)), 6);
    expect(p.es! + p.en!).toBeCloseTo(1, 6);
  });
});

describe(compressionRatio.name, () => {
  it('is high for repeated text and low for ordinary speech', () => {
    expect(compressionRatio('')).toBe(0);
    expect(compressionRatio('gracias, gracias, '.repeat(20))).toBeGreaterThan(2.4);
    expect(
      compressionRatio('Buenos días, le habla Carolina del área de cobranza. ¿Tiene un momento para hablar?'),
    ).toBeLessThan(1.6);
  });
});

describe(findRepetition.name, () => {
  it('finds a loop of text tokens even when timestamps move on between its rounds', () => {
    const seq = [
      ts(0),
      1,
      2,
      ts(10),
      ts(10),
      4,
      5,
      6,
      ts(20),
      ts(20),
      4,
      5,
      6,
      ts(30),
      ts(30),
      4,
      5,
      6,
      ts(40),
    ];
    const loop = findRepetition(seq, vocab.timestampBegin);
    expect(loop).toEqual({ start: 5, cut: 10 });
    // Cutting there keeps one round.
    expect(seq.slice(0, loop!.cut).filter((t) => t < vocab.timestampBegin)).toEqual([1, 2, 4, 5, 6]);
  });

  it('leaves speech that repeats a word a few times alone, and finds a long run of one token', () => {
    expect(findRepetition([1, 2, 9, 9, 9, 3], vocab.timestampBegin)).toBeNull();
    expect(findRepetition([1, 2, 3, 4, 5], vocab.timestampBegin)).toBeNull();
    expect(findRepetition([1, ...new Array<number>(9).fill(7)], vocab.timestampBegin)).toEqual({
      start: 1,
      cut: 2,
    });
  });
});

describe(timedSpans.name, () => {
  it('reads segments between timestamps and covers the whole window when the decode ended', () => {
    const seq = [ts(0), 1, 2, ts(25), ts(30), 3, ts(60)];
    expect(timedSpans(seq, vocab, true, 90)).toEqual({
      spans: [
        { startIndex: 0, endIndex: 25, from: 1, to: 3 },
        { startIndex: 30, endIndex: 60, from: 5, to: 6 },
      ],
      consumedIndex: 90,
    });
  });

  it('stops at the last complete segment when the decode was cut short', () => {
    const seq = [ts(0), 1, 2, ts(25), ts(30), 3, 4];
    expect(timedSpans(seq, vocab, false, 90)).toEqual({
      spans: [{ startIndex: 0, endIndex: 25, from: 1, to: 3 }],
      consumedIndex: 25,
    });
  });

  it('runs text the end token closed without a timestamp to the end of the audio', () => {
    expect(timedSpans([ts(10), 1, 2], vocab, true, 80).spans).toEqual([
      { startIndex: 10, endIndex: 80, from: 1, to: 3 },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  dynamicTimeWarping,
  groupWords,
  medianFilterRows,
  tokenStartFrames,
} from '../../../../services/speech/whisper/alignment.ts';
import { clampWordDurations } from '../../../../services/speech/whisper/window-decoder.ts';

describe(medianFilterRows.name, () => {
  it('removes a one-frame spike and keeps steps, reflecting at the edges', () => {
    const [row] = medianFilterRows([Float32Array.from([0, 0, 9, 0, 0, 1, 1, 1, 1])], 3);
    expect([...row!]).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
  });
});

describe(dynamicTimeWarping.name, () => {
  it('follows the cheapest monotonic path from the first token and frame to the last', () => {
    // Token 0 is cheap on frames 0–1, token 1 on frames 2–4.
    const cost = Float32Array.from([-1, -1, 1, 1, 1, 1, 1, -1, -1, -1]);
    const path = dynamicTimeWarping(cost, 2, 5);
    expect(path.tokenIndex[0]).toBe(0);
    expect(path.frameIndex[0]).toBe(0);
    expect(path.tokenIndex.at(-1)).toBe(1);
    expect(path.frameIndex.at(-1)).toBe(4);
    // Monotonic in both, and token 1 starts at frame 2.
    for (let k = 1; k < path.tokenIndex.length; k++) {
      expect(path.tokenIndex[k]!).toBeGreaterThanOrEqual(path.tokenIndex[k - 1]!);
      expect(path.frameIndex[k]!).toBeGreaterThanOrEqual(path.frameIndex[k - 1]!);
    }
    expect(path.frameIndex[path.tokenIndex.indexOf(1)]).toBe(2);
  });
});

describe(tokenStartFrames.name, () => {
  it('starts each token where its attention peaks, in order', () => {
    // Three tokens attending to frames 2, 10 and 20 of 30, as two heads would.
    const row = (peak: number) =>
      Float32Array.from({ length: 30 }, (_, f) => Math.exp(-((f - peak) ** 2) / 4));
    const head = [row(2), row(10), row(20)];
    const starts = tokenStartFrames([head, head.map((r) => r.slice())]);
    expect(starts[0]).toBe(0);
    expect(starts[1]!).toBeGreaterThanOrEqual(5);
    expect(starts[1]!).toBeLessThanOrEqual(10);
    expect(starts[2]!).toBeGreaterThanOrEqual(15);
    expect(starts[2]!).toBeLessThanOrEqual(20);
  });
});

describe(groupWords.name, () => {
  // Token pieces as a byte-level BPE decodes them; 5 and 6 are the two halves of "é".
  const pieces: Record<number, string> = {
    1: ' Buenos',
    2: ' d',
    3: 'ías',
    4: ',',
    5: '\u00c3',
    6: '\u00a9',
    7: ' ¿',
    8: 'Tiene',
    9: ' caf',
    10: '?',
  };
  const decode = (ids: number[]) => {
    if (ids.length === 1 && ids[0] === 5) return ' caf\uFFFD';
    if (ids.join() === '5,6') return ' café';
    if (ids.length === 1 && ids[0] === 6) return '\uFFFD';
    return ids.map((i) => pieces[i]).join('');
  };

  it('joins sub-word tokens and split characters into words, punctuation with its word', () => {
    expect(groupWords([1, 2, 3, 4, 7, 8, 5, 6, 10], decode).map((w) => [w.word, w.first, w.last])).toEqual([
      ['Buenos', 0, 0],
      ['días,', 1, 3],
      ['¿Tiene', 4, 5],
      ['café?', 6, 8],
    ]);
  });
});

describe(clampWordDurations.name, () => {
  it('cuts the silence the alignment gave the first word and a word before a pause', () => {
    const words = [
      { word: 'Se', start: 0, end: 2.08, probability: 0.9 },
      { word: 'recomienda', start: 2.08, end: 2.6, probability: 0.9 },
      { word: 'a', start: 2.6, end: 2.8, probability: 0.9 },
      { word: 'los', start: 2.8, end: 3.0, probability: 0.9 },
      { word: 'viajeros.', start: 3.0, end: 6.0, probability: 0.9 },
    ];
    // Median word 0.52 s: at most 1.04 s per word.
    const out = clampWordDurations(words);
    expect(out[0]).toMatchObject({ start: expect.closeTo(1.04, 6), end: 2.08 });
    expect(out[4]).toMatchObject({ start: 3.0, end: expect.closeTo(4.04, 6) });
    expect(out.slice(1, 4)).toEqual(words.slice(1, 4));
  });
});

import { describe, expect, it } from 'vitest';
import { activeSegment, fold } from '../../../services/web/src/transcript-sync.ts';

describe(activeSegment.name, () => {
  const segments = [
    { startMs: 0, endMs: 2000 },
    { startMs: 2500, endMs: 5000 },
    { startMs: 4000, endMs: 4500 },
    { startMs: 6000, endMs: 8000 },
  ];
  it('finds the line being said, the latest started one when speech overlaps', () => {
    expect(activeSegment(segments, 0)).toBe(0);
    expect(activeSegment(segments, 1999)).toBe(0);
    expect(activeSegment(segments, 3000)).toBe(1);
    expect(activeSegment(segments, 4200)).toBe(2);
    expect(activeSegment(segments, 4700)).toBe(1);
    expect(activeSegment(segments, 7000)).toBe(3);
  });
  it('keeps the last line in a pause and none before the first', () => {
    expect(activeSegment(segments, 2200)).toBe(0);
    expect(activeSegment(segments, 9000)).toBe(3);
    expect(activeSegment([{ startMs: 500, endMs: 900 }], 100)).toBe(-1);
    expect(activeSegment([], 100)).toBe(-1);
  });
});

describe(fold.name, () => {
  it('drops accents and case, keeping the length so matches map back to the text', () => {
    expect(fold('Crédito ÑANDÚ')).toBe('credito nandu');
    const text = 'Pagó el crédito';
    expect(fold(text)).toHaveLength(text.length);
    expect(fold(text).indexOf('credito')).toBe(text.indexOf('crédito'));
  });
});

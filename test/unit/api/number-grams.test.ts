import { describe, expect, it } from 'vitest';
import { numberGrams } from '../../../services/api/calls/call-query.repository.ts';

describe('numberGrams', () => {
  it('gives each run of 5 consecutive digits once, separators left out', () => {
    expect(numberGrams('300 482-19')).toEqual([30048, 482, 4821, 48219]);
    expect(numberGrams('+5550101')).toEqual([55501, 55010, 50101]);
    expect(numberGrams('1111111')).toEqual([11111]);
  });

  it('gives none for a pattern of fewer than 5 digits, which the trigram indexes serve', () => {
    for (const pattern of ['', '1', '12', '+123', '48 21', 'anonymous'])
      expect(numberGrams(pattern)).toEqual([]);
  });

  it('reads only ASCII digits, as escucha_number_grams does', () => {
    expect(numberGrams('٤٨٢١٩٣٧')).toEqual([]);
    expect(numberGrams('sip:48219@pbx')).toEqual([48219]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../services/api/calls/range.ts';

describe(parseRange.name, () => {
  it('parses closed, open and suffix ranges', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=500-', 1000)).toEqual({ start: 500, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
  });

  it('clamps an end past the object', () => {
    expect(parseRange('bytes=10-5000', 1000)).toEqual({ start: 10, end: 999 });
  });

  it('reports a range that starts past the end as unsatisfiable', () => {
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('ignores headers it does not serve (other units, several ranges, malformed, reversed)', () => {
    expect(parseRange('items=0-5', 1000)).toBeUndefined();
    expect(parseRange('bytes=0-5,10-20', 1000)).toBeUndefined();
    expect(parseRange('bytes=abc', 1000)).toBeUndefined();
    expect(parseRange('bytes=-', 1000)).toBeUndefined();
    expect(parseRange('bytes=50-10', 1000)).toBeUndefined();
  });
});

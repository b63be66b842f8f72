import { describe, expect, it } from 'vitest';
import { callSearchSchema } from '../../../models/call.ts';

describe('callSearchSchema adherenceBelow', () => {
  it('reads a score from 0 to 100, and a value up to 1 as a fraction of the full score', () => {
    expect(callSearchSchema.parse({ adherenceBelow: '70' }).adherenceBelow).toBe(70);
    expect(callSearchSchema.parse({ adherenceBelow: '0.7' }).adherenceBelow).toBeCloseTo(70, 9);
    expect(callSearchSchema.parse({ adherenceBelow: '1' }).adherenceBelow).toBe(100);
    expect(callSearchSchema.parse({}).adherenceBelow).toBeUndefined();
    expect(callSearchSchema.safeParse({ adherenceBelow: '101' }).success).toBe(false);
    expect(callSearchSchema.safeParse({ adherenceBelow: '-0.5' }).success).toBe(false);
  });
});

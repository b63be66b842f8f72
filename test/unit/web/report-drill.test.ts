import { describe, expect, it } from 'vitest';
import { dayStart, nextDay, searchHref } from '../../../services/web/src/drill.ts';

describe('drill-down from a report to the search', () => {
  it('keeps the report filter, its days as UTC midnights, and adds what the figure counts', () => {
    const href = searchHref(
      { from: '2026-11-01', to: '2026-12-01', campaign: 'late-stage' },
      { agentId: 'A0042', disclosure: 'missing' },
    );
    expect(href.startsWith('/?')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(href.slice(2)))).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      campaign: 'late-stage',
      agentId: 'A0042',
      disclosure: 'missing',
    });
  });

  it('lets the figure narrow the report filter, as a day does', () => {
    const href = searchHref(
      { from: '2026-11-01' },
      { from: dayStart('2026-11-23'), to: dayStart(nextDay('2026-11-23')) },
    );
    expect(new URLSearchParams(href.slice(2)).get('from')).toBe('2026-11-23T00:00:00.000Z');
    expect(new URLSearchParams(href.slice(2)).get('to')).toBe('2026-11-24T00:00:00.000Z');
  });

  it('steps over month and year ends, and keeps a full timestamp as it is', () => {
    expect(nextDay('2026-11-30')).toBe('2026-12-01');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(dayStart('2026-11-23T10:00:00Z')).toBe('2026-11-23T10:00:00Z');
  });
});

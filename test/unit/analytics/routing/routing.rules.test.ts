import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROUTING,
  inWeeklySample,
  isoWeek,
  routeCall,
  selectWeeklySample,
} from '../../../../services/analytics/routing/routing.rules.ts';

const base = { callId: 'c1', agentId: 'a1', language: 'es', startedAt: '2024-03-13T10:00:00Z' };
const noSample = { ...DEFAULT_ROUTING, sampleRate: 0 };

describe(routeCall.name, () => {
  it('sends a missing disclosure to the compliance queue of the call language', () => {
    expect(
      routeCall({ ...base, disclosure: { outcome: 'missing', missing: ['recorded'] } }, noSample),
    ).toEqual([{ queue: 'compliance-es', reason: 'disclosure missing', priority: 2 }]);
    expect(
      routeCall(
        { ...base, language: 'en', disclosure: { outcome: 'partial', missing: ['debt_collector'] } },
        noSample,
      ),
    ).toEqual([
      { queue: 'compliance-en', reason: 'disclosure partial: missing debt_collector', priority: 3 },
    ]);
  });

  it('sends a late disclosure to compliance like a missing one, with when each late notice was given', () => {
    const late = {
      outcome: 'late' as const,
      missing: [],
      late: ['recorded', 'privacy_notice'],
      elements: [
        { id: 'recorded', outcome: 'late', atMs: 95_200 },
        { id: 'privacy_notice', outcome: 'late', atMs: 97_000 },
      ],
    };
    expect(routeCall({ ...base, disclosure: late }, noSample)).toEqual([
      {
        queue: 'compliance-es',
        reason: 'disclosure late: recorded at 95 s, privacy_notice at 97 s',
        priority: 2,
      },
    ]);
    const partial = { ...late, outcome: 'partial' as const, missing: ['purpose'], late: ['recorded'] };
    expect(routeCall({ ...base, disclosure: partial }, noSample)[0]!.reason).toBe(
      'disclosure partial: missing purpose (late: recorded at 95 s)',
    );
  });

  it('sends low adherence and negative customer sentiment to QA, one item per queue with all reasons', () => {
    const items = routeCall(
      {
        ...base,
        adherence: { score: 55, passed: false },
        sentiment: { customer: { label: 'negative', score: -0.6 } },
        violations: [{ practice: 'threat' }],
      },
      noSample,
    );
    expect(items).toEqual([
      { queue: 'compliance-es', reason: 'forbidden practice: threat', priority: 1 },
      { queue: 'qa-es', reason: 'adherence 55 below 70; negative customer sentiment (-0.6)', priority: 3 },
    ]);
  });

  it('routes unknown languages to the fallback language and clean calls nowhere', () => {
    expect(
      routeCall({ ...base, language: 'pt', disclosure: { outcome: 'missing', missing: [] } }, noSample)[0]!
        .queue,
    ).toBe('compliance-es');
    expect(
      routeCall(
        {
          ...base,
          disclosure: { outcome: 'disclosed', missing: [] },
          adherence: { score: 95, passed: true },
        },
        noSample,
      ),
    ).toEqual([]);
  });
});

describe('weekly sampling', () => {
  it('is deterministic and close to the rate', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `call-${i}`);
    const picked = ids.filter((id) => inWeeklySample(id, 'agent-1', '2024-03-13T10:00:00Z', 0.1, 'seed'));
    expect(picked.length).toBeGreaterThan(150);
    expect(picked.length).toBeLessThan(250);
    expect(ids.filter((id) => inWeeklySample(id, 'agent-1', '2024-03-13T10:00:00Z', 0.1, 'seed'))).toEqual(
      picked,
    );
    expect(
      ids.filter((id) => inWeeklySample(id, 'agent-1', '2024-03-13T10:00:00Z', 0.1, 'other')).length,
    ).not.toBe(0);
  });

  it('selects exactly N calls per agent and ISO week', () => {
    const calls = Array.from({ length: 30 }, (_, i) => ({
      callId: `c${i}`,
      agentId: i % 2 ? 'ana' : 'luis',
      startedAt: i < 20 ? '2024-03-13T10:00:00Z' : '2024-03-20T10:00:00Z',
    }));
    const s = selectWeeklySample(calls, 3, 'seed');
    expect(s).toHaveLength(12);
    expect(selectWeeklySample(calls, 3, 'seed')).toEqual(s);
  });

  it('numbers ISO weeks', () => {
    expect(isoWeek('2024-03-13T10:00:00Z')).toBe('2024-W11');
    expect(isoWeek('2021-01-03T10:00:00Z')).toBe('2020-W53');
    expect(isoWeek('2024-12-30T10:00:00Z')).toBe('2025-W01');
  });
});

import { describe, expect, it } from 'vitest';
import type { RetentionPolicy } from '../../../services/api/retention/retention.repository.ts';
import { governingPolicy, isExpired } from '../../../services/api/retention/retention.service.ts';

const policy = (p: Partial<RetentionPolicy>): RetentionPolicy => ({
  id: p.name ?? 'p',
  name: 'p',
  campaign: null,
  disposition: null,
  maxAgeDays: 30,
  action: 'delete',
  enabled: true,
  createdBy: null,
  createdAt: '',
  updatedAt: '',
  ...p,
});

describe(governingPolicy.name, () => {
  const all = [
    policy({ name: 'default', maxAgeDays: 365 }),
    policy({ name: 'early', campaign: 'early', maxAgeDays: 30 }),
    policy({ name: 'ptp', disposition: 'PTP', maxAgeDays: 730 }),
    policy({
      name: 'early-legal',
      campaign: 'early',
      disposition: 'LEGAL',
      action: 'keep',
      maxAgeDays: null,
    }),
    policy({ name: 'off', campaign: 'late', maxAgeDays: 1, enabled: false }),
  ];
  const pick = (campaign: string | null, disposition: string | null) =>
    governingPolicy(all, { campaign, disposition })?.name;

  it('picks the most specific enabled policy', () => {
    expect(pick('early', 'LEGAL')).toBe('early-legal');
    expect(pick('early', 'NO_ANSWER')).toBe('early');
    expect(pick('late', 'NO_ANSWER')).toBe('default');
    expect(pick(null, 'PTP')).toBe('ptp');
    expect(governingPolicy([], { campaign: 'x', disposition: null })).toBeUndefined();
  });

  it('lets keep win a tie, then the longest age', () => {
    const tie = [
      policy({ name: 'd', campaign: 'c' }),
      policy({ name: 'k', campaign: 'c', action: 'keep', maxAgeDays: null }),
    ];
    expect(governingPolicy(tie, { campaign: 'c', disposition: null })?.name).toBe('k');
    const ages = [
      policy({ name: 'short', campaign: 'c', maxAgeDays: 10 }),
      policy({ name: 'long', campaign: 'c', maxAgeDays: 90 }),
    ];
    expect(governingPolicy(ages, { campaign: 'c', disposition: null })?.name).toBe('long');
  });
});

describe(isExpired.name, () => {
  const now = new Date('2026-11-23T00:00:00Z');
  it('expires a call older than its delete policy, never under keep or no policy', () => {
    expect(isExpired(policy({ maxAgeDays: 30 }), new Date('2026-10-01T00:00:00Z'), now)).toBe(true);
    expect(isExpired(policy({ maxAgeDays: 30 }), new Date('2026-11-01T00:00:00Z'), now)).toBe(false);
    expect(
      isExpired(policy({ action: 'keep', maxAgeDays: null }), new Date('2000-01-01T00:00:00Z'), now),
    ).toBe(false);
    expect(isExpired(undefined, new Date('2000-01-01T00:00:00Z'), now)).toBe(false);
  });
});

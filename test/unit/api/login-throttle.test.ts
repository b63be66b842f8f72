import { describe, expect, it } from 'vitest';
import { LoginThrottle, ProgressiveDelay } from '../../../services/api/auth/login-throttle.ts';

describe(LoginThrottle.name, () => {
  it('refuses an address after N failures in the window, until the oldest of them leaves it', () => {
    let now = 1_000_000;
    const t = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(t.retryAfterMs('10.0.0.1')).toBe(0);
      t.recordFailure('10.0.0.1');
      now += 10_000;
    }
    // failures at 0, 10 and 20 s; now 30 s: the first leaves the window at 60 s
    expect(t.retryAfterMs('10.0.0.1')).toBe(30_000);
    expect(t.retryAfterMs('10.0.0.2')).toBe(0);
    now += 30_000;
    expect(t.retryAfterMs('10.0.0.1')).toBe(0);
    t.recordFailure('10.0.0.1');
    expect(t.retryAfterMs('10.0.0.1')).toBe(10_000);
  });

  it('forgets the least recently failing addresses beyond its bound', () => {
    const t = new LoginThrottle({ maxFailures: 1, windowMs: 60_000, maxAddresses: 2, now: () => 5 });
    t.recordFailure('a');
    t.recordFailure('b');
    t.recordFailure('a');
    t.recordFailure('c');
    expect(t.retryAfterMs('b')).toBe(0);
    expect(t.retryAfterMs('a')).toBeGreaterThan(0);
    expect(t.retryAfterMs('c')).toBeGreaterThan(0);
  });
});

describe('ProgressiveDelay', () => {
  it('costs nothing for the free failures, then doubles the wait up to the cap, and forgets after a quiet spell', () => {
    let now = 1_000_000;
    const d = new ProgressiveDelay({ freeFailures: 2, maxDelayMs: 10_000, now: () => now });
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      d.recordFailure('ana|10.0.0.1');
      waits.push(d.retryAfterMs('ana|10.0.0.1'));
    }
    expect(waits).toEqual([0, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(d.retryAfterMs('ana|10.0.0.2')).toBe(0);
    now += 10_000;
    expect(d.retryAfterMs('ana|10.0.0.1')).toBe(0);
    now += 10_001;
    d.recordFailure('ana|10.0.0.1'); // forgotten: a free failure again
    expect(d.retryAfterMs('ana|10.0.0.1')).toBe(0);
  });

  it('a success clears the key', () => {
    const d = new ProgressiveDelay({ freeFailures: 0, maxDelayMs: 60_000 });
    d.recordFailure('k');
    expect(d.retryAfterMs('k')).toBeGreaterThan(0);
    d.recordSuccess('k');
    expect(d.retryAfterMs('k')).toBe(0);
  });
});

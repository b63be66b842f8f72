import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceCookies } from '../../../services/api/auth/device-cookie.ts';
import { ProgressiveDelay } from '../../../services/api/auth/login-throttle.ts';

const DAY = 24 * 3_600_000;

describe(DeviceCookies.name, () => {
  const key = randomBytes(32);
  let now = 1_700_000_000_000;
  const cookies = new DeviceCookies({ key: async () => key, maxAgeMs: 30 * DAY, now: () => now });

  it('trusts the cookie it issued for that name (any case), and for no other name', async () => {
    const value = await cookies.issue('Ana.Perez', undefined);
    expect(value).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(await cookies.trusts(value, 'ana.perez')).toBe(true);
    expect(await cookies.trusts(value, 'ANA.PEREZ')).toBe(true);
    expect(await cookies.trusts(value, 'ana.perez2')).toBe(false);
    expect(await cookies.trusts(undefined, 'ana.perez')).toBe(false);
    expect(await cookies.trusts('', 'ana.perez')).toBe(false);
  });

  it('refuses a changed name, date or signature, and a cookie signed with another key', async () => {
    const value = await cookies.issue('ana', undefined);
    const [name, issued, nonce, mac] = value.split('.') as [string, string, string, string];
    const renamed = [Buffer.from('root').toString('base64url'), issued, nonce, mac].join('.');
    expect(await cookies.trusts(renamed, 'root')).toBe(false);
    const later = [name, (parseInt(issued, 36) + DAY).toString(36), nonce, mac].join('.');
    expect(await cookies.trusts(later, 'ana')).toBe(false);
    const flipped = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    expect(await cookies.trusts(flipped, 'ana')).toBe(false);
    const foreign = new DeviceCookies({ key: async () => randomBytes(32), now: () => now });
    expect(await foreign.trusts(value, 'ana')).toBe(false);
    expect(await cookies.trusts('garbage', 'ana')).toBe(false);
    expect(await cookies.trusts('a.b.c.d', 'ana')).toBe(false);
  });

  it('expires after its lifetime', async () => {
    const value = await cookies.issue('ana', undefined);
    now += 30 * DAY - 1;
    expect(await cookies.trusts(value, 'ana')).toBe(true);
    now += 2;
    expect(await cookies.trusts(value, 'ana')).toBe(false);
  });

  it('keeps the entries of the other people who signed in on the browser, the newest four', async () => {
    let value: string | undefined;
    for (const name of ['ana', 'bea', 'ciro', 'dora', 'ana', 'eva']) {
      value = await cookies.issue(name, value);
      now += 1000;
    }
    const trusted = [];
    for (const name of ['ana', 'bea', 'ciro', 'dora', 'eva'])
      if (await cookies.trusts(value, name)) trusted.push(name);
    // bea is the oldest, and ana's second sign-in replaced her first entry.
    expect(trusted).toEqual(['ana', 'ciro', 'dora', 'eva']);
  });
});

describe('per-account counting of clients without a device cookie', () => {
  it('lets the threshold of failures pass, then doubles the wait for every such client, and forgets after the window', () => {
    let now = 1_000_000;
    const account = new ProgressiveDelay({
      freeFailures: 10,
      maxDelayMs: 15 * 60_000,
      forgetAfterMs: 15 * 60_000,
      now: () => now,
    });
    const waits: number[] = [];
    // Each failure from another address: only the account name ties them together.
    for (let i = 0; i < 14; i++) {
      if (account.retryAfterMs('ana') === 0) account.recordFailure('ana');
      waits.push(account.retryAfterMs('ana'));
      now += 1;
    }
    expect(waits.slice(0, 9)).toEqual(Array(9).fill(0));
    // the tenth costs a second; then nothing is counted until it has passed
    expect(waits[9]).toBe(1000);
    expect(waits.slice(10)).toEqual([999, 998, 997, 996]);
    now += 1000;
    account.recordFailure('ana');
    expect(account.retryAfterMs('ana')).toBe(2000);
    expect(account.retryAfterMs('bea')).toBe(0);
    // Fifteen minutes without a failure after the wait ends: forgotten.
    now += 2000 + 15 * 60_000 + 1;
    expect(account.retryAfterMs('ana')).toBe(0);
    account.recordFailure('ana');
    expect(account.retryAfterMs('ana')).toBe(0);
  });
});

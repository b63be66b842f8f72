/**
 * Failed sign-ins per client address in a sliding window, in memory (per process). The per-account lock stops
 * guessing one password; this stops one address trying a few passwords on many accounts (spraying), and spares the
 * password hasher's CPU while it lasts. Behind a proxy, the address is the client's only when `trust proxy` is set.
 */
export interface LoginThrottleOptions {
  /** Failed sign-ins from one address within `windowMs` before it is refused (default 20). */
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most; the least recently failing are forgotten first (default 10,000). */
  maxAddresses?: number;
  now?: () => number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly options: LoginThrottleOptions) {
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until the address may try again, or 0 when it may now. */
  retryAfterMs(address: string): number {
    const times = this.recent(address);
    if (times.length < this.options.maxFailures) return 0;
    return Math.max(1, times[times.length - this.options.maxFailures]! + this.options.windowMs - this.now());
  }

  recordFailure(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    if (times.length > this.options.maxFailures) times.splice(0, times.length - this.options.maxFailures);
    // re-inserted last: the Map's order is least recently failing first
    this.failures.delete(address);
    this.failures.set(address, times);
    while (this.failures.size > this.maxAddresses) {
      this.failures.delete(this.failures.keys().next().value!);
    }
  }

  private recent(address: string): number[] {
    const times = this.failures.get(address);
    if (!times) return [];
    const since = this.now() - this.options.windowMs;
    let drop = 0;
    while (drop < times.length && times[drop]! <= since) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}

export interface ProgressiveDelayOptions {
  /** Failures of one key that cost nothing (default 5). */
  freeFailures: number;
  /** The longest wait (default 15 min). */
  maxDelayMs: number;
  /** The first wait, doubled at every further failure (default 1 s). */
  baseDelayMs?: number;
  /** A key with no failure for this long is forgotten (default: maxDelayMs). */
  forgetAfterMs?: number;
  maxKeys?: number;
  now?: () => number;
}

/**
 * Failed sign-ins per account name and client address: after `freeFailures`, each further failure makes that pair
 * wait twice as long before its next try (1 s, 2 s, 4 s … up to `maxDelayMs`). Nothing is locked: the same account
 * signs in from any other address at once, so nobody can lock a user out by guessing at their name, and an unknown
 * name is treated exactly like a known one, so the answers do not tell which names exist.
 */
export class ProgressiveDelay {
  private readonly entries = new Map<string, { failures: number; last: number; until: number }>();
  private readonly now: () => number;

  constructor(private readonly options: ProgressiveDelayOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until the key may try again, or 0 when it may now. */
  retryAfterMs(key: string): number {
    const entry = this.current(key);
    return entry ? Math.max(0, entry.until - this.now()) : 0;
  }

  recordFailure(key: string): void {
    const now = this.now();
    const entry = this.current(key) ?? { failures: 0, last: now, until: 0 };
    entry.failures++;
    entry.last = now;
    const over = entry.failures - this.options.freeFailures;
    if (over >= 0) {
      const base = this.options.baseDelayMs ?? 1000;
      entry.until = now + Math.min(this.options.maxDelayMs, base * 2 ** Math.min(over, 30));
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    const maxKeys = this.options.maxKeys ?? 100_000;
    while (this.entries.size > maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }

  recordSuccess(key: string): void {
    this.entries.delete(key);
  }

  private current(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const forget = this.options.forgetAfterMs ?? this.options.maxDelayMs;
    if (this.now() - Math.max(entry.last, entry.until) > forget) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

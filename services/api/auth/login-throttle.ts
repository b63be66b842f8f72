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

/** When a webhook delivery is tried again, and when it gives up. */
export interface RetryPolicy {
  /** Attempts in all before a delivery is dead (the first included). */
  attempts: number;
  /** The wait after the first failed attempt; it doubles after each further one. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/**
 * The wait before attempt `failed + 1`, after `failed` failed attempts (1 or more): exponential,
 * `baseDelayMs × 2^(failed − 1)` capped at `maxDelayMs`, then jittered into its upper half (`random` in [0, 1)) so
 * that deliveries failing together against one receiver do not all come back at the same moment.
 */
export function retryDelayMs(
  failed: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failed, 1) - 1, 30);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(capped / 2 + (capped / 2) * random());
}

/** Whether a delivery that has made `attempts` attempts, allowed up to `limit`, is dead. */
export function exhausted(attempts: number, limit: number): boolean {
  return attempts >= limit;
}

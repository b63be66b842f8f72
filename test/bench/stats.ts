/** Nearest-rank percentile of a sample (p in 0–100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

/** Runs `query` once to warm up, then `rounds` times one after the other: the p50 and p95 of those, in ms. */
export async function timeRounds(
  rounds: number,
  query: () => Promise<unknown>,
): Promise<{ p50Ms: number; p95Ms: number }> {
  await query();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await query();
    times.push(performance.now() - t);
  }
  return { p50Ms: round(percentile(times, 50)), p95Ms: round(percentile(times, 95)) };
}

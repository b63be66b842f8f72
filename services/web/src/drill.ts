/** Links from a report's figures to the calls they count (the search page, filtered). */

/**
 * The search page's address for the calls behind a report figure: the report's filter (its dates are whole UTC
 * days, `to` excluded, as the reports count them) and what the figure adds (an agent, a team, a day, an outcome).
 */
export function searchHref(filter: Record<string, string>, extra: Record<string, string>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) {
    params.set(k, k === 'from' || k === 'to' ? dayStart(v) : v);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return `/?${params.toString()}`;
}

/** The start of a day (YYYY-MM-DD) in UTC, as the search's `from`/`to`; a full timestamp is kept as it is. */
export function dayStart(day: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? `${day}T00:00:00.000Z` : day;
}

/** The day after `day` (YYYY-MM-DD). */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}

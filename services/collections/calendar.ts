import { sql, type RawBuilder } from 'kysely';

/**
 * The deployment's calendar for collections: which day, hour of day and weekday an instant falls on, in the configured
 * time zone (`ESCUCHA_TIME_ZONE`, an IANA name; UTC unless set). The one place that decides it, for the ledger (today,
 * a promise's window, the default due date), the follow-up queue and the metrics (periods, best time to call), in
 * JavaScript and in SQL alike.
 *
 * @example
 * const bogota = new Calendar('America/Bogota');
 * bogota.dayOf(new Date('2026-11-03T02:00:00Z')); // '2026-11-02'
 * bogota.startOfDay('2026-11-03').toISOString(); // '2026-11-03T05:00:00.000Z'
 */
export class Calendar {
  private readonly parts: Intl.DateTimeFormat;
  private readonly starts = new Map<string, number>();

  constructor(readonly timeZone = 'UTC') {
    this.parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** The wall-clock time at `t` as if it were UTC (ms). */
  private wall(t: number): number {
    const p: Record<string, string> = {};
    for (const part of this.parts.formatToParts(new Date(t))) p[part.type] = part.value;
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  }

  /** The local day of an instant, YYYY-MM-DD. */
  dayOf(t: Date): string {
    return new Date(this.wall(t.getTime())).toISOString().slice(0, 10);
  }

  /** The local hour of day of an instant, 0–23. */
  hourOf(t: Date): number {
    return new Date(this.wall(t.getTime())).getUTCHours();
  }

  /** The instant a local day (YYYY-MM-DD) begins. */
  startOfDay(day: string): Date {
    let ms = this.starts.get(day);
    if (ms === undefined) {
      const midnight = Date.parse(`${day}T00:00:00Z`);
      const guess = midnight - (this.wall(midnight) - midnight);
      // Across a change of offset, the guess's own offset may be the one that holds: the day begins at the earlier
      // of the two that is on that day. Where the clocks skip midnight, the earlier one falls on the day before, and
      // the day begins when the clocks jump (as PostgreSQL reads a local midnight that never was).
      const again = midnight - (this.wall(guess) - guess);
      const onDay = (t: number) => new Date(this.wall(t)).toISOString().slice(0, 10) === day;
      ms = [Math.min(guess, again), Math.max(guess, again)].find(onDay) ?? guess;
      if (this.starts.size > 10_000) this.starts.clear();
      this.starts.set(day, ms);
    }
    return new Date(ms);
  }

  /** SQL: a timestamptz column as local wall-clock time (a timestamp without zone). */
  local(column: RawBuilder<unknown> | string): RawBuilder<Date> {
    const ref = typeof column === 'string' ? sql.ref(column) : column;
    return sql<Date>`(${ref} at time zone ${sql.lit(this.timeZone)})`;
  }

  /** SQL: the instant a local day begins, for a date expression (the SQL side of `startOfDay`). */
  dayStart(day: RawBuilder<unknown>): RawBuilder<Date> {
    return sql<Date>`((${day})::timestamp at time zone ${sql.lit(this.timeZone)})`;
  }

  /** SQL: the local day of a timestamptz column. */
  day(column: RawBuilder<unknown> | string): RawBuilder<string> {
    return sql<string>`${this.local(column)}::date`;
  }
}

/** UTC, for code and tests that were given no calendar. */
export const UTC_CALENDAR = new Calendar('UTC');

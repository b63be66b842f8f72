import { callCountry } from '../call-country.ts';
import {
  addDays,
  colombianHolidays,
  isoDate,
  localDateTime,
  toEpochDay,
  type LocalDateTime,
} from './calendar.ts';

/**
 * When a debtor may be contacted, from the call's metadata (local time of the customer) and, for frequency
 * rules, the previous contacts with the same customer (given by the caller; detectors do no I/O).
 *
 * - CO, Ley 2300 de 2023 art. 3: Monday–Friday 7:00–19:00, Saturday 8:00–15:00, never on Sundays or public
 *   holidays; once direct contact was made, not more than once a day, nor through more than one channel in the same
 *   week.
 * - MX, CONDUSEF rules for collection agencies (DOF 2014): 7:00–22:00 local time, any day.
 * - US, FDCPA §805(a)(1): not before 8:00 or after 21:00 local time; Regulation F §1006.14(b): more than seven
 *   call attempts in seven days, or a call within seven days after a telephone conversation, is presumed
 *   harassment.
 * Windows are configurable per deployment through `ContactPolicy`.
 */

export interface ContactWindow {
  /** 0 = Sunday … 6 = Saturday */
  days: number[];
  /** "HH:MM" local, inclusive start, exclusive end. */
  from: string;
  to: string;
}

export interface ContactPolicy {
  id: string;
  name: string;
  windows: ContactWindow[];
  noHolidays: 'CO' | null;
  /** Max contacts (connected calls) per local day after a direct contact. */
  maxPerDay: number | null;
  /** Max distinct channels per week (Monday-based) after a direct contact. */
  maxChannelsPerWeek: number | null;
  /** Max call attempts in a rolling 7 days (Reg F), counting this one. */
  maxAttemptsPer7Days: number | null;
  /** Days after a conversation during which no new call is allowed (Reg F). */
  quietDaysAfterConversation: number | null;
}

export const CONTACT_POLICIES: Record<string, ContactPolicy> = {
  CO: {
    id: 'CO',
    name: 'Colombia — Ley 2300 de 2023',
    windows: [
      { days: [1, 2, 3, 4, 5], from: '07:00', to: '19:00' },
      { days: [6], from: '08:00', to: '15:00' },
    ],
    noHolidays: 'CO',
    maxPerDay: 1,
    maxChannelsPerWeek: 1,
    maxAttemptsPer7Days: null,
    quietDaysAfterConversation: null,
  },
  MX: {
    id: 'MX',
    name: 'México — CONDUSEF, despachos de cobranza',
    windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '07:00', to: '22:00' }],
    noHolidays: null,
    maxPerDay: null,
    maxChannelsPerWeek: null,
    maxAttemptsPer7Days: null,
    quietDaysAfterConversation: null,
  },
  US: {
    id: 'US',
    name: 'United States — FDCPA / Regulation F',
    windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '08:00', to: '21:00' }],
    noHolidays: null,
    maxPerDay: null,
    maxChannelsPerWeek: null,
    maxAttemptsPer7Days: 7,
    quietDaysAfterConversation: 7,
  },
};

export interface PriorContact {
  at: string | Date;
  /** call, sms, email, whatsapp, … */
  channel: string;
  /** A conversation with the debtor happened (direct contact). */
  connected: boolean;
}

export interface ContactViolation {
  rule:
    | 'outside_hours'
    | 'sunday'
    | 'holiday'
    | 'per_day'
    | 'channels_per_week'
    | 'attempts_per_7_days'
    | 'after_conversation';
  detail: string;
}

export interface ContactCheck {
  policy: string | null;
  local: { date: string; time: string; weekday: number; zone: string };
  allowed: boolean;
  violations: ContactViolation[];
}

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (l: LocalDateTime) => `${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;

export function checkContactTime(
  call: {
    startedAt: string | Date;
    timeZone?: string | null;
    country?: string | null;
    region?: string | null;
    channel?: string;
  },
  options: { policy?: ContactPolicy | string | null; history?: readonly PriorContact[] } = {},
): ContactCheck {
  const country = callCountry(call);
  const local = localDateTime(call.startedAt, call.timeZone, country);
  const policy =
    typeof options.policy === 'object' && options.policy !== null
      ? options.policy
      : CONTACT_POLICIES[(typeof options.policy === 'string' ? options.policy : country) ?? ''];
  const result: ContactCheck = {
    policy: policy?.id ?? null,
    local: { date: isoDate(local), time: hhmm(local), weekday: local.weekday, zone: local.zone },
    allowed: true,
    violations: [],
  };
  if (!policy) return result;
  const v = result.violations;
  const holidays = policy.noHolidays === 'CO' ? colombianHolidays(local.year) : new Set<string>();
  if (holidays.has(isoDate(local)))
    v.push({ rule: 'holiday', detail: `${isoDate(local)} is a public holiday` });
  const windows = policy.windows.filter((w) => w.days.includes(local.weekday));
  if (windows.length === 0) {
    v.push({
      rule: local.weekday === 0 ? 'sunday' : 'outside_hours',
      detail: `no contact allowed on weekday ${local.weekday}`,
    });
  } else {
    const t = local.hour * 60 + local.minute;
    if (!windows.some((w) => t >= minutes(w.from) && t < minutes(w.to))) {
      v.push({
        rule: 'outside_hours',
        detail: `${hhmm(local)} is outside ${windows.map((w) => `${w.from}–${w.to}`).join(', ')}`,
      });
    }
  }
  const history = (options.history ?? []).map((h) => ({
    ...h,
    local: localDateTime(h.at, call.timeZone, country),
  }));
  const today = toEpochDay(local);
  const channel = call.channel ?? 'call';
  const contacted = history.filter((h) => h.connected);
  if (policy.maxPerDay !== null) {
    const sameDay = contacted.filter((h) => toEpochDay(h.local) === today).length;
    if (sameDay >= policy.maxPerDay)
      v.push({ rule: 'per_day', detail: `${sameDay} earlier contact(s) today` });
  }
  if (policy.maxChannelsPerWeek !== null) {
    const monday = toEpochDay(addDays(local, -((local.weekday + 6) % 7)));
    const channels = new Set(
      contacted
        .filter((h) => toEpochDay(h.local) >= monday && toEpochDay(h.local) <= today)
        .map((h) => h.channel),
    );
    if (channels.size > 0) channels.add(channel);
    if (channels.size > policy.maxChannelsPerWeek) {
      v.push({ rule: 'channels_per_week', detail: `channels this week: ${[...channels].join(', ')}` });
    }
  }
  const atMs = new Date(call.startedAt).getTime();
  if (policy.maxAttemptsPer7Days !== null) {
    const attempts = history.filter((h) => {
      const d = atMs - new Date(h.at).getTime();
      return h.channel === 'call' && d >= 0 && d < 7 * 86_400_000;
    }).length;
    if (attempts + 1 > policy.maxAttemptsPer7Days) {
      v.push({ rule: 'attempts_per_7_days', detail: `${attempts + 1} call attempts within 7 days` });
    }
  }
  if (policy.quietDaysAfterConversation !== null) {
    const recent = contacted.find((h) => {
      const d = atMs - new Date(h.at).getTime();
      return h.channel === 'call' && d > 0 && d < policy.quietDaysAfterConversation! * 86_400_000;
    });
    if (recent)
      v.push({ rule: 'after_conversation', detail: `a conversation took place on ${isoDate(recent.local)}` });
  }
  result.allowed = v.length === 0;
  return result;
}

import { createHash } from 'node:crypto';

/**
 * Turns analysis results into review items: which supervisors' queue a call goes to, why, and how urgently.
 *
 * - the queue's language: supervisors who speak the call's language (`qa-es`, `compliance-en`, …);
 * - a threat, insult or debt disclosed to a third party → compliance, priority 1;
 * - disclosure missing or given late (after the profile's window) → compliance, priority 2; partial → compliance,
 *   priority 3;
 * - contact outside the allowed hours/days → compliance, priority 2;
 * - adherence score below the threshold, or a critical script rule failed → QA, priority 3;
 * - negative customer sentiment → QA, priority 4;
 * - a deterministic random sample per agent and week (hash of seed, agent, ISO week and call) → QA, priority 5.
 * Lower numbers are more urgent. One call may produce several items, at most one per queue (the most urgent).
 */

export interface ReviewItem {
  queue: string;
  reason: string;
  priority: number;
}

export interface RoutingInput {
  callId: string;
  agentId: string | null;
  language: string | null;
  startedAt: string | Date;
  disclosure?: {
    outcome: 'disclosed' | 'late' | 'partial' | 'missing';
    missing: readonly string[];
    /** Elements given after the window, and when (ms from the start of the conversation). */
    late?: readonly string[];
    elements?: readonly { id: string; outcome?: string; atMs?: number | null }[];
  } | null;
  adherence?: { score: number; passed: boolean; criticalFailed?: readonly string[] } | null;
  sentiment?: { customer: { label: string; score: number } } | null;
  violations?: readonly { practice: string }[] | null;
  contact?: { allowed: boolean; violations: readonly { rule: string }[] } | null;
}

export interface RoutingConfig {
  /** Languages that have their own supervisor queues; others go to `fallbackLanguage`. */
  languages: readonly string[];
  fallbackLanguage: string;
  adherenceThreshold: number;
  /** Customer sentiment score at or below this is negative enough for QA (−1…1). */
  negativeSentiment: number;
  /** Share of each agent's calls sampled for QA (0–1). */
  sampleRate: number;
  seed: string;
}

export const DEFAULT_ROUTING: RoutingConfig = {
  languages: ['es', 'en'],
  fallbackLanguage: 'es',
  adherenceThreshold: 70,
  negativeSentiment: -0.3,
  sampleRate: 0.05,
  seed: 'escucha',
};

/** ISO-8601 week of a date, e.g. "2024-W11" (UTC). */
export function isoWeek(at: string | Date): string {
  const src = new Date(typeof at === 'string' ? at : at.getTime());
  const d = new Date(Date.UTC(src.getUTCFullYear(), src.getUTCMonth(), src.getUTCDate()));
  const dayNum = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dayNum); // the Thursday of this week decides the ISO year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** A stable number in [0, 1) from the parts (SHA-256). */
export function hashUnit(...parts: string[]): number {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  return h.readUInt32BE(0) / 2 ** 32;
}

/** Whether a call falls in its agent's weekly QA sample (same answer every time for the same inputs). */
export function inWeeklySample(
  callId: string,
  agentId: string | null,
  startedAt: string | Date,
  rate: number,
  seed: string,
): boolean {
  if (rate <= 0) return false;
  return hashUnit(seed, agentId ?? 'no-agent', isoWeek(startedAt), callId) < rate;
}

/** Batch form: exactly `perAgent` calls per agent and week (the ones with the smallest hash). */
export function selectWeeklySample<
  T extends { callId: string; agentId: string | null; startedAt: string | Date },
>(calls: readonly T[], perAgent: number, seed: string): T[] {
  const groups = new Map<string, { call: T; h: number }[]>();
  for (const call of calls) {
    const key = `${call.agentId ?? 'no-agent'}|${isoWeek(call.startedAt)}`;
    const h = hashUnit(seed, key, call.callId);
    const l = groups.get(key);
    if (l) l.push({ call, h });
    else groups.set(key, [{ call, h }]);
  }
  return [...groups.values()].flatMap((g) =>
    g
      .sort((a, b) => a.h - b.h)
      .slice(0, perAgent)
      .map((x) => x.call),
  );
}

/** `recorded at 95 s, purpose at 97 s`: the elements given after the window, with their time. */
function lateElements(d: NonNullable<RoutingInput['disclosure']>): string {
  return (d.late ?? [])
    .map((id) => {
      const at = d.elements?.find((e) => e.id === id)?.atMs;
      return typeof at === 'number' ? `${id} at ${Math.round(at / 1000)} s` : id;
    })
    .join(', ');
}

export function routeCall(input: RoutingInput, config: RoutingConfig = DEFAULT_ROUTING): ReviewItem[] {
  const lang =
    input.language && config.languages.includes(input.language) ? input.language : config.fallbackLanguage;
  const compliance = `compliance-${lang}`;
  const qa = `qa-${lang}`;
  const items: ReviewItem[] = [];
  const add = (queue: string, reason: string, priority: number) => items.push({ queue, reason, priority });
  for (const v of input.violations ?? []) add(compliance, `forbidden practice: ${v.practice}`, 1);
  if (input.disclosure?.outcome === 'missing') add(compliance, 'disclosure missing', 2);
  else if (input.disclosure?.outcome === 'late')
    add(compliance, `disclosure late: ${lateElements(input.disclosure)}`, 2);
  else if (input.disclosure?.outcome === 'partial') {
    const late = input.disclosure.late?.length ? ` (late: ${lateElements(input.disclosure)})` : '';
    add(compliance, `disclosure partial: missing ${input.disclosure.missing.join(', ')}${late}`, 3);
  }
  if (input.contact && !input.contact.allowed) {
    add(compliance, `contact rules: ${input.contact.violations.map((v) => v.rule).join(', ')}`, 2);
  }
  if (input.adherence) {
    if (input.adherence.criticalFailed && input.adherence.criticalFailed.length > 0) {
      add(qa, `critical script rule failed: ${input.adherence.criticalFailed.join(', ')}`, 2);
    } else if (input.adherence.score < config.adherenceThreshold) {
      add(qa, `adherence ${input.adherence.score} below ${config.adherenceThreshold}`, 3);
    }
  }
  const customer = input.sentiment?.customer;
  if (customer && (customer.label === 'negative' || customer.score <= config.negativeSentiment)) {
    add(qa, `negative customer sentiment (${customer.score})`, 4);
  }
  if (inWeeklySample(input.callId, input.agentId, input.startedAt, config.sampleRate, config.seed)) {
    add(qa, `weekly sample for agent ${input.agentId ?? 'unknown'}`, 5);
  }
  // one item per queue: the most urgent, with every reason
  const byQueue = new Map<string, ReviewItem>();
  for (const item of items.sort((a, b) => a.priority - b.priority)) {
    const known = byQueue.get(item.queue);
    if (!known) byQueue.set(item.queue, { ...item });
    else if (!known.reason.includes(item.reason)) known.reason += `; ${item.reason}`;
  }
  return [...byQueue.values()];
}

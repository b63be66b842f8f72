import type { Transcript, TranscriptSegment } from '../matching/transcript.types.ts';

/**
 * Talk metrics from segment timings: talk time and ratio per party, silence share, overtalk (both speaking at once:
 * episodes and total time), longest monologue per party, holds (nobody speaking for more than N seconds) and
 * interruptions (a party starting to speak over the other, not a short backchannel).
 *
 * A segment's speaker is its party; segments of an unknown party count by channel ("channel-0").
 */

export interface Interval {
  startMs: number;
  endMs: number;
}

export interface TalkOptions {
  /** Silence on every channel longer than this is a hold (default 10 s). */
  holdMs?: number;
  /** Overlaps shorter than this are not overtalk (default 300 ms). */
  minOverlapMs?: number;
  /** Pauses up to this long do not end a monologue (default 1.5 s). */
  monologueGapMs?: number;
  /** An interruption lasts at least this long over the other party (default 800 ms)… */
  interruptionMinMs?: number;
  /** …and the interrupted party stops within this long after it started (default 3 s). */
  interruptionYieldMs?: number;
}

export interface SpeakerTalk {
  talkMs: number;
  segments: number;
  longestMonologueMs: number;
  longestMonologue: Interval | null;
  interruptionsMade: number;
}

export interface TalkMetrics {
  durationMs: number;
  speakers: Record<string, SpeakerTalk>;
  /** agent talk / (agent + customer talk); null when neither spoke. */
  agentTalkShare: number | null;
  /** agent talk / customer talk; null when the customer did not speak. */
  agentToCustomerRatio: number | null;
  silenceMs: number;
  silenceShare: number;
  overtalk: { count: number; totalMs: number; episodes: Interval[] };
  holds: Interval[];
  interruptions: { by: string; atMs: number; overMs: number }[];
}

export function speakerOf(s: TranscriptSegment): string {
  return s.party !== 'unknown' ? s.party : `channel-${s.channel ?? 0}`;
}

/** Union of intervals, sorted and merged (gaps up to `joinMs` closed). */
export function union(intervals: readonly Interval[], joinMs = 0): Interval[] {
  const sorted = intervals.filter((i) => i.endMs > i.startMs).sort((a, b) => a.startMs - b.startMs);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.startMs <= last.endMs + joinMs) last.endMs = Math.max(last.endMs, i.endMs);
    else out.push({ startMs: i.startMs, endMs: i.endMs });
  }
  return out;
}

/** Speech shorter than this by the other party does not end a monologue. */
const BACKCHANNEL_MS = 1000;

function subtract(block: Interval, cuts: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let cursor = block.startMs;
  for (const c of cuts) {
    if (c.endMs <= cursor || c.startMs >= block.endMs) continue;
    if (c.startMs > cursor) out.push({ startMs: cursor, endMs: c.startMs });
    cursor = Math.max(cursor, c.endMs);
  }
  if (cursor < block.endMs) out.push({ startMs: cursor, endMs: block.endMs });
  return out;
}

const total = (xs: readonly Interval[]) => xs.reduce((s, i) => s + (i.endMs - i.startMs), 0);

function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const s = Math.max(a[i]!.startMs, b[j]!.startMs);
    const e = Math.min(a[i]!.endMs, b[j]!.endMs);
    if (e > s) out.push({ startMs: s, endMs: e });
    if (a[i]!.endMs < b[j]!.endMs) i++;
    else j++;
  }
  return out;
}

export function talkMetrics(
  transcript: Transcript,
  durationMs: number,
  options: TalkOptions = {},
): TalkMetrics {
  const holdMs = options.holdMs ?? 10_000;
  const minOverlap = options.minOverlapMs ?? 300;
  const gap = options.monologueGapMs ?? 1500;
  const interruptionMin = options.interruptionMinMs ?? 800;
  const yieldMs = options.interruptionYieldMs ?? 3000;
  const duration = Math.max(durationMs, ...transcript.map((s) => s.endMs), 0);
  const bySpeaker = new Map<string, TranscriptSegment[]>();
  for (const s of transcript) {
    if (s.endMs <= s.startMs) continue;
    const k = speakerOf(s);
    const l = bySpeaker.get(k);
    if (l) l.push(s);
    else bySpeaker.set(k, [s]);
  }
  const talk = new Map<string, Interval[]>();
  for (const [k, segs] of bySpeaker) talk.set(k, union(segs));
  const all = union([...talk.values()].flat());
  const speakers: Record<string, SpeakerTalk> = {};
  for (const [k, segs] of bySpeaker) {
    // a monologue: own speech joined over short pauses, cut where another speaker talks for more than a
    // backchannel ("ajá", "okay")
    const cuts = union(
      [...bySpeaker.entries()]
        .filter(([o]) => o !== k)
        .flatMap(([, v]) => v)
        .filter((o) => o.endMs - o.startMs >= BACKCHANNEL_MS),
    );
    let longest: Interval | null = null;
    for (const block of union(segs, gap)) {
      for (const piece of subtract(block, cuts)) {
        if (!longest || piece.endMs - piece.startMs > longest.endMs - longest.startMs) longest = piece;
      }
    }
    speakers[k] = {
      talkMs: total(talk.get(k)!),
      segments: segs.length,
      longestMonologueMs: longest ? longest.endMs - longest.startMs : 0,
      longestMonologue: longest,
      interruptionsMade: 0,
    };
  }
  const agent = talk.get('agent') ?? [];
  const customer = talk.get('customer') ?? [];
  const overlap = intersect(agent, customer).filter((o) => o.endMs - o.startMs >= minOverlap);
  const interruptions: TalkMetrics['interruptions'] = [];
  for (const [by, other] of [
    ['agent', 'customer'],
    ['customer', 'agent'],
  ] as const) {
    for (const s of bySpeaker.get(by) ?? []) {
      const under = (bySpeaker.get(other) ?? []).find((o) => o.startMs < s.startMs && o.endMs > s.startMs);
      if (!under) continue;
      const over = Math.min(under.endMs, s.endMs) - s.startMs;
      const yielded = under.endMs - s.startMs <= yieldMs || under.endMs <= s.endMs;
      if (over >= interruptionMin && yielded && s.endMs - s.startMs >= interruptionMin) {
        interruptions.push({ by, atMs: s.startMs, overMs: over });
        speakers[by]!.interruptionsMade++;
      }
    }
  }
  const holds: Interval[] = [];
  let cursor = 0;
  for (const i of [...all, { startMs: duration, endMs: duration }]) {
    if (i.startMs - cursor > holdMs && cursor > 0 && i.startMs < duration)
      holds.push({ startMs: cursor, endMs: i.startMs });
    cursor = Math.max(cursor, i.endMs);
  }
  const agentMs = speakers.agent?.talkMs ?? 0;
  const customerMs = speakers.customer?.talkMs ?? 0;
  const silenceMs = Math.max(0, duration - total(all));
  return {
    durationMs: duration,
    speakers,
    agentTalkShare: agentMs + customerMs > 0 ? round3(agentMs / (agentMs + customerMs)) : null,
    agentToCustomerRatio: customerMs > 0 ? round3(agentMs / customerMs) : null,
    silenceMs,
    silenceShare: duration > 0 ? round3(silenceMs / duration) : 0,
    overtalk: { count: overlap.length, totalMs: total(overlap), episodes: overlap },
    holds,
    interruptions: interruptions.sort((a, b) => a.atMs - b.atMs),
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

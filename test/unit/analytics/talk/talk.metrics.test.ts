import { describe, expect, it } from 'vitest';
import type { TranscriptSegment } from '../../../../services/analytics/matching/transcript.types.ts';
import { talkMetrics, union } from '../../../../services/analytics/talk/talk.metrics.ts';
import type { Party } from '../../../../models/database.ts';

const seg = (party: Party, startS: number, endS: number): TranscriptSegment => ({
  party,
  channel: party === 'agent' ? 0 : 1,
  startMs: startS * 1000,
  endMs: endS * 1000,
  text: 'x',
});

describe(talkMetrics.name, () => {
  const call = [
    seg('agent', 0, 10),
    seg('customer', 9, 14), // 1 s overtalk, interrupts the agent who stops at 10
    seg('agent', 15, 20),
    seg('customer', 20.5, 21), // backchannel: does not end the agent monologue below
    seg('agent', 21, 30),
    seg('customer', 45, 50), // 15 s of silence before: a hold
  ];
  const m = talkMetrics(call, 60_000);

  it('measures talk time, shares and silence', () => {
    expect(m.speakers.agent!.talkMs).toBe(24_000);
    expect(m.speakers.customer!.talkMs).toBe(10_500);
    expect(m.agentTalkShare).toBeCloseTo(0.696, 3);
    expect(m.silenceMs).toBe(60_000 - 33_500);
  });

  it('counts overtalk and interruptions, and finds holds', () => {
    expect(m.overtalk).toMatchObject({ count: 1, totalMs: 1000 });
    expect(m.interruptions).toEqual([{ by: 'customer', atMs: 9000, overMs: 1000 }]);
    expect(m.holds).toEqual([{ startMs: 30_000, endMs: 45_000 }]);
  });

  it('finds the longest monologue over pauses and backchannels', () => {
    expect(m.speakers.agent!.longestMonologue).toEqual({ startMs: 15_000, endMs: 30_000 });
    expect(m.speakers.customer!.longestMonologueMs).toBe(5000);
  });

  it('handles a call where only one party speaks', () => {
    const solo = talkMetrics([seg('agent', 0, 5)], 10_000);
    expect(solo.agentToCustomerRatio).toBeNull();
    expect(solo.agentTalkShare).toBe(1);
  });
});

describe(union.name, () => {
  it('merges overlapping and close intervals', () => {
    expect(
      union(
        [
          { startMs: 5, endMs: 8 },
          { startMs: 0, endMs: 3 },
          { startMs: 3.5, endMs: 4 },
        ],
        0.5,
      ),
    ).toEqual([
      { startMs: 0, endMs: 4 },
      { startMs: 5, endMs: 8 },
    ]);
  });
});

import type { ParticipantRole, SegmentParty } from '../../models/database.ts';

/** What the speech stages need to know of a call: its language as given, its recording and who is on which channel. */
export interface SpeechInput {
  callId: string;
  language: string | null;
  recording: { objectKey: string; channels: number; durationMs: number } | null;
  participants: { role: ParticipantRole; channel: number | null }[];
}

/**
 * Who speaks on a channel: from the participants' channels; by convention channel 0 is the agent and 1 the customer;
 * a mono recording mixes both (unknown).
 */
export function partyForChannel(input: SpeechInput, channel: number): SegmentParty {
  const channels = input.recording?.channels ?? 1;
  if (channels < 2) return 'unknown';
  const p = input.participants.find((x) => x.channel === channel);
  if (p) return p.role === 'other' ? 'unknown' : p.role;
  return channel === 0 ? 'agent' : channel === 1 ? 'customer' : 'unknown';
}

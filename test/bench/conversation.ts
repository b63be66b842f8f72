import path from 'node:path';
import { phonePcm } from '../support/phone-speech.ts';
import { SPEECH_DIR } from '../support/real-speech.ts';

/**
 * One round of a call of real Spanish speech for the live benchmarks (FLEURS at a phone line's 8 kHz): the agent
 * reads three recordings with 0.8 s between them, the customer answers with one from 14 s; 35.6 s, about 42 s of
 * speech. Each channel is 16-bit PCM of the same length, a whole number of 20 ms frames, so it can be looped.
 */
export interface Conversation {
  agent: Int16Array;
  customer: Int16Array;
  /** Samples per channel (8 kHz). */
  length: number;
}

export async function conversation(): Promise<Conversation> {
  const agent = await Promise.all(
    ['fleurs-es-000', 'fleurs-es-002', 'fleurs-es-004'].map((f) =>
      phonePcm(path.join(SPEECH_DIR, `${f}.ogg`)),
    ),
  );
  const gap = 800 * 8;
  const customer = await phonePcm(path.join(SPEECH_DIR, 'fleurs-es-003.ogg'));
  const customerAt = 14_000 * 8;
  const agentLength = agent.reduce((n, a) => n + a.length + gap, 0);
  const length = Math.ceil(Math.max(agentLength, customerAt + customer.length) / 160) * 160;
  const a = new Int16Array(length);
  agent.reduce((at, part) => (a.set(part, at), at + part.length + gap), 0);
  const c = new Int16Array(length);
  c.set(customer, customerAt);
  return { agent: a, customer: c, length };
}

/** Where call `i` of `calls` starts in the round (i/calls of it, on a 20 ms frame), so calls do not speak in step. */
export function startInRound(i: number, calls: number, length: number): number {
  return Math.floor((i * length) / calls / 160) * 160;
}

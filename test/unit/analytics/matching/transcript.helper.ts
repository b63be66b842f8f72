import type {
  SegmentParty,
  TranscriptSegment,
} from '../../../../services/analytics/matching/transcript.types.ts';

/**
 * Builds a transcript from lines "a: text" (agent) / "c: text" (customer) / "u: text" (unknown), laid out one
 * after another at about 2.5 words per second with a short gap, or at explicit times with "a@12.5: text".
 */
export function transcript(...lines: string[]): TranscriptSegment[] {
  let t = 500;
  return lines.map((line) => {
    const m = /^([acu])(?:@([\d.]+))?:\s*(.*)$/.exec(line);
    if (!m) throw new Error(`bad line: ${line}`);
    const party: SegmentParty = m[1] === 'a' ? 'agent' : m[1] === 'c' ? 'customer' : 'unknown';
    const text = m[3]!;
    if (m[2]) t = Math.round(Number(m[2]) * 1000);
    const dur = Math.max(600, Math.round((text.split(' ').length / 2.5) * 1000));
    const seg: TranscriptSegment = {
      party,
      channel: party === 'agent' ? 0 : 1,
      startMs: t,
      endMs: t + dur,
      text,
    };
    t += dur + 300;
    return seg;
  });
}

import type { Segment } from './api.ts';

/** Pure helpers of the transcript view: which line is being said, and accent-insensitive matching. */

/** Lower case without accents, for find-in-call; keeps the UTF-16 length so offsets map back to the text. */
export function fold(s: string): string {
  return s.normalize('NFC').replace(/./gsu, (ch) => {
    const f = ch
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
    return f.length === ch.length ? f : ch;
  });
}

/**
 * Index of the segment being said at `ms`: among those started at or before it, the latest still running; in a
 * pause, the last one said (so the highlight stays put until the next line starts). -1 before the first line.
 */
export function activeSegment(segments: Pick<Segment, 'startMs' | 'endMs'>[], ms: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]!.startMs <= ms) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return -1;
  // Overlapping speech: prefer the latest segment that still covers the time.
  for (let i = found; i >= 0 && i > found - 4; i -= 1) if (segments[i]!.endMs >= ms) return i;
  return found;
}

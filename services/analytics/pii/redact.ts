import type { Transcript, TranscriptSegment } from '../matching/transcript.types.ts';
import type { PiiSpan, PiiType } from './pii.detector.ts';

/**
 * Redaction: the transcript with each sensitive span replaced by a typed placeholder ("[CARD]"), and the time
 * ranges to silence in the audio (per channel, padded, merged). Muting the audio itself is done by the pipeline
 * with ffmpeg (volume=0 over these ranges).
 */

export interface MuteRange {
  /** null: the whole mix (mono recordings or unknown channel). */
  channel: number | null;
  startMs: number;
  endMs: number;
  types: PiiType[];
}

export interface RedactionResult {
  segments: TranscriptSegment[];
  muteRanges: MuteRange[];
  counts: Partial<Record<PiiType, number>>;
}

export interface RedactOptions {
  /** Added before and after each span in the audio (default 300 ms): estimated word times are approximate. */
  paddingMs?: number;
  /** Types to leave in place. */
  keep?: readonly PiiType[];
}

export function redact(
  transcript: Transcript,
  spans: readonly PiiSpan[],
  options: RedactOptions = {},
): RedactionResult {
  const padding = options.paddingMs ?? 300;
  const keep = new Set(options.keep ?? []);
  const active = spans.filter((s) => !keep.has(s.type));
  const counts: Partial<Record<PiiType, number>> = {};
  for (const s of active) counts[s.type] = (counts[s.type] ?? 0) + 1;
  const segments = transcript.map((segment, i) => {
    const mine = active.filter((s) => s.segmentIndex === i).sort((a, b) => b.start - a.start);
    if (mine.length === 0) return { ...segment };
    let text = segment.text;
    let lastStart = Infinity;
    for (const s of mine) {
      if (s.end > lastStart) continue; // overlapping spans were resolved by the detector; be safe anyway
      text = text.slice(0, s.start) + `[${s.type}]` + text.slice(s.end);
      lastStart = s.start;
    }
    const { words: _words, ...rest } = segment;
    return { ...rest, text, words: null };
  });
  const byChannel = new Map<number | null, MuteRange[]>();
  for (const s of active) {
    const range: MuteRange = {
      channel: s.channel,
      startMs: Math.max(0, s.startMs - padding),
      endMs: s.endMs + padding,
      types: [s.type],
    };
    const list = byChannel.get(s.channel);
    if (list) list.push(range);
    else byChannel.set(s.channel, [range]);
  }
  const muteRanges: MuteRange[] = [];
  for (const list of byChannel.values()) {
    list.sort((a, b) => a.startMs - b.startMs);
    for (const r of list) {
      const last = muteRanges[muteRanges.length - 1];
      if (last && last.channel === r.channel && r.startMs <= last.endMs) {
        last.endMs = Math.max(last.endMs, r.endMs);
        for (const t of r.types) if (!last.types.includes(t)) last.types.push(t);
      } else muteRanges.push({ ...r, types: [...r.types] });
    }
  }
  return { segments, muteRanges: muteRanges.sort((a, b) => a.startMs - b.startMs), counts };
}

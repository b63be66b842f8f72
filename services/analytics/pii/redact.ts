import { prepareTranscript } from '../matching/prepared-transcript.ts';
import type { Language, Transcript, TranscriptSegment } from '../matching/transcript.types.ts';
import { detectPii, type PiiSpan, type PiiType } from './pii.detector.ts';

/**
 * Redaction: the transcript with each sensitive span replaced by a typed placeholder ("[CARD]"), and the time
 * ranges to silence in the audio (per channel, padded, merged). Muting the audio itself is done by the pipeline
 * with ffmpeg (volume=0 over these ranges).
 */

/** What a muted range hides: spoken sensitive data, or key presses heard in the audio (in-band DTMF). */
export type MuteReason = PiiType | 'DTMF';

export interface MuteRange {
  /** null: every channel (mono recordings, unknown channel, key presses). */
  channel: number | null;
  startMs: number;
  endMs: number;
  types: MuteReason[];
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
  const muteRanges = mergeMuteRanges(
    active.map((s) => ({
      channel: s.channel,
      startMs: Math.max(0, s.startMs - padding),
      endMs: s.endMs + padding,
      types: [s.type],
    })),
  );
  return { segments, muteRanges, counts };
}

/**
 * The lines of a call still in progress with every sensitive number or address replaced by its placeholder, each
 * line read with the lines before it (a question, or the first half of a number). A number its context calls
 * sensitive is hidden even while it is too short to be one (its rest may come in the next line).
 */
export function redactLiveLines<T extends TranscriptSegment>(lines: readonly T[], language: Language): T[] {
  if (lines.length === 0) return [];
  const spans = detectPii(prepareTranscript(lines, language), { unfinished: true });
  if (spans.length === 0) return [...lines];
  const redacted = redact(lines, spans).segments;
  return lines.map((line, i) =>
    redacted[i]!.text === line.text ? line : { ...line, text: redacted[i]!.text },
  );
}

/** Ranges of one channel that touch or overlap become one (with both reasons); sorted by start. */
export function mergeMuteRanges(ranges: readonly MuteRange[]): MuteRange[] {
  const byChannel = new Map<number | null, MuteRange[]>();
  for (const r of ranges) {
    const list = byChannel.get(r.channel);
    if (list) list.push(r);
    else byChannel.set(r.channel, [r]);
  }
  const out: MuteRange[] = [];
  for (const list of byChannel.values()) {
    list.sort((a, b) => a.startMs - b.startMs);
    for (const r of list) {
      const last = out[out.length - 1];
      if (last && last.channel === r.channel && r.startMs <= last.endMs) {
        last.endMs = Math.max(last.endMs, r.endMs);
        for (const t of r.types) if (!last.types.includes(t)) last.types.push(t);
      } else out.push({ ...r, types: [...r.types] });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/** Padding around a key press heard in the audio. */
const KEY_PRESS_PADDING_MS = 60;

/** Key presses heard in the audio, as ranges muted on every channel (a tone can leak into the other leg). */
export function keyPressMuteRanges(presses: readonly { startMs: number; endMs: number }[]): MuteRange[] {
  return mergeMuteRanges(
    presses.map((p) => ({
      channel: null,
      startMs: Math.max(0, p.startMs - KEY_PRESS_PADDING_MS),
      endMs: p.endMs + KEY_PRESS_PADDING_MS,
      types: ['DTMF'],
    })),
  );
}

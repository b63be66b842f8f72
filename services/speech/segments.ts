import type { SpeechSegment } from './vad.sherpa.ts';

export interface SegmentAudio {
  /** Index of the segment in the list given. */
  index: number;
  segment: SpeechSegment;
  /** Where `samples` start, in ms (the segment start minus padding, at least 0). */
  offsetMs: number;
  samples: Float32Array;
}

/**
 * Cuts a decoded PCM stream into the audio of each segment (plus `padMs` on both sides: recognisers do better with a
 * little silence around speech), yielding each as soon as the stream has passed its end. Memory stays bounded by the
 * segments that overlap the current position. Stops reading once every segment has been yielded.
 */
export async function* sliceSegments(
  pcm: AsyncIterable<Float32Array>,
  segments: readonly SpeechSegment[],
  sampleRate: number,
  padMs = 0,
): AsyncGenerator<SegmentAudio> {
  const toSample = (ms: number) => Math.round((ms * sampleRate) / 1000);
  const ranges = segments
    .map((segment, index) => {
      const start = Math.max(0, toSample(segment.startMs - padMs));
      const end = Math.max(start, toSample(segment.endMs + padMs));
      return { index, segment, start, end, buf: new Float32Array(0), filled: 0 };
    })
    .sort((a, b) => a.start - b.start || a.index - b.index);
  if (ranges.length === 0) return;
  let next = 0; // first range not yet opened
  const open: typeof ranges = [];
  let pos = 0; // absolute index of the first sample of the current chunk
  const emit = (r: (typeof ranges)[number]): SegmentAudio => ({
    index: r.index,
    segment: r.segment,
    offsetMs: (r.start * 1000) / sampleRate,
    samples: r.filled === r.buf.length ? r.buf : r.buf.slice(0, r.filled),
  });

  for await (const chunk of pcm) {
    const chunkEnd = pos + chunk.length;
    while (next < ranges.length && ranges[next]!.start < chunkEnd) {
      const r = ranges[next++]!;
      r.buf = new Float32Array(r.end - r.start);
      open.push(r);
    }
    for (let i = 0; i < open.length;) {
      const r = open[i]!;
      const from = Math.max(r.start, pos);
      const to = Math.min(r.end, chunkEnd);
      if (to > from) {
        r.buf.set(chunk.subarray(from - pos, to - pos), from - r.start);
        r.filled = to - r.start;
      }
      if (r.end <= chunkEnd) {
        open.splice(i, 1);
        yield emit(r);
      } else {
        i++;
      }
    }
    pos = chunkEnd;
    if (next >= ranges.length && open.length === 0) return;
  }
  // The recording ended before some segments did (rounding, or a VAD segment at the very end).
  for (const r of open) if (r.filled > 0) yield emit(r);
}

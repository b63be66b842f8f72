import { describe, expect, it } from 'vitest';
import { sliceSegments, type SegmentAudio } from '../../../services/speech/segments.ts';

/** 1 kHz "sample rate" so 1 sample = 1 ms; sample i has value i. */
function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i);
}

async function* inChunks(data: Float32Array, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.slice(i, i + size);
}

async function collect(it: AsyncIterable<SegmentAudio>): Promise<SegmentAudio[]> {
  const out: SegmentAudio[] = [];
  for await (const a of it) out.push(a);
  return out;
}

describe(sliceSegments.name, () => {
  it('cuts the exact samples of each segment across chunk boundaries', async () => {
    const out = await collect(
      sliceSegments(
        inChunks(ramp(1000), 64),
        [
          { startMs: 100, endMs: 250 },
          { startMs: 600, endMs: 610 },
        ],
        1000,
      ),
    );
    expect(out.map((o) => [o.index, o.offsetMs, o.samples.length, o.samples[0], o.samples.at(-1)])).toEqual([
      [0, 100, 150, 100, 249],
      [1, 600, 10, 600, 609],
    ]);
  });

  it('adds padding on both sides, clamped at the start, and lets padded segments overlap', async () => {
    const out = await collect(
      sliceSegments(
        inChunks(ramp(1000), 100),
        [
          { startMs: 20, endMs: 100 },
          { startMs: 120, endMs: 200 },
        ],
        1000,
        50,
      ),
    );
    expect(out[0]).toMatchObject({ index: 0, offsetMs: 0 });
    expect(out[0]!.samples.length).toBe(150);
    expect(out[1]).toMatchObject({ index: 1, offsetMs: 70 });
    expect([out[1]!.samples[0], out[1]!.samples.at(-1)]).toEqual([70, 249]);
  });

  it('yields a segment cut short by the end of the recording with what there is', async () => {
    const out = await collect(sliceSegments(inChunks(ramp(300), 128), [{ startMs: 250, endMs: 400 }], 1000));
    expect(out).toHaveLength(1);
    expect(out[0]!.samples.length).toBe(50);
  });

  it('stops reading the stream once the last segment is complete', async () => {
    let chunksRead = 0;
    async function* counting() {
      for await (const c of inChunks(ramp(100_000), 100)) {
        chunksRead++;
        yield c;
      }
    }
    const out = await collect(sliceSegments(counting(), [{ startMs: 0, endMs: 150 }], 1000));
    expect(out).toHaveLength(1);
    expect(chunksRead).toBe(2);
  });

  it('yields nothing for no segments', async () => {
    expect(await collect(sliceSegments(inChunks(ramp(10), 5), [], 1000))).toEqual([]);
  });
});

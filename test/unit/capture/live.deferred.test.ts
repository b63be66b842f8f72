import { describe, expect, it } from 'vitest';
import type {
  LiveDecoderOutput,
  LiveDecoderProcess,
  LiveDecoders,
} from '../../../services/capture/rtp/live.decoder.ts';
import { LiveDeferredStream, type LiveStretch } from '../../../services/capture/rtp/live.deferred.ts';

/** A decoder that takes input while `accepting`, and whose output the test writes. */
class FakeDecoders implements LiveDecoders {
  output: LiveDecoderOutput | undefined;
  written: Buffer[] = [];
  accepting = true;
  stopped = 0;
  stoppedFor: unknown[] = [];
  available = true;
  open(_codec: string, output: LiveDecoderOutput): LiveDecoderProcess | undefined {
    if (!this.available) return undefined;
    this.output = output;
    return {
      write: (bytes) => {
        if (!this.accepting) return false;
        this.written.push(bytes);
        return true;
      },
      stop: (error) => {
        this.stopped++;
        if (error !== undefined) this.stoppedFor.push(error);
      },
    };
  }
  /** ffmpeg's output: `n` samples of value `v`, as little-endian bytes. */
  pcm(n: number, v: number): void {
    const b = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) b.writeInt16LE(v, i * 2);
    this.output!.pcm(b);
  }
}

/** A G.729 unit of `frames` 10-byte frames (80 samples each). */
const g729 = (frames: number) => Buffer.alloc(frames * 10, 7);

function stream(decoders: FakeDecoders, options: { maxLagMs?: number; stuckMs?: number } = {}) {
  const out: LiveStretch[] = [];
  let failed = 0;
  const s = LiveDeferredStream.open({
    codec: 'g729',
    sampleRate: 8000,
    decoders,
    emit: (x) => out.push({ ...x, samples: x.samples.slice() }),
    failed: () => failed++,
    ...options,
  })!;
  return { s, out, failed: () => failed };
}

describe(LiveDeferredStream.name, () => {
  it('gives each stretch back in timeline order once its PCM is in, silence waiting its turn', () => {
    const d = new FakeDecoders();
    const { s, out } = stream(d);
    s.unit(0, 160, 0, g729(2), 1000);
    s.silence(160, 160, 1020);
    s.unit(320, 120, 40, g729(2), 1040); // the jitter buffer kept its last 120 samples (an overlap)
    expect(d.written.map((b) => b.length)).toEqual([20, 20]);
    expect(out).toEqual([]);
    d.pcm(100, 5); // a chunk ends inside the first unit
    expect(out).toEqual([]);
    d.pcm(60, 5);
    expect(out.map((x) => [x.position, x.samples.length, x.voiced, x.arrivalMs])).toEqual([
      [0, 160, true, 1000],
      [160, 160, false, 1020],
    ]);
    expect(out[0]!.samples.every((v) => v === 5)).toBe(true);
    d.pcm(40, 1);
    d.pcm(120, 9);
    expect(out[2]).toMatchObject({ position: 320, voiced: true });
    expect(Array.from(out[2]!.samples)).toEqual(Array(120).fill(9));
  });

  it('drops units while the decoder is behind or refuses input, and counts them', () => {
    const d = new FakeDecoders();
    const { s, out } = stream(d, { maxLagMs: 100 });
    for (let i = 0; i < 10; i++) s.unit(i * 160, 160, 0, g729(2), i * 20);
    // 100 ms is 800 samples: past five units waiting, the next ones are not written.
    expect(d.written.length).toBe(6);
    expect(s.dropped).toBe(4);
    d.accepting = false;
    d.pcm(6 * 160, 3);
    expect(out.length).toBe(10);
    expect(out.map((x) => x.voiced)).toEqual([...Array(6).fill(true), ...Array(4).fill(false)]);
    // The dropped ones are audio the recording has and the live side does not.
    expect(out.map((x) => x.leftOut)).toEqual([...Array(6).fill(false), ...Array(4).fill(true)]);
    s.unit(1600, 160, 0, g729(2), 200);
    expect(s.dropped).toBe(5);
    expect(out.at(-1)).toMatchObject({ position: 1600, voiced: false, leftOut: true });
  });

  it('gives back what waits as silence when the decoder fails or is stuck, and says so once', () => {
    const d = new FakeDecoders();
    const failing = stream(d);
    failing.s.unit(0, 160, 0, g729(2), 0);
    failing.s.silence(160, 160, 20);
    d.output!.failed(new Error('ffmpeg exited'));
    expect(failing.out.map((x) => [x.position, x.voiced, x.leftOut])).toEqual([
      [0, false, true],
      [160, false, false], // silence it was: nothing left out
    ]);
    expect(failing.failed()).toBe(1);
    failing.s.unit(320, 160, 0, g729(2), 40);
    expect(failing.out.length).toBe(2);

    const e = new FakeDecoders();
    const stuck = stream(e, { stuckMs: 150 });
    for (let i = 0; i < 10; i++) stuck.s.unit(i * 160, 160, 0, g729(2), i * 20);
    expect(stuck.failed()).toBe(1);
    expect(e.stopped).toBe(1);
    expect(String(e.stoppedFor[0])).toContain('behind'); // reported by the decoders (once per codec)
    expect(stuck.out.map((x) => x.voiced)).toEqual(Array(8).fill(false));
  });

  it('is not opened when no decoder may start, and stops its decoder when nothing wants the stream or it ends', () => {
    const d = new FakeDecoders();
    d.available = false;
    expect(
      LiveDeferredStream.open({
        codec: 'g729',
        sampleRate: 8000,
        decoders: d,
        emit: () => undefined,
        failed: () => undefined,
      }),
    ).toBeUndefined();
    d.available = true;
    const { s, out } = stream(d);
    s.unit(0, 160, 0, g729(2), 0);
    s.silence(160, 160, 20);
    s.stop();
    expect(d.stopped).toBe(1);
    // What waited goes back at once as silence; the unit the decoder had is said to be left out.
    expect(out.map((x) => [x.position, x.voiced, x.leftOut])).toEqual([
      [0, false, true],
      [160, false, false],
    ]);
    d.pcm(160, 1);
    s.unit(320, 160, 0, g729(2), 40);
    expect(out.length).toBe(2);
  });
});

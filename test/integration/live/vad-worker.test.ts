import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { VadWorkerSource } from '../../../services/live/live.segmentation.ts';

/** The live transcript's speech detector on its worker thread (the real Silero model). */
describe('VadWorkerSource', () => {
  it('stops its worker by asking it to end after what it is on, not by terminating it mid-run', async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown) => warnings.push(o), error: (o: unknown) => warnings.push(o) };
    const source = new VadWorkerSource({ logger: logger as never });
    await source.ready();
    const events: string[] = [];
    source.onEvent((e) => events.push(e.type));
    // Two seconds of a loud tone, in 20 ms frames, as capture hands them over.
    for (let i = 0; i < 100; i++) {
      const samples = Int16Array.from({ length: 320 }, (_, j) =>
        Math.round(8000 * Math.sin(((i * 320 + j) * 2 * Math.PI * 220) / 16_000)),
      );
      source.audio('call-1:0', 16_000, i * 320, samples);
    }
    await expect
      .poll(() => events.filter((t) => t === 'progress').length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const worker = (source as unknown as { worker: Worker }).worker;
    const exit = new Promise<number>((resolve) => worker.once('exit', resolve));
    await source.close();
    // 0: it ended by itself (a terminated worker exits with 1).
    expect(await exit).toBe(0);
    expect(warnings).toEqual([]);
  }, 60_000);
});

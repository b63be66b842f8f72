import { readFileSync } from 'node:fs';
import { availableParallelism, getPriority } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { BACKGROUND_NICE } from '../../../services/platform/worker-thread.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import { WorkerPool } from '../../../services/speech/worker-pool.ts';

const script = new URL('./echo.worker.js', import.meta.url);
type Req = { op: string; samples?: Float32Array; delayMs?: number };
type Res = { sum: number; n: number };

describe(WorkerPool.name, () => {
  it('runs jobs on worker threads, transferring the samples', async () => {
    const pool = new WorkerPool<Req, Res>({ script, size: 2, workerData: {}, name: 'test pool' });
    try {
      const samples = Float32Array.from([0.25, 0.5, 0.25]);
      const result = await pool.run({ op: 'sum', samples }, [samples.buffer]);
      expect(result).toEqual({ sum: 1, n: 3 });
      expect(samples.length).toBe(0); // transferred, not copied
      const many = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          pool.run({ op: 'sum', samples: Float32Array.from([i]), delayMs: 5 }),
        ),
      );
      expect(many.map((r) => r.sum)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await pool.close();
    }
  });

  it.runIf(process.platform === 'linux')(
    'runs its workers at background priority, leaving the starting thread as it was',
    async () => {
      const before = getPriority();
      const pool = new WorkerPool<Req, { nice: number }>({
        script,
        size: 1,
        workerData: {},
        name: 'test pool',
      });
      try {
        expect(await pool.run({ op: 'priority' })).toEqual({ nice: Math.max(before, BACKGROUND_NICE) });
        expect(getPriority()).toBe(before);
      } finally {
        await pool.close();
      }
    },
  );

  it.runIf(process.platform === 'linux')(
    'keeps its workers, and the threads they start, to the CPUs it is given',
    async () => {
      const before = readFileSync('/proc/thread-self/status', 'utf8').match(
        /^Cpus_allowed_list:\s*(\S+)/m,
      )![1];
      const pool = new WorkerPool<Req, { own: string; started: string }>({
        script,
        size: 1,
        workerData: {},
        name: 'test pool',
        cpus: '0',
      });
      try {
        expect(await pool.run({ op: 'cpus' })).toEqual({ own: '0', started: '0' });
        // The starting thread keeps every CPU it had.
        expect(readFileSync('/proc/thread-self/status', 'utf8')).toContain(`Cpus_allowed_list:\t${before}`);
      } finally {
        await pool.close();
      }
      if (availableParallelism() > 1) expect(before).not.toBe('0');
    },
  );

  it('lets a worker finish the run it is in before closing, failing the job at once', async () => {
    const pool = new WorkerPool<Req, Res>({ script, size: 1, workerData: {}, name: 'test pool' });
    await pool.ready();
    const job = pool.run({ op: 'sum', samples: Float32Array.from([1]), delayMs: 400 });
    const failed = expect(job).rejects.toThrow(/test pool pool closed/);
    await new Promise((r) => setTimeout(r, 50)); // the worker has the job
    const started = performance.now();
    await pool.close();
    await failed;
    expect(performance.now() - started).toBeGreaterThanOrEqual(300); // its answer came before it was terminated
  });

  it('reports what a worker said when it became ready, and a starting failure', async () => {
    const pool = new WorkerPool<Req, Res>({ script, size: 1, workerData: {}, name: 'test pool' });
    const failing = new WorkerPool<Req, Res>({
      script,
      size: 1,
      workerData: { failInit: true },
      name: 'broken pool',
    });
    try {
      expect(await pool.ready()).toEqual({ ready: true });
      await expect(failing.ready()).rejects.toThrow(/broken pool could not start: model file is corrupt/);
    } finally {
      await pool.close();
      await failing.close();
    }
  });

  it('gives a job to the worker that ran a job with the same affinity key when it is free', async () => {
    const pool = new WorkerPool<Req, { threadId: number }>({
      script,
      size: 2,
      workerData: {},
      name: 'test pool',
    });
    try {
      // ready() answers when the first worker has loaded; both must have for the jobs to spread.
      await vi.waitFor(() => expect(pool.readyCount).toBe(2), { timeout: 10_000 });
      // Two jobs at once land on the two workers; remember which took which key.
      const [a, b] = await Promise.all([
        pool.run({ op: 'whoami', delayMs: 30 }, [], { affinity: 'window-a' }),
        pool.run({ op: 'whoami', delayMs: 30 }, [], { affinity: 'window-b' }),
      ]);
      expect(a.threadId).not.toBe(b.threadId);
      // Queued in the opposite order, each still goes back to its own worker.
      for (let round = 0; round < 3; round++) {
        const [b2, a2] = await Promise.all([
          pool.run({ op: 'whoami', delayMs: 10 }, [], { affinity: 'window-b' }),
          pool.run({ op: 'whoami', delayMs: 10 }, [], { affinity: 'window-a' }),
        ]);
        expect(a2.threadId).toBe(a.threadId);
        expect(b2.threadId).toBe(b.threadId);
      }
      // A job whose key's worker is busy does not wait for it while another worker is free.
      const busy = pool.run({ op: 'whoami', delayMs: 300 }, [], { affinity: 'window-a' });
      const other = await pool.run({ op: 'whoami' }, [], { affinity: 'window-a' });
      expect(other.threadId).toBe(b.threadId);
      expect((await busy).threadId).toBe(a.threadId);
    } finally {
      await pool.close();
    }
  });

  it('fails the job of a worker that exits, replaces the worker and keeps serving', async () => {
    const pool = new WorkerPool<Req, Res>({
      script,
      size: 1,
      workerData: {},
      name: 'speech recognizer test',
    });
    try {
      await pool.run({ op: 'sum', samples: Float32Array.from([1]) });
      const crash = pool.run({ op: 'exit' });
      await expect(crash).rejects.toThrow(
        /speech recognizer test worker crashed \(exit code 3\) while decoding; the worker was replaced/,
      );
      await expect(crash).rejects.toSatisfy((e) => isEscuchaError(e, 'ASR_FAILED'));
      expect(pool.crashCount).toBe(1);
      expect(await pool.run({ op: 'sum', samples: Float32Array.from([2, 3]) })).toEqual({ sum: 5, n: 2 });
      expect(pool.size).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('fails the job of a worker killed by an uncaught error, naming the error', async () => {
    const pool = new WorkerPool<Req, Res>({ script, size: 2, workerData: {}, name: 'test pool' });
    try {
      await expect(pool.run({ op: 'throw-async' })).rejects.toThrow(
        /worker crashed \(native decoder blew up\)/,
      );
      const after = await Promise.all(
        [1, 2, 3].map((v) => pool.run({ op: 'sum', samples: Float32Array.from([v]) })),
      );
      expect(after.map((r) => r.sum)).toEqual([1, 2, 3]);
    } finally {
      await pool.close();
    }
  });

  it('reports an error answer without killing the worker', async () => {
    const pool = new WorkerPool<Req, Res>({ script, size: 1, workerData: {}, name: 'test pool' });
    try {
      await expect(pool.run({ op: 'error' })).rejects.toThrow('test pool: bad input');
      expect(pool.crashCount).toBe(0);
      expect((await pool.run({ op: 'sum', samples: Float32Array.from([4]) })).sum).toBe(4);
    } finally {
      await pool.close();
    }
  });

  it('fails every job with the start-up error when the model cannot load, without restarting forever', async () => {
    const pool = new WorkerPool<Req, Res>({
      script,
      size: 2,
      workerData: { failInit: true },
      name: 'speech recognizer broken',
    });
    await expect(pool.run({ op: 'sum', samples: Float32Array.from([1]) })).rejects.toThrow(
      'speech recognizer broken could not start: model file is corrupt',
    );
    await expect(pool.run({ op: 'sum' })).rejects.toThrow(/could not start/);
    await pool.close();
  });

  it('lets the other workers finish loading before ending them when one cannot load', async () => {
    const flags = new SharedArrayBuffer(8);
    const pool = new WorkerPool<Req, Res>({
      script,
      size: 3,
      workerData: { failFirst: flags },
      name: 'test pool',
    });
    try {
      await expect(pool.ready()).rejects.toThrow(/could not start: model file is corrupt/);
      // Both others got to the end of their loading instead of being terminated inside it.
      await expect.poll(() => Atomics.load(new Int32Array(flags), 1), { timeout: 5000 }).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('fails instead of looping when workers die while loading', async () => {
    const pool = new WorkerPool<Req, Res>({
      script,
      size: 1,
      workerData: { dieOnLoad: true },
      name: 'test pool',
    });
    await expect(pool.run({ op: 'sum' })).rejects.toThrow(
      /could not start: worker died while loading \(exit code 7\)/,
    );
    expect(pool.crashCount).toBe(1);
    await pool.close();
  });
});

import type { TransferListItem, Worker } from 'node:worker_threads';
import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { startWorker } from '../platform/worker-thread.ts';

/**
 * A fixed-size pool of worker threads running one script. Protocol (see sherpa.worker.js): the worker posts
 * `{ type: 'ready', info? }` or `{ type: 'init-error', message }` once, then answers each `{ id, request }` with
 * `{ id, ok: true, result }` or `{ id, ok: false, message }`.
 *
 * A job may name an affinity key (e.g. the audio window whose encoding a worker keeps): an idle worker that ran a
 * job with the same key recently takes it first.
 *
 * A worker that dies (uncaught error, exit, out of memory) fails the job it was running with a clear error and is
 * replaced; jobs still queued go to the others. A worker that cannot even start (a model that does not load) makes
 * the pool fail every job with that error instead of restarting forever.
 */
export interface WorkerPoolOptions {
  /** URL of the worker's module (JavaScript, or TypeScript loaded through tsx: platform/worker-thread.ts). */
  script: URL;
  size: number;
  workerData: unknown;
  /** Used in errors and logs, e.g. "speech recognizer nemo-ctc-es". */
  name: string;
  logger?: Logger;
  /** Heap limit per worker; native model memory is outside it. */
  maxOldGenerationSizeMb?: number;
  /** The CPUs the workers are kept to (ESCUCHA_RECOGNITION_CPUS); all by default. */
  cpus?: string | null;
}

/** How long `close()` waits for a worker to finish the model run (or load) it is in before terminating it. */
const CLOSE_GRACE_MS = 30_000;

/** How many recent affinity keys each worker is remembered to hold. */
const AFFINITY_MEMORY = 4;

interface Job {
  id: number;
  affinity: string | undefined;
  request: unknown;
  transfer: TransferListItem[];
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  keys: string[];
}

export class WorkerPool<Req, Res> {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private fatal: Error | null = null;
  private everReady = false;
  private crashes = 0;
  private readyInfo: unknown;
  private readonly readyWaiters: { resolve(info: unknown): void; reject(error: Error): void }[] = [];

  constructor(private readonly options: WorkerPoolOptions) {
    for (let i = 0; i < Math.max(1, options.size); i++) this.spawn();
  }

  get size(): number {
    return this.slots.size;
  }

  /** Workers that have loaded and can take a job now or when their current one ends. */
  get readyCount(): number {
    let n = 0;
    for (const slot of this.slots) if (slot.ready) n++;
    return n;
  }

  /** Total worker deaths since start (each one was replaced). */
  get crashCount(): number {
    return this.crashes;
  }

  /** What the first worker reported when it became ready (rejects when the workers cannot start). */
  ready(): Promise<unknown> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.everReady) return Promise.resolve(this.readyInfo);
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  run(request: Req, transfer: TransferListItem[] = [], options: { affinity?: string } = {}): Promise<Res> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.closed)
      return Promise.reject(new EscuchaError('ASR_FAILED', `${this.options.name} pool is closed`));
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        affinity: options.affinity,
        request,
        transfer,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  private spawn(): void {
    // Recognition runs at background priority: on a busy machine it waits for capture and the API, never they for it.
    const worker = startWorker(
      this.options.script,
      {
        workerData: this.options.workerData,
        ...(this.options.maxOldGenerationSizeMb
          ? { resourceLimits: { maxOldGenerationSizeMb: this.options.maxOldGenerationSizeMb } }
          : {}),
      },
      { cpus: this.options.cpus ?? null },
    );
    const slot: Slot = { worker, ready: false, job: null, keys: [] };
    this.slots.add(slot);
    let lastError: Error | undefined;
    worker.on(
      'message',
      (msg: {
        type?: string;
        id?: number;
        ok?: boolean;
        result?: unknown;
        message?: string;
        info?: unknown;
      }) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          if (!this.everReady) {
            this.everReady = true;
            this.readyInfo = msg.info;
            for (const w of this.readyWaiters.splice(0)) w.resolve(msg.info);
          }
          this.dispatch();
        } else if (msg.type === 'init-error') {
          this.fail(
            new EscuchaError(
              'ASR_FAILED',
              `${this.options.name} could not start: ${msg.message ?? 'unknown error'}`,
            ),
            slot,
          );
        } else if (slot.job && msg.id === slot.job.id) {
          const job = slot.job;
          slot.job = null;
          if (msg.ok) job.resolve(msg.result);
          else
            job.reject(
              new EscuchaError('ASR_FAILED', `${this.options.name}: ${msg.message ?? 'unknown error'}`),
            );
          this.dispatch();
        }
      },
    );
    worker.on('error', (error) => {
      lastError = error;
    });
    worker.on('exit', (code) => {
      this.slots.delete(slot);
      if (this.closed) return;
      this.crashes++;
      const why = lastError ? lastError.message : `exit code ${code}`;
      this.options.logger?.error(
        { pool: this.options.name, code, err: lastError },
        'worker thread died; replacing it',
      );
      if (slot.job) {
        slot.job.reject(
          new EscuchaError(
            'ASR_FAILED',
            `${this.options.name} worker crashed (${why}) while decoding; the worker was replaced`,
          ),
        );
        slot.job = null;
      }
      if (!slot.ready && !this.everReady) {
        // It died while loading: restarting would only die again.
        this.fail(
          new EscuchaError(
            'ASR_FAILED',
            `${this.options.name} could not start: worker died while loading (${why})`,
          ),
        );
        return;
      }
      if (!this.fatal) this.spawn();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      // A job whose key this worker holds first; else the oldest job no other idle worker holds the key of.
      let at = this.queue.findIndex((j) => j.affinity !== undefined && slot.keys.includes(j.affinity));
      if (at < 0) at = this.queue.findIndex((j) => !this.heldByIdleOther(j.affinity, slot));
      if (at < 0) continue;
      const job = this.queue.splice(at, 1)[0]!;
      if (job.affinity !== undefined) {
        slot.keys = [job.affinity, ...slot.keys.filter((k) => k !== job.affinity)].slice(0, AFFINITY_MEMORY);
      }
      slot.job = job;
      slot.worker.postMessage({ id: job.id, request: job.request }, job.transfer);
    }
  }

  private heldByIdleOther(key: string | undefined, self: Slot): boolean {
    if (key === undefined) return false;
    for (const s of this.slots) if (s !== self && s.ready && !s.job && s.keys.includes(key)) return true;
    return false;
  }

  /** Fails the pool; `failing`, a worker that said it cannot load (so is inside nothing), is ended at once. */
  private fail(error: Error, failing?: Slot): void {
    if (this.fatal) return;
    this.fatal = error;
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
    for (const job of this.queue.splice(0)) job.reject(error);
    for (const slot of this.slots) slot.job?.reject(error);
    this.closed = true; // no respawns
    // The others may be inside loading the model: let them finish before they go, as close() does.
    if (failing) void failing.worker.terminate();
    void this.retire([...this.slots].filter((slot) => slot !== failing));
  }

  async close(): Promise<void> {
    if (this.closed && this.slots.size === 0) return;
    for (const w of this.readyWaiters.splice(0))
      w.reject(new EscuchaError('ASR_FAILED', `${this.options.name} pool closed`));
    const pending = this.queue.splice(0);
    for (const job of pending) job.reject(new EscuchaError('ASR_FAILED', `${this.options.name} pool closed`));
    this.closed = true;
    const all = [...this.slots];
    for (const slot of all) {
      if (slot.job) slot.job.reject(new EscuchaError('ASR_FAILED', `${this.options.name} pool closed`));
    }
    await this.retire(all);
    this.slots.clear();
  }

  /**
   * Ends these workers. One inside a model's run (or still loading it) is let finish first, up to CLOSE_GRACE_MS: a
   * thread terminated inside native inference aborts the whole process.
   */
  private async retire(all: Slot[]): Promise<void> {
    const busy = all.filter((slot) => slot.job || !slot.ready);
    for (const slot of all) slot.job = null;
    await Promise.all(
      busy.map(
        (slot) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, CLOSE_GRACE_MS);
            const done = () => {
              clearTimeout(timer);
              resolve();
            };
            slot.worker.once('message', done);
            slot.worker.once('exit', done);
          }),
      ),
    );
    await Promise.all(all.map((s) => s.worker.terminate()));
  }
}

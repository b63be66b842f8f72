import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../platform/logger.ts';
import {
  assembleCall,
  readAssembled,
  removeSpool,
  undecodableCodecs,
  type AssemblerOptions,
} from './call.assembler.ts';
import type { CallSink, CapturedCall } from '../captured-call.ts';
import { SPOOL_FILE } from './spool.log.ts';

/**
 * Moves finished calls from the spool to the sink: assemble (once; the result is kept in the spool directory),
 * deliver, and only then remove the spool. A failure — ffmpeg, storage or database down — keeps the call and
 * retries it with exponential backoff, for as long as it takes: nothing is dropped. At start-up `recover` queues
 * every call left in the spool, including calls a crash cut short (assembled as `recovered`).
 */

export interface DeliveryOptions {
  sink: CallSink;
  assembler: AssemblerOptions;
  logger: Logger;
  /** First retry delay (default 1 s), doubled each time up to `maxRetryMs` (default 60 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Calls assembled and delivered at once (default 2). */
  concurrency?: number;
  /**
   * Give up after this many attempts (default: never). A call given up on stays in its spool directory and is
   * listed in `givenUp`; one-shot imports use this so they can finish and report.
   */
  maxAttempts?: number;
}

export interface DeliveryOutcome {
  captureId: string;
  callId: string;
  created: boolean;
  call: CapturedCall;
}

interface Entry {
  dir: string;
  /** Why the spool is not the whole call, when capture knows it is not (its end could not be written). */
  incomplete: string | undefined;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

export class CallDelivery {
  private readonly options: DeliveryOptions;
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private active = 0;
  private stopped = false;
  private readonly listeners = new Set<(outcome: DeliveryOutcome) => void>();
  private readonly idleWaiters: Array<() => void> = [];
  delivered = 0;
  failures = 0;
  readonly givenUp: Array<{ dir: string; error: string }> = [];

  constructor(options: DeliveryOptions) {
    this.options = options;
  }

  /** Called after each successful delivery (tests, the import report). */
  onDelivered(listener: (outcome: DeliveryOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls not yet delivered (queued, running or waiting to retry). */
  get pending(): number {
    return this.entries.size;
  }

  /** Queues a finished call; `incomplete` says why its spool is not the whole call, when it is not. */
  enqueue(dir: string, incomplete?: string): void {
    if (this.stopped || this.entries.has(dir)) return;
    const entry: Entry = { dir, incomplete, attempts: 0, timer: undefined, running: false };
    this.entries.set(dir, entry);
    this.waiting.push(entry);
    this.pump();
  }

  /** Queues every call directory found in the spool root (start-up recovery). Returns how many. */
  async recover(root: string, skip: (dir: string) => boolean = () => false): Promise<number> {
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      return 0;
    }
    let count = 0;
    for (const name of names.sort()) {
      const dir = path.join(root, name);
      if (skip(dir)) continue;
      const info = await stat(path.join(dir, SPOOL_FILE)).catch(() => undefined);
      if (!info?.isFile()) continue;
      this.enqueue(dir);
      count++;
    }
    return count;
  }

  /** Resolves when nothing is pending (tests and one-shot imports). */
  idle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying; calls still pending stay in the spool for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    while (this.active > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 2;
    while (!this.stopped && this.active < limit && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      this.active++;
      entry.running = true;
      void this.attempt(entry).finally(() => {
        entry.running = false;
        this.active--;
        this.pump();
        if (this.entries.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async attempt(entry: Entry): Promise<void> {
    const log = this.options.logger.child({ spool: path.basename(entry.dir) });
    entry.attempts++;
    try {
      const call =
        (await readAssembled(entry.dir)) ??
        (await assembleCall(entry.dir, this.options.assembler, entry.incomplete));
      const result = await this.options.sink.deliver(call);
      await removeSpool(entry.dir);
      this.entries.delete(entry.dir);
      this.delivered++;
      const facts = {
        callId: result.callId,
        created: result.created,
        source: call.source,
        durationMs: call.durationMs,
        recovered: call.recovered,
        attempts: entry.attempts,
      };
      // A codec that could not be decoded is the operator's to know: the call is kept, its audio is silence.
      const undecodable = undecodableCodecs(call);
      if (undecodable.length > 0) {
        log.warn(
          { ...facts, audioNotDecodable: undecodable },
          `captured call archived; audio not decodable: ${undecodable.join(', ')}`,
        );
      } else log.info(facts, 'captured call archived');
      for (const listener of this.listeners) listener({ captureId: call.captureId, ...result, call });
    } catch (error) {
      this.failures++;
      if (this.stopped) return;
      if (this.options.maxAttempts !== undefined && entry.attempts >= this.options.maxAttempts) {
        this.entries.delete(entry.dir);
        this.givenUp.push({ dir: entry.dir, error: error instanceof Error ? error.message : String(error) });
        log.error(
          { err: error, attempts: entry.attempts },
          'captured call not archived; left in its spool directory',
        );
        return;
      }
      const base = this.options.retryMs ?? 1000;
      const delay = Math.min(this.options.maxRetryMs ?? 60_000, base * 2 ** Math.min(entry.attempts - 1, 16));
      log.warn(
        { err: error, attempts: entry.attempts, retryInMs: delay },
        'captured call not archived yet; kept in the spool',
      );
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (this.stopped) return;
        this.waiting.push(entry);
        this.pump();
      }, delay);
    }
  }
}

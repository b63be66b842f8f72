import type { Worker } from 'node:worker_threads';
import { EscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { startWorker, workerModule } from '../platform/worker-thread.ts';
import type { VadOptions } from '../speech/vad.sherpa.ts';
import type { VadWorkerData, VadWorkerEvent, VadWorkerRequest } from './vad.worker.ts';

export const VAD_WORKER_SCRIPT = workerModule('./vad.worker', import.meta.url);

/** Where the live transcriber sends each party's audio to be cut into utterances (a worker thread in production). */
export interface UtteranceSource {
  /** Hands a stretch over (the array is transferred: the caller no longer uses it). */
  audio(key: string, sampleRate: number, position: number, samples: Int16Array): void;
  end(key: string): void;
  /** Every event of every stream, in order. */
  onEvent(listener: (event: VadWorkerEvent) => void): void;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Silero VAD of the calls in progress in one worker thread (vad.worker.ts): capture's thread only copies the audio and
 * posts it, so speech detection never delays the playout of a packet. One thread serves every call: Silero costs
 * about 0.002 of real time per stream.
 */
export class VadWorkerSource implements UtteranceSource {
  private readonly worker: Worker;
  private listener: (event: VadWorkerEvent) => void = () => {};
  private readonly readiness: Promise<void>;
  private closed = false;
  private exited = false;

  /** `cpus`: the CPUs the detection is kept to, with recognition (ESCUCHA_RECOGNITION_CPUS); niced like it. */
  private readonly logger: Logger | undefined;

  constructor(options: { vad?: Partial<VadOptions>; logger?: Logger; cpus?: string | null } = {}) {
    this.logger = options.logger;
    const data: VadWorkerData = { vad: options.vad ?? {} };
    this.worker = startWorker(VAD_WORKER_SCRIPT, { workerData: data }, { cpus: options.cpus ?? null });
    this.readiness = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (event: VadWorkerEvent) => {
        if (event.type === 'ready') resolve();
        else if (event.type === 'init-error')
          reject(new EscuchaError('ASR_FAILED', `live speech detection could not start: ${event.message}`));
        else this.listener(event);
      });
      this.worker.on('error', (error) => {
        options.logger?.error({ err: error }, 'live speech detection worker failed');
        reject(error);
      });
      this.worker.on('exit', (code) => {
        this.exited = true;
        if (!this.closed) {
          options.logger?.error({ code }, 'live speech detection worker exited');
          reject(new EscuchaError('ASR_FAILED', `live speech detection worker exited (${code})`));
        }
      });
    });
    this.readiness.catch(() => {});
  }

  ready(): Promise<void> {
    return this.readiness;
  }

  audio(key: string, sampleRate: number, position: number, samples: Int16Array): void {
    const request: VadWorkerRequest = { type: 'audio', key, sampleRate, position, samples };
    this.worker.postMessage(request, [samples.buffer as ArrayBuffer]);
  }

  end(key: string): void {
    this.worker.postMessage({ type: 'end', key } satisfies VadWorkerRequest);
  }

  onEvent(listener: (event: VadWorkerEvent) => void): void {
    this.listener = listener;
  }

  /**
   * Stops the worker: it is asked to end after the message it is on, so that a model run in progress finishes
   * (terminating a thread inside native inference can abort the process); terminated only if it has not ended
   * within `graceMs` (logged).
   */
  async close(graceMs = 5000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.exited) return;
    const exited = new Promise<'exited'>((resolve) => this.worker.once('exit', () => resolve('exited')));
    try {
      this.worker.postMessage({ type: 'close' } satisfies VadWorkerRequest);
    } catch {
      // Already gone.
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const how = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (how === 'exited') return;
    this.logger?.warn({ graceMs }, 'live speech detection worker did not stop in time: terminated');
    await this.worker.terminate();
  }
}

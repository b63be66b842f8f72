import { PassThrough } from 'node:stream';
import { runFfmpeg, type FfmpegJob } from '../../archive/ffmpeg.runner.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { liveDeferredFfmpegArgs, type DeferredCodec } from './codec.deferred.ts';

/**
 * The decoder processes that play the codecs of codec.deferred.ts live (G.729, Opus, AMR, ...): one ffmpeg per
 * stream whose audio is wanted, fed the stream's input as DeferredInput writes it (raw frames, an AMR or iLBC storage
 * file, an Ogg stream) on stdin, its PCM (mono s16le at the codec's rate) read back from stdout. Nothing here ever
 * waits or throws into capture: `write` only buffers (and refuses past a bound), what the process says comes on
 * the event loop, and a process that fails is reported through its output once, its error logged once per codec.
 * Processes start off capture's path, one per turn of the event loop (a start blocks the thread for milliseconds).
 */

/** What a live decoder tells the stream it decodes: PCM as it comes, or that it stopped on its own. */
export interface LiveDecoderOutput {
  pcm(chunk: Buffer): void;
  /** No more PCM will come (ffmpeg missing, failed, or ended before the stream). Said at most once. */
  failed(error: unknown): void;
}

/** One running decoder. */
export interface LiveDecoderProcess {
  /** Hands it input; false (nothing written) while it holds too much input it has not read yet. */
  write(bytes: Buffer): boolean;
  /** Kills it; its output is told nothing more. With an error (the stream gave up on it), that is reported. */
  stop(error?: unknown): void;
}

/** Starts one live decoder per wanted stream. */
export interface LiveDecoders {
  /** A decoder of `codec` writing to `output`, or undefined when none may start now (limit, ffmpeg missing). */
  open(codec: DeferredCodec, output: LiveDecoderOutput): LiveDecoderProcess | undefined;
}

export interface FfmpegLiveDecodersOptions {
  logger: Logger;
  /** The binary; default the resolved ffmpeg (ffmpeg-path.ts). */
  ffmpegPath?: string;
  /** Decoders running at once (default 64): a stream wanted past it stays silence live until one ends. */
  maxProcesses?: number;
  /** Input bytes a decoder may hold unread (default 64 KiB); past it input is refused (the stream counts a drop). */
  maxPendingBytes?: number;
}

export interface LiveDecoderCounters {
  started: number;
  running: number;
  /** Decoders that failed (ffmpeg missing, exited, or too far behind). */
  failed: number;
  /** Opens refused because `maxProcesses` were running. */
  refused: number;
  /** Writes refused because the decoder held too much unread input. */
  refusedWrites: number;
}

export class FfmpegLiveDecoders implements LiveDecoders {
  private readonly running = new Set<LiveDecoderProcess>();
  private readonly logger: Logger;
  private readonly maxProcesses: number;
  private readonly maxPendingBytes: number;
  /** Codecs whose failure was logged (each once per process), and whether ffmpeg would not start at all. */
  private readonly reported = new Set<string>();
  private missing = false;
  /** Decoders waiting to start, started one per turn of the event loop. */
  private readonly starts: Array<() => void> = [];
  readonly counters: LiveDecoderCounters = {
    started: 0,
    running: 0,
    failed: 0,
    refused: 0,
    refusedWrites: 0,
  };

  constructor(private readonly options: FfmpegLiveDecodersOptions) {
    this.logger = options.logger.child({ component: 'live-decoder' });
    this.maxProcesses = options.maxProcesses ?? 64;
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 1024;
  }

  open(codec: DeferredCodec, output: LiveDecoderOutput): LiveDecoderProcess | undefined {
    if (this.missing) return undefined;
    if (this.running.size >= this.maxProcesses) {
      this.counters.refused++;
      return undefined;
    }
    const input = new PassThrough();
    let job: FfmpegJob | undefined;
    let over = false;
    const end = (): boolean => {
      if (over) return false;
      over = true;
      this.running.delete(decoder);
      this.counters.running = this.running.size;
      return true;
    };
    const fail = (error: unknown): void => {
      if (!end()) return;
      job?.stop();
      this.counters.failed++;
      this.report(codec, error);
      try {
        output.failed(error);
      } catch (thrown) {
        this.logger.error({ err: thrown, codec }, 'a live decoder’s stream failed on its end');
      }
    };
    const decoder: LiveDecoderProcess = {
      write: (bytes) => {
        if (over) return false;
        if (input.writableLength + input.readableLength > this.maxPendingBytes) {
          this.counters.refusedWrites++;
          return false;
        }
        input.write(bytes);
        return true;
      },
      stop: (error) => {
        if (!end()) return;
        job?.stop();
        if (error === undefined) return;
        this.counters.failed++;
        this.report(codec, error);
      },
    };
    // Starting a process blocks the thread for milliseconds (tens under load): never on capture's path, and one
    // at a time, so that packets are read between starts. What the stream writes meanwhile waits in `input`.
    this.starts.push(() => {
      if (over) return;
      job = runFfmpeg(liveDeferredFfmpegArgs(codec), {
        what: `decode a ${codec} stream live`,
        ...(this.options.ffmpegPath ? { ffmpegPath: this.options.ffmpegPath } : {}),
        input,
        stdout: 'pipe',
      });
      job.stdout!.on('data', (chunk: Buffer) => {
        if (over) return;
        try {
          output.pcm(chunk);
        } catch (error) {
          fail(error);
        }
      });
      job.done.then(
        () => fail(new Error(`ffmpeg stopped decoding ${codec} before the stream ended`)),
        (error: unknown) => fail(error),
      );
    });
    if (this.starts.length === 1) setImmediate(() => this.startNext());
    this.running.add(decoder);
    this.counters.started++;
    this.counters.running = this.running.size;
    return decoder;
  }

  private startNext(): void {
    this.starts.shift()?.();
    if (this.starts.length > 0) setImmediate(() => this.startNext());
  }

  /** Kills every decoder still running (capture stops). */
  stopAll(): void {
    for (const decoder of [...this.running]) decoder.stop();
  }

  private report(codec: DeferredCodec, error: unknown): void {
    if (error instanceof EscuchaError && error.code === 'TOOL_MISSING') {
      if (this.missing) return;
      this.missing = true;
      this.logger.error(
        { err: error },
        'ffmpeg could not start: codecs decoded at assembly (G.729, Opus, AMR, ...) stay silence live',
      );
      return;
    }
    if (this.reported.has(codec)) return;
    this.reported.add(codec);
    this.logger.warn(
      { err: error, codec },
      'live decoding failed: that stream is silence live (its recording is decoded at assembly); said once per codec',
    );
  }
}

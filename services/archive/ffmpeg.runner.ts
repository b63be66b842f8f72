import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { EscuchaError, type ErrorCode } from '../platform/errors.ts';
import { FFMPEG_INSTALL_HINT, resolveFfmpegPaths } from './ffmpeg-path.ts';

/**
 * The one place that runs ffmpeg and ffprobe (archive, speech, capture, redaction, clips, synthetic calls): the
 * binary (the resolved pair of ffmpeg-path.ts unless a caller names one), quiet global options, the input streamed
 * into stdin, stdout streamed or collected, the end of stderr kept for the error, and errors with codes:
 * TOOL_MISSING when the binary does not start, STORAGE_ERROR when the input stream fails, the caller's code
 * (TRANSCODE_FAILED by default) when ffmpeg exits with an error, its last 20 lines of stderr in `details.stderr`.
 *
 * ```ts
 * const job = runFfmpeg(['-i', 'pipe:0', '-f', 'f32le', 'pipe:1'], { input, stdout: 'pipe', what: 'decode x' });
 * for await (const chunk of job.stdout!) use(chunk);
 * await job.done;
 * ```
 */

/** Global options of every ffmpeg run: no banner, errors only, no progress lines, never read the terminal. */
const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats'];
const PROBE_QUIET = ['-hide_banner', '-loglevel', 'error'];
/** Characters of stderr kept (the end of it, where ffmpeg says why it stopped). */
const STDERR_KEPT = 8192;

export interface FfmpegRunOptions {
  /** What the run does, for error messages: "ffmpeg could not <what>". */
  what: string;
  /** The binary; default the ffmpeg of resolveFfmpegPaths(). */
  ffmpegPath?: string;
  /** Streamed into stdin (read with `-i pipe:0`); a read error stops ffmpeg. Destroyed when the run ends early. */
  input?: Readable;
  /** `pipe`: stdout is the job's `stdout` (write to `pipe:1`); `collect`: `done` resolves with it as text. */
  stdout?: 'pipe' | 'collect' | 'ignore';
  /** Code of the error when ffmpeg exits with an error (default TRANSCODE_FAILED). */
  code?: ErrorCode;
}

export interface FfmpegJob {
  /** ffmpeg's stdout with `stdout: 'pipe'`, else null. */
  readonly stdout: Readable | null;
  /**
   * Settles once ffmpeg has exited: the collected stdout ('' unless `collect`), or an EscuchaError whose details
   * hold the end of stderr. Never an unhandled rejection when nobody awaits it.
   */
  readonly done: Promise<string>;
  /** Kills ffmpeg and stops the input; `done` then rejects (unless ffmpeg had already exited cleanly). */
  stop(): void;
}

export function runFfmpeg(args: readonly string[], options: FfmpegRunOptions): FfmpegJob {
  return run(options.ffmpegPath ?? resolveFfmpegPaths().ffmpeg, 'ffmpeg', [...QUIET, ...args], options);
}

/** Runs ffprobe and resolves with its stdout (ask for `-print_format json`). */
export function runFfprobe(
  args: readonly string[],
  options: Omit<FfmpegRunOptions, 'stdout' | 'ffmpegPath'> & { ffprobePath?: string },
): Promise<string> {
  const binary = options.ffprobePath ?? resolveFfmpegPaths().ffprobe;
  return run(binary, 'ffprobe', [...PROBE_QUIET, ...args], { ...options, stdout: 'collect' }).done;
}

function run(
  binary: string,
  tool: 'ffmpeg' | 'ffprobe',
  args: string[],
  options: FfmpegRunOptions,
): FfmpegJob {
  const input = options.input;
  const mode = options.stdout ?? 'ignore';
  const child = spawn(binary, args, {
    stdio: [input ? 'pipe' : 'ignore', mode === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-STDERR_KEPT);
  });
  let collected = '';
  if (mode === 'collect') {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => (collected += d));
  }
  let inputError: Error | undefined;
  let stopped = false;
  if (input && child.stdin) {
    // ffmpeg may stop reading before the end (it is done, failed or was stopped): EPIPE on stdin is expected then.
    child.stdin.on('error', () => undefined);
    input.once('error', (error) => {
      inputError = error;
      child.kill('SIGKILL');
    });
    input.pipe(child.stdin);
  }
  const done = new Promise<string>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT' || error.code === 'EACCES';
      reject(
        new EscuchaError(
          missing ? 'TOOL_MISSING' : (options.code ?? 'TRANSCODE_FAILED'),
          missing
            ? `${tool} not found (${binary}): ${FFMPEG_INSTALL_HINT}`
            : `${tool} did not start: ${error.message}`,
          { cause: error },
        ),
      );
    });
    child.once('close', (exitCode, signal) => {
      if (input && child.stdin) input.unpipe(child.stdin);
      if (exitCode === 0 && !inputError) return resolve(collected);
      if (input && !input.destroyed) input.destroy();
      if (inputError) {
        return reject(
          new EscuchaError(
            'STORAGE_ERROR',
            `cannot read the input to ${options.what}: ${inputError.message}`,
            {
              cause: inputError,
            },
          ),
        );
      }
      const why = stopped ? 'stopped' : lastLines(stderr) || `exit ${exitCode ?? signal}`;
      reject(
        new EscuchaError(options.code ?? 'TRANSCODE_FAILED', `${tool} could not ${options.what}: ${why}`, {
          details: { stderr: stderrLines(stderr).slice(-20), exitCode, signal, stopped },
        }),
      );
    });
  });
  done.catch(() => undefined);
  return {
    stdout: mode === 'pipe' ? child.stdout : null,
    done,
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopped = true;
      if (input && child.stdin) input.unpipe(child.stdin);
      input?.destroy();
      child.kill('SIGKILL');
    },
  };
}

/** The non-empty lines of ffmpeg's stderr, without its component prefixes ("[ogg @ 0x55d…]"). */
export function stderrLines(stderr: string | null | undefined): string[] {
  return (stderr ?? '')
    .split(/\r?\n/)
    .map((line) => line.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, '').trim())
    .filter(Boolean);
}

/** Last non-empty lines of ffmpeg's stderr, joined for an error message. */
export function lastLines(stderr: string | null | undefined, count = 3): string {
  return stderrLines(stderr).slice(-count).join(' | ');
}

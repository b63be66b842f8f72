import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { EscuchaError } from '../platform/errors.ts';

/**
 * Where Escucha finds ffmpeg and ffprobe. The system binaries (Debian/Ubuntu `apt-get install ffmpeg`, Homebrew,
 * ...) come first: they are current and get security updates. When either is missing from PATH, the static
 * builds shipped by the npm packages `@ffmpeg-installer/ffmpeg` and `@ffprobe-installer/ffprobe` are used, so a
 * plain `npm ci` is enough to run Escucha. Both binaries always come from the same source.
 */
export interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
  source: 'system' | 'bundled';
}

export interface ResolveFfmpegOptions {
  /** Command names looked up on PATH; default `ffmpeg` and `ffprobe`. */
  systemNames?: { ffmpeg: string; ffprobe: string };
  /** Consider the binaries of the npm packages when the system ones are missing; default true. */
  allowBundled?: boolean;
}

export const FFMPEG_INSTALL_HINT =
  'install ffmpeg (Debian/Ubuntu: `apt-get install ffmpeg`; macOS: `brew install ffmpeg`) or run `npm ci` so the ' +
  'bundled @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe binaries are present';

let cached: FfmpegPaths | undefined;

/**
 * Resolves the ffmpeg/ffprobe pair once per process (the default lookup is cached). Throws EscuchaError
 * TOOL_MISSING, naming the install step, when neither the system nor the bundled binaries run.
 */
export function resolveFfmpegPaths(options: ResolveFfmpegOptions = {}): FfmpegPaths {
  const isDefault = options.systemNames === undefined && options.allowBundled === undefined;
  if (isDefault && cached) return cached;
  const names = options.systemNames ?? { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
  const system = {
    ffmpeg: findOnPath(names.ffmpeg, 'ffmpeg'),
    ffprobe: findOnPath(names.ffprobe, 'ffprobe'),
  };
  const bundled =
    options.allowBundled === false
      ? { ffmpeg: null, ffprobe: null }
      : {
          ffmpeg: bundledBinary('@ffmpeg-installer/ffmpeg', 'ffmpeg'),
          ffprobe: bundledBinary('@ffprobe-installer/ffprobe', 'ffprobe'),
        };
  const chosen = choosePaths(system, bundled);
  if (isDefault) cached = chosen;
  return chosen;
}

type Candidates = { ffmpeg: string | null; ffprobe: string | null };

/** The pure choice: the system pair when both run, else the bundled pair when both run. */
export function choosePaths(system: Candidates, bundled: Candidates): FfmpegPaths {
  if (system.ffmpeg && system.ffprobe)
    return { ffmpeg: system.ffmpeg, ffprobe: system.ffprobe, source: 'system' };
  if (bundled.ffmpeg && bundled.ffprobe) {
    return { ffmpeg: bundled.ffmpeg, ffprobe: bundled.ffprobe, source: 'bundled' };
  }
  const missing = [system.ffmpeg ? null : 'ffmpeg', system.ffprobe ? null : 'ffprobe']
    .filter(Boolean)
    .join(' and ');
  throw new EscuchaError(
    'TOOL_MISSING',
    `${missing} not found on PATH and no bundled build runs here: ${FFMPEG_INSTALL_HINT}`,
  );
}

/**
 * Runs `<command> -version` (the OS searches PATH) and returns the absolute path when it answers as the expected
 * tool, else null.
 */
function findOnPath(command: string, tool: 'ffmpeg' | 'ffprobe'): string | null {
  if (!answersVersion(command, tool)) return null;
  if (command.includes('/')) return command;
  const lookup = spawnSync('/bin/sh', ['-c', 'command -v "$1"', 'sh', command], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  const found = lookup.status === 0 ? lookup.stdout.trim() : '';
  return found.startsWith('/') ? found : command;
}

function bundledBinary(pkg: string, tool: 'ffmpeg' | 'ffprobe'): string | null {
  let binary: string;
  try {
    // The installer packages throw plain strings when their platform package is absent.
    binary = (createRequire(import.meta.url)(pkg) as { path: string }).path;
  } catch {
    return null;
  }
  return answersVersion(binary, tool) ? binary : null;
}

function answersVersion(command: string, tool: 'ffmpeg' | 'ffprobe'): boolean {
  const run = spawnSync(command, ['-version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 10_000,
  });
  return run.status === 0 && run.stdout.startsWith(`${tool} version`);
}

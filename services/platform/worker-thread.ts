import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The URL of a worker's module beside the module at `base` (its `import.meta.url`), named without an extension:
 * it takes the extension of `base`, so a worker started from the compiled build (dist/, JavaScript) is the compiled
 * one, and one started from the TypeScript sources (development, tests) is TypeScript.
 *
 * @example workerModule('./whisper/whisper.worker', import.meta.url)
 */
export function workerModule(relative: string, base: string): URL {
  return new URL(relative + path.extname(new URL(base).pathname), base);
}

/**
 * How far a background worker thread is niced (0 normal … 19 lowest): its CPU time yields to the threads at normal
 * priority (capture's packet path, the API) whenever both want a core, and takes whatever they leave.
 */
export const BACKGROUND_NICE = 10;

/** A CPU list as taskset reads it: `1`, `2-3`, `0,2-3`. */
export const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** How many CPUs a CPU list names (`0,2-3`: 3). */
export function cpuCount(list: string): number {
  let n = 0;
  for (const part of list.split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : Math.max(0, b - a! + 1);
  }
  return n;
}

/** The cores background workers have: those of the CPU list when given, else every core of the machine. */
export function backgroundCores(cpus?: string | null): number {
  return cpus ? Math.max(1, cpuCount(cpus)) : Math.max(1, os.availableParallelism());
}

/**
 * Where a background worker runs: niced to BACKGROUND_NICE and, when `cpus` names a CPU list
 * (ESCUCHA_RECOGNITION_CPUS), kept to those CPUs, so that capture's own core is never theirs.
 */
export interface Background {
  cpus?: string | null;
}

/**
 * Starts a worker thread from a module of Escucha's. A JavaScript module (the compiled build in dist/, and
 * sherpa.worker.js everywhere) starts directly. A TypeScript module (development and tests, which run the sources)
 * is loaded through tsx, registered inside the worker: worker threads do not inherit the loader hooks of the
 * thread that starts them, and `--import` in a worker's execArgv does not apply to its own entry module.
 *
 * `background`: the worker lowers its own thread's priority to BACKGROUND_NICE before its module loads, so the
 * threads it creates (a model's inference threads) inherit it, and keeps its thread to `background.cpus` when given
 * (taskset on its own thread id; the threads it creates inherit that too). Linux only, where the nice value and the
 * CPU affinity belong to each thread; elsewhere setpriority would lower the whole process, so the worker keeps the
 * normal priority and every CPU.
 */
export function startWorker(
  script: URL,
  options: WorkerOptions = {},
  background: Background | false = false,
): Worker {
  const lower = background !== false && process.platform === 'linux';
  if (!script.pathname.endsWith('.ts') && !lower) return new Worker(script, options);
  const steps: string[] = [];
  const cpus = lower && background.cpus ? background.cpus : null;
  if (cpus) {
    checkCpus(cpus);
    steps.push(
      `try { const fs = await import('node:fs'); const cp = await import('node:child_process'); const tid = fs.readlinkSync('/proc/thread-self').split('/').pop(); cp.spawnSync('taskset', ['-p', '-c', '${cpus}', tid], { stdio: 'ignore' }); } catch {}`,
    );
  }
  // Only ever lowered (a process started niced stays as niced); a refusal leaves the thread as it was.
  if (lower)
    steps.push(
      `try { const os = await import('node:os'); if (os.getPriority() < ${BACKGROUND_NICE}) os.setPriority(0, ${BACKGROUND_NICE}); } catch {}`,
    );
  if (script.pathname.endsWith('.ts'))
    steps.push(`(await import(${JSON.stringify(tsxApiUrl())})).register();`);
  const code = `(async () => { ${steps.join(' ')} await import(${JSON.stringify(script.href)}); })();`;
  return new Worker(code, { ...options, eval: true });
}

/** CPU lists that taskset was seen to run a process on (checked once each). */
const usableCpus = new Set<string>();

/** Throws, saying why, unless taskset can keep a process to `cpus` here. */
function checkCpus(cpus: string): void {
  if (usableCpus.has(cpus)) return;
  if (!CPU_LIST.test(cpus)) throw new Error(`not a CPU list: ${cpus}`);
  const r = spawnSync('taskset', ['-c', cpus, 'true'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `recognition cannot be kept to CPUs ${cpus} (ESCUCHA_RECOGNITION_CPUS): ${r.error?.message ?? r.stderr.trim()}`,
    );
  }
  usableCpus.add(cpus);
}

let tsxApi: string | undefined;

/** tsx's ESM register API, as an absolute URL (the worker may start anywhere, whatever the working directory). */
function tsxApiUrl(): string {
  if (!tsxApi) {
    const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
    const exports = (
      JSON.parse(readFileSync(manifest, 'utf8')) as {
        exports: Record<string, { import: { default: string } }>;
      }
    ).exports;
    tsxApi = pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api']!.import.default)).href;
  }
  return tsxApi;
}

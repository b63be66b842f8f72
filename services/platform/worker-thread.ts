import { readFileSync } from 'node:fs';
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

/**
 * Starts a worker thread from a module of Escucha's. A JavaScript module (the compiled build in dist/, and
 * sherpa.worker.js everywhere) starts directly. A TypeScript module (development and tests, which run the sources)
 * is loaded through tsx, registered inside the worker: worker threads do not inherit the loader hooks of the
 * thread that starts them, and `--import` in a worker's execArgv does not apply to its own entry module.
 *
 * `background`: the worker lowers its own thread's priority to BACKGROUND_NICE before its module loads, so the
 * threads it creates (a model's inference threads) inherit it. Linux only, where the nice value belongs to each
 * thread; elsewhere setpriority would lower the whole process, so the worker keeps the normal priority.
 */
export function startWorker(script: URL, options: WorkerOptions = {}, background = false): Worker {
  const lower = background && process.platform === 'linux';
  if (!script.pathname.endsWith('.ts') && !lower) return new Worker(script, options);
  const steps: string[] = [];
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

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
 * Starts a worker thread from a module of Escucha's. A JavaScript module (the compiled build in dist/, and
 * sherpa.worker.js everywhere) starts directly. A TypeScript module (development and tests, which run the sources)
 * is loaded through tsx, registered inside the worker: worker threads do not inherit the loader hooks of the
 * thread that starts them, and `--import` in a worker's execArgv does not apply to its own entry module.
 */
export function startWorker(script: URL, options: WorkerOptions = {}): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, options);
  const api = tsxApiUrl();
  const code =
    `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); ` +
    `return import(${JSON.stringify(script.href)}); });`;
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

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of Escucha's package.json, whether this module runs from the TypeScript sources
 * (`services/platform/package-path.ts`, in development and tests) or compiled (`dist/services/platform/package-path.js`,
 * see bin/build.js). Only code is compiled into dist/; the files beside it (package.json, the built web UI, the demo
 * data, the native addon, the test fixtures) stay where they are in the package, so every path to one of them is
 * taken from here, never from the location of the module that reads it.
 */
export const PACKAGE_ROOT = fileURLToPath(
  new URL(import.meta.url.endsWith('.js') ? '../../..' : '../..', import.meta.url),
);

/** A path inside the package, e.g. `packagePath('services', 'web', 'dist')`. */
export function packagePath(...segments: string[]): string {
  return path.join(PACKAGE_ROOT, ...segments);
}

/** Escucha's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

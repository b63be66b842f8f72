import path from 'node:path';
import { packagePath } from '../platform/package-path.ts';

/**
 * Builds the web UI into services/web/dist with Vite (a development dependency: run it where `npm ci` installed
 * them, for example in a build stage, then ship dist). `escucha web build` runs it; `escucha serve` calls it when dist is missing.
 */
export const WEB_ROOT = packagePath('services', 'web');

export async function buildWeb(options: { outDir?: string; quiet?: boolean } = {}): Promise<string> {
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (cause) {
    throw new Error(
      'cannot build the web UI: the development dependencies (vite, @preact/preset-vite) are not installed; ' +
        'run `npm ci` and `npm run build:web`, or ship a built services/web/dist',
      { cause },
    );
  }
  const outDir = options.outDir ?? path.join(WEB_ROOT, 'dist');
  await vite.build({
    configFile: path.join(WEB_ROOT, 'vite.config.ts'),
    root: WEB_ROOT,
    logLevel: options.quiet ? 'error' : 'info',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

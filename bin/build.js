// Compiles Escucha's server (the TypeScript of services/, models/ and migrations/; not the tests, not the browser
// UI, which Vite builds) into dist/ with esbuild: one JavaScript module per source module, in the same layout
// (services/cli/main.ts becomes dist/services/cli/main.js). Nothing is bundled: each module keeps its own imports,
// with `.ts` rewritten to `.js`, and packages are loaded from node_modules as usual. Files that are not code
// (package.json, the built web UI, the demo data, the native addon) are not copied; services/platform/package-path.ts
// finds them in the package.
//
// dist/build-stamp.json holds digests of the sources it was built from (of their sizes and times, and of their
// contents); bin/escucha.js runs dist/ only while they match the sources, so a stale build never runs unnoticed.
//
//   node bin/build.js             build dist/ (`npm run build`; `npm ci` runs it through the prepare script)
//   node bin/build.js --if-stale  build only when dist/ does not match the sources (`npm start` does this first)
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = 'build-stamp.json';
/** The command line's module, compiled; bin/escucha.js imports it. */
export const DIST_ENTRY = pathToFileURL(path.join(DIST, 'services', 'cli', 'main.js')).href;

/** The folders compiled, and what inside them is not the server's code. */
const SOURCE_DIRS = ['services', 'models', 'migrations'];
const NOT_SERVER = new Set([
  'services/web/src', // the browser UI: `escucha web build` builds it with Vite into services/web/dist
  'services/web/dist',
  'services/web/vite.config.ts',
  'services/capture/native', // the RTP receiver addon's C source and its build script (npm ci's postinstall)
]);

/** The server's source files (TypeScript, and the few modules written in JavaScript), relative, sorted. */
export function sourceFiles() {
  const files = [];
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || NOT_SERVER.has(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(ROOT, dir))) walk(dir);
  return files.sort();
}

/** A digest of the sources' contents, and of this script (how they are compiled). */
async function sourceDigest(files) {
  // node:crypto is loaded only here: the check at every start usually ends with the sizes and times below.
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256').update(readFileSync(SELF));
  for (const file of files) hash.update(`\0${file}\0`).update(readFileSync(path.join(ROOT, file)));
  return hash.digest('hex');
}

/** The same files' sizes and times of change: reading none of them, it is checked first, at every start. */
function sourceFingerprint(files) {
  let fingerprint = '';
  for (const file of ['bin/build.js', ...files]) {
    const { size, mtimeMs } = statSync(path.join(ROOT, file));
    fingerprint += `${file} ${size} ${mtimeMs}\n`;
  }
  return fingerprint;
}

/**
 * What there is to run:
 * - `fresh`: dist/ was built from the sources as they are now;
 * - `stale`: dist/ was built from other sources (edited, or checked out since);
 * - `unbuilt`: a checkout with sources and no dist/;
 * - `installed`: dist/ without sources (the container image, an installed package): nothing to compare it with;
 * - `missing`: neither.
 */
export async function buildState() {
  const hasSources = existsSync(path.join(ROOT, 'services', 'cli', 'main.ts'));
  const stampFile = path.join(DIST, STAMP);
  if (!hasSources) return existsSync(fileURLToPath(DIST_ENTRY)) ? 'installed' : 'missing';
  if (!existsSync(stampFile)) return 'unbuilt';
  const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  const files = sourceFiles();
  // Same sizes and times: the same files. Otherwise (a checkout touches files it leaves as they were) the contents decide.
  if (stamp.fingerprint === sourceFingerprint(files)) return 'fresh';
  return stamp.digest === (await sourceDigest(files)) ? 'fresh' : 'stale';
}

/** Relative imports stay imports of their own compiled module: `./x.ts` becomes `./x.js`. */
const relativeImports = {
  name: 'escucha-relative-imports',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true },
    );
  },
};

/** Compiles the sources into dist/ (written beside it, then swapped in, so a process starting meanwhile never sees half of it). */
export async function build() {
  const started = Date.now();
  const files = sourceFiles();
  const digest = await sourceDigest(files);
  const fingerprint = sourceFingerprint(files);
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (cause) {
    throw new Error('cannot compile Escucha: esbuild (a dependency) is not installed; run `npm ci`', {
      cause,
    });
  }
  const tmp = `${DIST}.${process.pid}.new`;
  rmSync(tmp, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: files.map((f) => path.join(ROOT, f)),
    outbase: ROOT,
    outdir: tmp,
    // `bundle` only so that the plugin sees every import; it marks them all external, so each module stays its own.
    bundle: true,
    packages: 'external',
    plugins: [relativeImports],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Function names are what the sources say without help: nothing here renames them, so no `__name()` wrapper
    // is needed (tsx, for development, adds one to every function and class).
    keepNames: false,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(
    path.join(tmp, STAMP),
    `${JSON.stringify({ digest, fingerprint, files: files.length }, null, 2)}\n`,
  );
  const old = `${DIST}.${process.pid}.old`;
  if (existsSync(DIST)) renameSync(DIST, old);
  renameSync(tmp, DIST);
  rmSync(old, { recursive: true, force: true });
  return { files: files.length, ms: Math.round(Date.now() - started) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const state = await buildState();
  if (state === 'installed' || state === 'missing') {
    console.log('escucha: no TypeScript sources here (an installed build): nothing to compile');
  } else if (state === 'fresh' && process.argv.includes('--if-stale')) {
    // dist/ matches the sources
  } else {
    try {
      const { files, ms } = await build();
      console.log(`escucha: compiled ${files} modules into dist/ in ${ms} ms`);
    } catch (error) {
      console.error(`escucha: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
}

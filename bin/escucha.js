#!/usr/bin/env -S node --max-semi-space-size=32
// Escucha's command line. The V8 flags on the first line are Escucha's runtime flags
// (services/platform/runtime-flags.ts).
//
// Production runs the compiled JavaScript in dist/ (bin/build.js; `npm ci` and `npm start` build it). It runs:
// - dist/, when it was built from the sources as they are now, or when there are no sources (the container image,
//   an installed package);
// - the TypeScript sources through tsx (a development dependency), in a development checkout whose dist/ is missing
//   or was built from other sources: saying so on stderr in the latter case, so an old build never runs unnoticed
//   and a change to the sources is never silently left out. `npm run build` makes dist/ current again.
import { buildState, DIST_ENTRY } from './build.js';

const state = await buildState();
if (state === 'fresh' || state === 'installed') {
  await import(DIST_ENTRY);
} else if (state === 'missing') {
  console.error('escucha: not built: dist/ is missing and there are no sources to build it from');
  process.exitCode = 1;
} else {
  if (state === 'stale') {
    console.error(
      'escucha: dist/ was built from other sources; running the TypeScript sources through tsx (`npm run build` compiles them)',
    );
  }
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error('escucha: dist/ does not match the sources and tsx is not installed: run `npm run build`');
    process.exit(1);
  }
  tsx.register();
  await import('../services/cli/main.ts');
}

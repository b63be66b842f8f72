#!/usr/bin/env -S node --max-semi-space-size=32
// Escucha's command line. TypeScript sources are loaded through tsx so the same code runs in development,
// tests and production without a separate build step. The V8 flags on the first line are Escucha's runtime flags
// (services/platform/runtime-flags.ts).
import { register } from 'tsx/esm/api';

register();
await import('../services/cli/main.ts');

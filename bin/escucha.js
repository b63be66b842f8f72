#!/usr/bin/env node
// Escucha's command line. TypeScript sources are loaded through tsx so the same code runs in development,
// tests and production without a separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../services/cli/main.ts');

import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { packagePath } from '../platform/package-path.ts';

/** Where `services/web/build.ts` writes the built UI. */
export const WEB_DIST_DIR = packagePath('services', 'web', 'dist');

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // wavesurfer.js and uPlot set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export function webDistReady(dir = WEB_DIST_DIR): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

/**
 * Serves the built web UI at `/`: hashed assets with long caching, index.html (no caching) for every other GET
 * that asks for HTML, so client-side routes survive a reload. Paths under /api are never answered here.
 */
export function webUi(dir = WEB_DIST_DIR): Router {
  const router = Router();
  router.use((req, res, next) => {
    if (req.path.startsWith('/api/')) {
      next();
      return;
    }
    res.set({
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
      'X-Frame-Options': 'DENY',
    });
    next();
  });
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
    }),
  );
  router.use(express.static(dir, { index: false, maxAge: 0 }));
  router.get(/.*/, (req, res, next) => {
    if (req.path.startsWith('/api/') || !req.accepts('html') || !webDistReady(dir)) {
      next();
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
  return router;
}

/**
 * The folder to serve the UI from: the built dist, built now when missing (with the development dependencies
 * installed), or null with the reason, so `escucha serve` still serves the API and says how to get the UI.
 */
export async function ensureWebUi(dir = WEB_DIST_DIR): Promise<{ dir: string | null; note: string }> {
  if (webDistReady(dir)) return { dir, note: 'built' };
  try {
    const { buildWeb } = await import('./build.ts');
    await buildWeb({ outDir: dir, quiet: true });
    return { dir, note: 'built now (services/web/dist was missing)' };
  } catch (error) {
    return {
      dir: null,
      note: `not available: ${(error as Error).message}. Run \`npm run build:web\` (or \`npx escucha web build\`)`,
    };
  }
}

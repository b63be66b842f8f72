import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/** The web UI: a Preact single-page app built to services/web/dist, which `escucha serve` serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    target: 'es2022',
  },
  server: {
    // `npx vite services/web` during development: the API runs on `escucha serve`.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The demo site (web/). `npm start` runs it through Vite's dev server
// (scripts/demo-stack.ts); `npm run build:demo` writes a static copy to
// dist/demo. The root vite.config.ts is the library build, not this.
//
// The demo imports the elements from source through the workspace packages,
// so workers named as `import url from './x-worker.ts?worker&url'` are
// served (and built) as ES module workers.
const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  publicDir: false,
  clearScreen: false,
  server: {
    // The workspace packages live outside web/.
    fs: { allow: [resolve(here, '..')] },
  },
  worker: { format: 'es' },
  optimizeDeps: {
    // Crawl the elements' workers too, not just index.html: otherwise the
    // dependencies only workers import (mp4box…) are found on first use,
    // and Vite reloads the page mid-session to add them.
    entries: ['index.html', '../packages/rtmp-{elements,player,publisher}/src/**/*.ts'],
  },
  build: {
    outDir: resolve(here, '../dist/demo'),
    emptyOutDir: true,
    target: 'es2022',
  },
});

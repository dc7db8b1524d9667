import { defineConfig } from 'vitest/config';

// `npm run build`: dist/rtmp.js, one ES module that registers <rtmp-player>
// and <rtmp-publisher>, with its worker and worklet files beside it (found
// relative to the module's URL, so a plain page can load it with one tag).
//
// The same file configures the Node test suite (vitest): unit tests live
// beside each package (packages/*/test), tests against real peers in test/.
// Browser tests run with @web/test-runner (web-test-runner.config.mjs).
export default defineConfig({
  // Relative: the workers' URLs resolve against rtmp.js's own URL wherever dist/ is served.
  base: './',
  build: {
    lib: {
      entry: 'packages/rtmp-elements/src/rtmp.ts',
      formats: ['es'],
      fileName: () => 'rtmp.js',
    },
    outDir: 'dist',
    assetsDir: '',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  worker: { format: 'es' },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bridge/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'packages/*/test/browser/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two cores here.
    maxWorkers: 2,
  },
});

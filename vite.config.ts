import { defineConfig } from 'vitest/config';

// One config for the demo (vite) and the Node test suite (vitest).
// Unit tests live beside each package (packages/*/test); tests against real
// peers (nginx-rtmp, node-media-server, FFmpeg) live in test/.
export default defineConfig({
  root: '.',
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bridge/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers; two cores here, so keep it modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});

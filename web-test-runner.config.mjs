// Browser tests: @web/test-runner in Debian's Chromium (never a downloaded
// browser), TypeScript through esbuild, and real peers (nginx-rtmp,
// node-media-server, the bridge, FFmpeg) started through server commands.
// Run with tsx so the peers plugin (TypeScript) loads: see package.json.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { peersPlugin } from './test/peers/wtr-peers-plugin.ts';

// Browser builds of some packages (mediabunny, used for WASM AAC encoding)
// map Node-only modules to `false` in their package.json "browser" field, and
// name `worker_threads` in a branch browsers never take. The dev server's
// node-resolve does not serve such empty modules, so we do: an empty module
// for each.
const NODE_ONLY = new Set(['worker_threads', 'node:fs/promises']);
const nodeOnlyStubs = {
  name: 'node-only-stubs',
  resolveImport({ source, context }) {
    if (NODE_ONLY.has(source)) return '/__node-only-stub__.js';
    if (source === './node.js' && context.path.includes('/node_modules/mediabunny/')) return '/__node-only-stub__.js';
    return undefined;
  },
  serve(context) {
    if (context.path === '/__node-only-stub__.js') return { body: 'export default {};', type: 'js' };
    return undefined;
  },
};

// The elements import their workers' URLs the Vite way (`./x-worker.ts?worker&url`,
// which the builds turn into the built worker file's URL); served unbuilt,
// that URL is the worker's own source file, which esbuild compiles like any other.
const workerUrlImports = {
  name: 'worker-url-imports',
  serve(context) {
    if (context.querystring !== 'worker&url') return undefined;
    return { body: `export default new URL(${JSON.stringify(context.path)}, import.meta.url).href;`, type: 'js' };
  },
};

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // fps=30: the fake camera's rate (default 20), so tests get 30 fps when they ask for it.
  '--use-fake-device-for-media-stream=fps=30',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export default {
  files: ['packages/*/test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 20 * 60_000,
  testFramework: { config: { timeout: 120_000 } },
  plugins: [nodeOnlyStubs, workerUrlImports, esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), peersPlugin()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: chromiumFlags,
      },
    }),
  ],
};

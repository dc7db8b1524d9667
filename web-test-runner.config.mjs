// Browser tests: @web/test-runner in Debian's Chromium (never a downloaded
// browser), TypeScript through esbuild, and real peers (nginx-rtmp,
// node-media-server, the bridge, FFmpeg) started through server commands.
// Run with tsx so the peers plugin (TypeScript) loads: see package.json.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { peersPlugin } from './test/peers/wtr-peers-plugin.ts';

const chromiumFlags = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export default {
  files: ['packages/*/test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 20 * 60_000,
  testFramework: { config: { timeout: 120_000 } },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), peersPlugin()],
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

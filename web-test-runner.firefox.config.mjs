// The browser suite's Firefox run: Debian's Firefox ESR (never a downloaded
// browser build), driven over WebDriver BiDi by puppeteer-core through
// @web/test-runner-chrome's launcher (which takes a custom puppeteer, so no
// other launcher package is needed), with the plugins, the peers and the
// timeouts of the Chromium run (web-test-runner.config.mjs). Only the files
// below run here; the README's browser table says what Firefox lacks and
// what replaces it. Run with tsx, like the Chromium run: see package.json.
import { chromeLauncher } from '@web/test-runner-chrome';
import * as puppeteerCore from 'puppeteer-core';
import { FIREFOX_PREFS, firefoxPath } from './test/demo/firefox.ts';
import chromium from './web-test-runner.config.mjs';

/** The browser tests that run in Firefox too (the rest are Chromium-only). */
export const FIREFOX_FILES = [
  'packages/rtmp-player/test/browser/player-e2e.test.ts',
  'packages/rtmp-player/test/browser/player-onscreen.test.ts',
  'packages/rtmp-player/test/browser/player-dist.test.ts',
  'packages/rtmp-publisher/test/browser/publisher-camera.test.ts',
  'packages/rtmp-publisher/test/browser/publisher-file.test.ts',
];

export default {
  ...chromium,
  files: FIREFOX_FILES,
  browsers: [
    chromeLauncher({
      puppeteer: puppeteerCore,
      launchOptions: { browser: 'firefox', executablePath: firefoxPath(), headless: true, extraPrefsFirefox: { ...FIREFOX_PREFS } },
    }),
  ],
};

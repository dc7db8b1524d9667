/**
 * Headless Firefox ESR for the tests that drive a browser themselves (the
 * demo's end-to-end test) and for the browser suite's Firefox run
 * (web-test-runner.firefox.config.mjs): puppeteer-core over WebDriver BiDi,
 * driving the system's /usr/bin/firefox-esr (never a downloaded browser),
 * with a fake camera and microphone and a fresh profile.
 */
import puppeteer from 'puppeteer-core';
import type { LaunchedChromium } from './chromium.ts';

/** The Firefox to drive: `FIREFOX_PATH`, else Debian's firefox-esr. */
export function firefoxPath(): string {
  return process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
}

/**
 * The prefs a headless run on this kind of machine needs (no camera, no
 * microphone, no sound server; see /work/shared/PEERS.md).
 */
export const FIREFOX_PREFS: Readonly<Record<string, boolean | number>> = {
  // getUserMedia gives a generated picture (one colour, slowly cycling) and a tone, with no prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // No sound server: without a mock audio backend an AudioContext stays
  // suspended and resume() never settles. (The mock runs slower than real
  // time on a loaded machine: see media-capture.ts.)
  'media.cubeb.force_mock_context': true,
  // Sound without a user gesture, like Chromium's --autoplay-policy flag (0 = allowed).
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
};

/** Launches Firefox with {@link FIREFOX_PREFS} and a fresh profile (puppeteer makes and deletes it). */
export async function launchFirefox(): Promise<LaunchedChromium> {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: firefoxPath(), headless: true, extraPrefsFirefox: { ...FIREFOX_PREFS } });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}

/**
 * Headless Chromium for the demo's end-to-end test and screenshots:
 * puppeteer-core driving the system's /usr/bin/chromium (never a downloaded
 * browser), with a fake camera and microphone and a fresh profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** The flags this machine needs (see /work/shared/PEERS.md), plus the fake media devices. */
export const CHROMIUM_FLAGS = [
  '--headless',
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
] as const;

/** A launched browser; {@link LaunchedChromium.close} also deletes its profile. */
export interface LaunchedChromium {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches Chromium (`CHROMIUM_PATH` or /usr/bin/chromium) with a fresh --user-data-dir. */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<LaunchedChromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'rtmp-web-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    userDataDir,
    args: [...CHROMIUM_FLAGS, ...extraArgs],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

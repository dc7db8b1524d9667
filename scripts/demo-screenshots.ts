/**
 * Screenshots of the demo page in headless Chromium: desktop and phone
 * widths, dark and light. For checking the design by eye.
 *
 *   npx tsx scripts/demo-screenshots.ts http://127.0.0.1:5173/ test-output/screens [--live]
 *
 * With --live it first goes live with the test pattern and waits for the
 * player, so the shots show the page at work.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '../test/demo/chromium.ts';

const [url = 'http://127.0.0.1:5173/', outDir = 'test-output/screens', ...flags] = process.argv.slice(2);
const live = flags.includes('--live');
mkdirSync(outDir, { recursive: true });

const chromium = await launchChromium();
try {
  const page = await chromium.browser.newPage();
  page.on('console', (m) => console.log(`page: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`page error: ${(e as Error).message}`));
  for (const scheme of ['dark', 'light'] as const) {
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    await page.setViewport({ width: 1440, height: 1000, deviceScaleFactor: 1 });
    await page.goto(url, { waitUntil: 'networkidle0' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    if (live) {
      await page.click('button[data-source="pattern"]');
      await page.click('#go-live');
      await page.waitForFunction(() => document.getElementById('player-state')?.dataset.state === 'playing', { timeout: 30_000 }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20_000)); // let the plots fill
    } else {
      await new Promise((r) => setTimeout(r, 1200));
    }
    await page.screenshot({ path: join(outDir, `desktop-${scheme}.png`) as `${string}.png` });
    await page.screenshot({ path: join(outDir, `desktop-${scheme}-full.png`) as `${string}.png`, fullPage: true });
    await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2 });
    await new Promise((r) => setTimeout(r, 600));
    await page.screenshot({ path: join(outDir, `phone-${scheme}.png`) as `${string}.png`, fullPage: true });
    if (live) await page.click('#stop-publish').catch(() => undefined);
  }
  console.log(`screenshots in ${outDir}`);
} finally {
  await chromium.close();
}

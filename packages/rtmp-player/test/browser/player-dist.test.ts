/**
 * The built bundle: dist/rtmp.js (from `npm run build`), loaded as a plain
 * ES module by URL the way a page's `<script type="module">` would, registers
 * <rtmp-player>, finds its worker beside itself and plays from nginx-rtmp.
 * Skipped, saying so, when dist/ has not been built.
 */
import { EventLog, PageErrors, Peers, assert, checkTestsrc2Colours, makePlayer, screenshotOf, waitForState } from './player-harness.ts';

describe('dist/rtmp.js (the built bundle)', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('a page that loads dist/rtmp.js plays <rtmp-player>', async function () {
    const head = await fetch('/dist/rtmp.js', { method: 'HEAD' });
    if (!head.ok) {
      console.warn('dist/rtmp.js is missing: run `npm run build` first; skipping');
      this.skip();
    }
    const pageErrors = new PageErrors();
    // A <script type="module" src>, like a plain page, no bundler.
    await new Promise<void>((resolve, reject) => {
      const s = document.createElement('script');
      s.type = 'module';
      s.src = '/dist/rtmp.js';
      s.onload = () => resolve();
      s.onerror = () => reject(new Error('dist/rtmp.js failed to load'));
      document.head.append(s);
    });
    await customElements.whenDefined('rtmp-player');
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    await peers.publish(`${server.url}/dist`, { width: 640, height: 360 });
    const el = makePlayer(`${server.url}/dist`, bridge.url, { autoplay: '', controls: '' });
    const log = new EventLog(el);
    await waitForState(el, 'playing', 30_000);
    // What the page shows (the controls bar covers the bottom; the bars' check samples above it), then the worker's own picture.
    await checkTestsrc2Colours(await screenshotOf(el));
    await checkTestsrc2Colours(await el.snapshot());
    assert(el.shadowRoot?.querySelector('[part=controls]') !== null, 'controls rendered');
    assert(log.errors.length === 0, JSON.stringify(log.errors));
    assert(pageErrors.errors.length === 0, pageErrors.errors.join('; '));
    pageErrors.dispose();
    el.parentElement?.remove();
  });
});

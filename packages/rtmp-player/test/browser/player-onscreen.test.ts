/**
 * The picture is on the page, whatever the order of `autoplay`, `play()`,
 * insertion and Lit's first render: every check is made on a screenshot of
 * the element as composited (what a person sees), beside the worker's
 * `snapshot()`. The README's own example (`autoplay muted controls`) is the
 * first case: it used to play into a black box while `stats` said `playing`.
 */
import '../../src/index.ts';
import type { RtmpPlayerElement } from '../../src/rtmp-player.ts';
import { assert, checkTestsrc2Colours, EventLog, guardEachTest, makePlayer, Peers, screenshotOf, sleep, waitFor, waitForState } from './player-harness.ts';

/** How long a page that showed no picture gets to show it before the test fails. */
const PICTURE_GRACE_MS = 3000;

/** Why `image` is not testsrc2's picture, or null when it is. */
function pictureMissing(image: Blob): Promise<string | null> {
  return checkTestsrc2Colours(image).then(
    () => null,
    (e: Error) => e.message,
  );
}

describe('<rtmp-player> on screen', () => {
  const peers = new Peers();
  let src = '';
  let bridgeUrl = '';
  before(async () => {
    const server = await peers.server('nms');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    src = `${server.url}/onscreen`;
    bridgeUrl = bridge.url;
    await peers.publish(src, { width: 640, height: 360 });
    await sleep(1500);
  });
  guardEachTest();
  after(() => peers.stopAll());

  /** Playing, and the page shows testsrc2's bars where the element is (and the worker's snapshot agrees). */
  async function shows(el: RtmpPlayerElement, what: string): Promise<void> {
    const log = new EventLog(el);
    await waitForState(el, 'playing', 20_000);
    await waitFor(() => el.stats.framesShown > 10, 10_000, `${what}: frames shown`);
    await seenOnPage(el, what);
    await checkTestsrc2Colours(await el.snapshot());
    assert(log.errors.length === 0, `${what}: ${JSON.stringify(log.errors)}`);
  }

  /**
   * The page's screenshot of `el` shows testsrc2. Firefox ESR has twice (in
   * two full runs of the suite, never in a file run alone) given one
   * all-black screenshot while frames were being drawn: a later screenshot is
   * taken, for up to PICTURE_GRACE_MS, and a picture that comes only then is
   * logged with the worker's view of the moment, so a run shows which it was.
   * A box that stays black (the README bug this file exists for) still fails.
   */
  async function seenOnPage(el: RtmpPlayerElement, what: string): Promise<void> {
    const first = await pictureMissing(await screenshotOf(el));
    if (first === null) return;
    const snapshot = (await pictureMissing(await el.snapshot())) ?? 'shows the picture';
    const stats = JSON.stringify(el.stats);
    const t0 = performance.now();
    while (performance.now() - t0 < PICTURE_GRACE_MS) {
      await sleep(250);
      if ((await pictureMissing(await screenshotOf(el))) !== null) continue;
      console.log(`${what}: a screenshot without the picture (${first}), then the picture ${Math.round(performance.now() - t0)} ms later; the worker's snapshot then: ${snapshot}; stats ${stats}`);
      return;
    }
    throw new Error(`${what}: the page does not show the picture (for ${PICTURE_GRACE_MS} ms more): ${first}; the worker's snapshot: ${snapshot}; stats ${stats}`);
  }

  it('the README example: <rtmp-player autoplay muted controls> from HTML', async () => {
    const box = document.createElement('div');
    box.className = 'player-box';
    box.innerHTML = `<rtmp-player style="width:640px" autoplay muted controls src="${src}" bridge="${bridgeUrl}"></rtmp-player>`;
    document.body.append(box);
    await shows(box.querySelector('rtmp-player')!, 'autoplay');
  });

  it('play() right after insertion', async () => {
    const el = makePlayer(src, bridgeUrl);
    void el.play();
    await shows(el, 'play() after insertion');
  });

  it('play() before insertion, then inserted', async () => {
    const el = document.createElement('rtmp-player');
    el.style.width = '640px';
    el.src = src;
    el.bridge = bridgeUrl;
    el.muted = true;
    const played = el.play();
    await sleep(300);
    const box = document.createElement('div');
    box.className = 'player-box';
    box.append(el);
    document.body.append(box);
    await played;
    await shows(el, 'play() before insertion');
  });

  it('autoplay set after insertion, then src and bridge', async () => {
    const el = makePlayer('', '', { autoplay: '' });
    await el.updateComplete;
    el.src = src;
    el.bridge = bridgeUrl;
    await shows(el, 'autoplay, src later');
  });
});

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
    try {
      await checkTestsrc2Colours(await screenshotOf(el));
    } catch (e) {
      throw new Error(`${what}: the page does not show the picture: ${(e as Error).message}`);
    }
    await checkTestsrc2Colours(await el.snapshot());
    assert(log.errors.length === 0, `${what}: ${JSON.stringify(log.errors)}`);
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

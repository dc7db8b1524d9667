/**
 * <rtmp-player> failures: each gives a clear `error` event with a stable
 * code and no uncaught exception in the page.
 *
 * A stream that does not exist: nginx-rtmp answers NetStream.Play.Start for
 * any name and waits; node-media-server does too (checked here). The player
 * stays `buffering` (it plays if the stream is published later) and reports
 * STREAM_NOT_FOUND, not fatal, after `noMediaTimeoutMs` (10 s).
 */
import '../../src/index.ts';
import { EventLog, PageErrors, Peers, assert, makePlayer, sleep, waitFor, waitForState } from './player-harness.ts';

describe('<rtmp-player> failures', () => {
  const peers = new Peers();
  let pageErrors: PageErrors;
  beforeEach(() => (pageErrors = new PageErrors()));
  afterEach(() => {
    for (const el of document.querySelectorAll('.player-box')) el.remove();
    pageErrors.dispose();
  });
  after(() => peers.stopAll());

  for (const kind of ['nginx', 'nms'] as const) {
    it(`a stream that does not exist (${kind}): stays buffering, reports STREAM_NOT_FOUND`, async () => {
      const server = await peers.server(kind);
      const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
      const el = makePlayer(`${server.url}/nothing-here`, bridge.url);
      const log = new EventLog(el);
      await el.play();
      await waitFor(() => log.errors.length > 0, 20_000, 'an error event');
      const e = log.errors[0]!;
      assert(e.code === 'STREAM_NOT_FOUND', `code ${e.code}: ${e.message}`);
      if (e.fatal) assert(el.stats.state === 'error', `fatal but state ${el.stats.state}`);
      else assert(el.stats.state === 'buffering', `not fatal, state ${el.stats.state}`);
      console.log(`${kind}: missing stream → ${JSON.stringify(e)}; statuses ${log.statuses.join(', ')}; states ${log.states.join(' → ')}`);
      assert(pageErrors.errors.length === 0, pageErrors.errors.join('; '));
    });
  }

  it('a bridge that refuses the target (not on its allowlist): BRIDGE_UNAVAILABLE, fatal', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(['127.0.0.1:1']); // anything but the server
    const el = makePlayer(`${server.url}/x`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'error', 15_000);
    const e = log.errors[0]!;
    assert(e.code === 'BRIDGE_UNAVAILABLE' && e.fatal, JSON.stringify(log.errors));
    assert(log.states.join(' ') === 'connecting error', `states ${log.states.join(' → ')}`);
    await sleep(200);
    assert(pageErrors.errors.length === 0, pageErrors.errors.join('; '));
  });

  it('a bad src or bridge URL: BAD_SOURCE, fatal', async () => {
    const el = makePlayer('http://example.com/live/x', 'ws://127.0.0.1:1/');
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'error', 5000);
    assert(log.errors[0]?.code === 'BAD_SOURCE' && log.errors[0].fatal, JSON.stringify(log.errors));
    // The element's `error` stays on it, as HTMLMediaElement's does: nothing reached window's listeners.
    assert(pageErrors.errors.length === 0, `reached window: ${pageErrors.errors.join('; ')}`);
  });

  it('autoplay when the worker cannot start: state error and a WORKER_ERROR event, not silence', async () => {
    const RealWorker = window.Worker;
    // As a page whose CSP blocks the worker script would see it.
    window.Worker = class {
      constructor() {
        throw new DOMException('worker blocked by the test', 'SecurityError');
      }
    } as unknown as typeof Worker;
    try {
      const box = document.createElement('div');
      box.className = 'player-box';
      box.innerHTML = '<rtmp-player autoplay muted src="rtmp://127.0.0.1:1/live/x" bridge="ws://127.0.0.1:1/"></rtmp-player>';
      const el = box.querySelector('rtmp-player')!;
      const log = new EventLog(el);
      document.body.append(box);
      await waitForState(el, 'error', 5000);
      assert(log.errors[0]?.code === 'WORKER_ERROR' && log.errors[0].fatal, JSON.stringify(log.errors));
      assert(log.errors[0].message.includes('SecurityError'), log.errors[0].message);
    } finally {
      window.Worker = RealWorker;
    }
  });

  it('a garbage server (random bytes after the handshake): a protocol error code, fatal', async () => {
    const garbage = await peers.garbage();
    const bridge = await peers.bridge([`127.0.0.1:${garbage.port}`]);
    const el = makePlayer(`rtmp://127.0.0.1:${garbage.port}/live/x`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'error', 20_000);
    const e = log.errors[0]!;
    assert(e.fatal && /^[A-Z_]+$/.test(e.code) && e.code !== 'INTERNAL', JSON.stringify(log.errors));
    console.log(`garbage server → ${JSON.stringify(e)}`);
    await sleep(200);
    assert(pageErrors.errors.length === 0, pageErrors.errors.join('; '));
  });
});

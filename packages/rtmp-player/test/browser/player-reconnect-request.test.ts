/**
 * Enhanced RTMP's reconnect request against real servers: two nginx-rtmp
 * (A and B), each fed the same wall-clock timecode stream by its own FFmpeg
 * (test/bench/ffmpeg-reference.ts, 2 s GOPs, 30 fps). The player plays from
 * A through test/peers/reconnect-proxy.ts, which injects
 * NetConnection.Connect.ReconnectRequest (tcUrl = B) into A's bytes at a
 * chunk boundary mid-stream. The player must move to B: A's connection
 * closes, the state never goes to `error`, and pictures keep coming. The
 * longest freeze (the picture standing still, read back from the composited
 * canvas every animation frame by the display probe) is printed.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.ts';
import { assert, EventLog, guardEachTest, makePlayer, Peers, sleep, waitFor, waitForState, watchPictures } from './player-harness.ts';

/** Generous for a loaded 2-core runner; the measured value is printed. */
const MAX_FREEZE_MS = 2500;

describe('<rtmp-player> reconnect request (E-RTMP v2)', () => {
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('moves from nginx-rtmp A to B mid-stream: A closes, never error, pictures keep coming', async () => {
    const a = await peers.server('nginx');
    const b = await peers.server('nginx');
    const proxy = (await executeServerCommand('peers-reconnect-proxy', { port: a.port })) as { id: string; port: number };
    peers.adopt(proxy.id);
    const bridge = await peers.bridge([`127.0.0.1:${proxy.port}`, `127.0.0.1:${b.port}`]);
    for (const s of [a, b]) {
      const r = (await executeServerCommand('peers-timecode-publish', { url: `${s.url}/moving`, audio: false, maxMs: 120_000 })) as { id: string };
      peers.adopt(r.id);
    }
    const el = makePlayer(`rtmp://127.0.0.1:${proxy.port}/live/moving`, bridge.url, { muted: '' });
    const log = new EventLog(el);
    const { probe, changes } = watchPictures(el);
    try {
      await el.play();
      await waitForState(el, 'playing', 30_000);
      await sleep(3000); // steady on A
      const info0 = (await executeServerCommand('peers-reconnect-proxy-info', { id: proxy.id })) as { accepted: number; open: number; closed: number };
      assert(info0.open === 1, `proxy before: ${JSON.stringify(info0)}`);

      const asked = Date.now();
      const tcUrl = `${b.url}`;
      const r = (await executeServerCommand('peers-reconnect-request', { id: proxy.id, tcUrl })) as { injected: number };
      assert(r.injected === 1, `injected into ${r.injected} connections`);

      // A's connection closes once the player stands on B.
      const end = performance.now() + 15_000;
      let info = info0;
      while (performance.now() < end) {
        info = (await executeServerCommand('peers-reconnect-proxy-info', { id: proxy.id })) as typeof info0;
        if (info.open === 0) break;
        await sleep(100);
      }
      const closedAfterMs = Date.now() - asked;
      assert(info.open === 0 && info.closed >= 1, `A's connection still open 15 s after the request: ${JSON.stringify(info)}`);
      await sleep(4000); // playing on B
      probe.stop();

      const from = asked - 1000;
      const around = changes.filter((t) => t >= from);
      let longest = 0;
      let at = 0;
      for (let i = 1; i < around.length; i++) {
        const gap = around[i]! - around[i - 1]!;
        if (gap > longest) {
          longest = gap;
          at = around[i - 1]! - asked;
        }
      }
      const lastChange = changes[changes.length - 1] ?? 0;
      console.log(
        `reconnect request (player, nginx A → B): A's connection closed ${closedAfterMs} ms after the request; longest freeze ${Math.round(longest)} ms (starting ${Math.round(at)} ms after the request); ` +
          `${around.length} pictures from 1 s before to 4 s after; states ${log.states.join(' → ')}; errors ${JSON.stringify(log.errors)}; reconnects ${el.stats.reconnects}`,
      );
      assert(!log.states.includes('error') && el.stats.state !== 'error', `states ${log.states.join(' → ')}`);
      // The move's rejoin is a freeze of a few frames, not a `buffering` a page would show a spinner for.
      assert(!log.states.slice(log.states.indexOf('playing')).includes('buffering'), `states ${log.states.join(' → ')}`);
      assert(log.errors.every((e) => !e.fatal), JSON.stringify(log.errors));
      assert(el.stats.state === 'playing', `state ${el.stats.state}`);
      assert(Date.now() - lastChange < 1000 + 600, `no new picture for ${Date.now() - lastChange} ms at the end`);
      assert(around.length > 30 * 4, `only ${around.length} pictures in 5 s around the move`);
      assert(longest < MAX_FREEZE_MS, `longest freeze ${Math.round(longest)} ms`);
      // Still playing, from B: the proxy to A saw no new connection, and frames keep coming.
      const after = (await executeServerCommand('peers-reconnect-proxy-info', { id: proxy.id })) as typeof info0;
      assert(after.accepted === 1 && after.open === 0, `proxy after: ${JSON.stringify(after)}`);
      const shown = el.stats.framesShown;
      await waitFor(() => el.stats.framesShown > shown + 15, 5000, 'frames shown after the move');
    } finally {
      probe.stop();
    }
  });
});

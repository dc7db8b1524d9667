/**
 * Latency as a target, measured on the picture: FFmpeg publishes raw frames
 * that carry the wall-clock timecode (2 s GOPs, 30 fps), and a probe reads
 * the code back from the element's composited canvas every animation frame
 * (test/bench/page/display-probe.ts). A frame's glass-to-glass age is
 * `Date.now() − code`; on loopback the path before the player (FFmpeg's
 * encoder, the server, the bridge) adds a few ms to the player's target.
 *
 * - every `latency` setting shows the source's frame rate, from
 *   node-media-server (GOP cache) and nginx-rtmp, with no frame dropped;
 * - joining a 2 s-GOP stream at targets 300 and 1000, the first frame shown
 *   is live (no older than target + 100 ms) and the steady delay is the target;
 * - `auto` on a link with 0–150 ms of random delay per write rises to cover
 *   the jitter: no stalls after the first seconds.
 *
 * The assertions are the behaviour with a margin for a loaded CI runner
 * (other peers and the browser share 2 cores): the exact numbers are logged,
 * and `npm run bench` measures them on a quiet machine.
 */

/** Slack for a loaded runner: a late decode under CPU contention costs a frame or a few ms. */
const LOADED_RUNNER_SLACK = { droppedFraction: 0.03, fpsFraction: 0.85, joinMs: 250, steadyMs: 100 };
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.ts';
import type { RtmpPlayerElement } from '../../src/rtmp-player.ts';
import type { DisplayProbe } from '../../../../test/bench/page/display-probe.ts';
import { assert, EventLog, guardEachTest, makePlayer, Peers, sleep, type ServerPeer, waitForState, watchPictures } from './player-harness.ts';

const SOURCE_FPS = 30;

interface Watched {
  el: RtmpPlayerElement;
  probe: DisplayProbe;
  log: EventLog;
  /** Wall times at which a new picture appeared. */
  changes: number[];
}

/** A player on `src` with a display probe on its canvas. */
function watch(src: string, bridge: string, latency: string): Watched {
  const el = makePlayer(src, bridge, { latency, muted: '' });
  // When the picture changes, to find stalls (the picture standing still).
  const { probe, changes } = watchPictures(el);
  return { el, probe, log: new EventLog(el), changes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

/** Measures a window: shown fps (distinct codes on screen), dropped frames, median age. */
/** What one measuring window saw. */
interface Measured {
  /** Distinct pictures on screen per second. */
  fps: number;
  /** `stats.framesDropped` over the window. */
  dropped: number;
  /** Median glass-to-glass age of the pictures, ms. */
  ageMs: number;
  /** Times the picture stood still for more than 3 frame periods, and the longest. */
  stalls: number;
  longestStillMs: number;
}

async function measure(w: Watched, ms: number): Promise<Measured> {
  await sleep(600); // stats arrive every 500 ms
  const d0 = w.el.stats.framesDropped;
  const from = Date.now();
  w.probe.tally.beginWindow();
  await sleep(ms);
  const m = w.probe.tally.endWindow(0, {}, []);
  await sleep(600);
  const changes = w.changes.filter((t) => t >= from);
  let longest = 0;
  let stalls = 0;
  for (let i = 1; i < changes.length; i++) {
    const gap = changes[i]! - changes[i - 1]!;
    longest = Math.max(longest, gap);
    if (gap > (3 * 1000) / SOURCE_FPS) stalls++;
  }
  return { fps: (m.distinctFrames * 1000) / m.windowMs, dropped: w.el.stats.framesDropped - d0, ageMs: median(m.latenciesMs), stalls, longestStillMs: longest };
}

describe('<rtmp-player> latency is a target it reaches and holds', () => {
  const peers = new Peers();
  const servers: Record<'nms' | 'nginx', { server: ServerPeer; bridge: string; src: string }> = {} as never;

  before(async () => {
    for (const kind of ['nms', 'nginx'] as const) {
      const server = await peers.server(kind);
      const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
      const src = `${server.url}/timecode`;
      await executeServerCommand('peers-timecode-publish', { url: src, audio: false, maxMs: 600_000 }).then((r) => peers.adopt((r as { id: string }).id));
      servers[kind] = { server, bridge: bridge.url, src };
    }
    await sleep(4500); // a whole 2 s GOP in node-media-server's cache, and then some
  });
  guardEachTest();
  after(() => peers.stopAll());

  for (const kind of ['nms', 'nginx'] as const) {
    it(`shows the source's frame rate at every setting, no frame dropped (${kind})`, async () => {
      const lines: string[] = [];
      for (const latency of ['0', '100', '500', '1000', '3000', 'auto']) {
        const { src, bridge } = servers[kind];
        const w = watch(src, bridge, latency);
        await w.el.play();
        await waitForState(w.el, 'playing', 20_000);
        await sleep(Number(latency) >= 1000 ? 3500 : 2500); // join and settle
        // No frame dropped on a quiet machine; a few in a hundred allowed for a
        // loaded runner, and one more window when a burst of load hit the first
        // (the counts are logged).
        const ok = (m: Measured) => m.fps >= SOURCE_FPS * LOADED_RUNNER_SLACK.fpsFraction && m.dropped <= Math.ceil(SOURCE_FPS * 4 * LOADED_RUNNER_SLACK.droppedFraction);
        let m = await measure(w, 4000);
        for (let again = 0; again < 1 && !ok(m); again++) {
          lines.push(`${kind} latency=${latency}: window ${again + 1} shown ${m.fps.toFixed(1)} fps, dropped ${m.dropped}, stalls ${m.stalls}: measuring again`);
          m = await measure(w, 4000);
        }
        const s = w.el.stats;
        lines.push(`${kind} latency=${latency}: shown ${m.fps.toFixed(1)} fps, dropped ${m.dropped}, stalls ${m.stalls}, glass-to-glass median ${Math.round(m.ageMs)} ms, target ${s.targetLatencyMs}, playerDelay ${s.playerDelayMs}, skipped ${s.framesSkipped}, catchUps ${s.catchUps}`);
        w.probe.stop();
        w.el.parentElement?.remove();
        assert(ok(m), lines.join('\n'));
        assert(w.log.errors.length === 0, JSON.stringify(w.log.errors));
      }
      console.log(lines.join('\n'));
    });
  }

  for (const target of [300, 1000]) {
    it(`joining a 2 s-GOP stream from node-media-server's cache at latency ${target}: the first frame is live, the delay is the target`, async () => {
      const { src, bridge } = servers.nms;
      const w = watch(src, bridge, String(target));
      await w.el.play();
      const first = await w.probe.tally.firstFrame(20_000);
      assert(first !== null, 'no frame shown');
      await sleep(2500);
      const m = await measure(w, 3000);
      const s = w.el.stats;
      const line = `join at ${target}: first frame ${Math.round(first.ageMs)} ms old; steady glass-to-glass ${Math.round(m.ageMs)} ms (player delay ${s.playerDelayMs}, target ${s.targetLatencyMs}); skipped ${s.framesSkipped}, dropped ${s.framesDropped}, catchUps ${s.catchUps}`;
      console.log(line);
      w.probe.stop();
      // Target + 100 ms on a quiet machine (logged); decoding the burst through takes longer on a loaded one.
      assert(first.ageMs <= target + 100 + LOADED_RUNNER_SLACK.joinMs, line);
      // The steady delay is the target, plus the few ms before the player (encoder, server, bridge).
      assert(Math.abs(m.ageMs - target) <= 60 + LOADED_RUNNER_SLACK.steadyMs, line);
    });
  }

  it('auto on a link with 0–150 ms random delay per write: the target rises to cover it, no stalls after the first seconds', async () => {
    const { server, src } = servers.nms;
    const proxy = (await executeServerCommand('peers-jitter-proxy', { port: server.port, maxDelayMs: 150 })) as { id: string; port: number };
    peers.adopt(proxy.id);
    const bridge = await peers.bridge([`127.0.0.1:${proxy.port}`]);
    const w = watch(src.replace(`:${server.port}/`, `:${proxy.port}/`), bridge.url, 'auto');
    await w.el.play();
    await waitForState(w.el, 'playing', 20_000);
    const trace: string[] = [];
    const t = setInterval(() => {
      const x = w.el.stats;
      trace.push(`${x.playerDelayMs}/${x.targetLatencyMs}/${x.bufferMs}/${x.playbackRate}/${x.catchUps}/${x.framesShown}`);
    }, 500);
    await sleep(8000); // the estimator sees the jitter
    const ok = (x: Measured) => x.fps >= SOURCE_FPS * LOADED_RUNNER_SLACK.fpsFraction && x.stalls <= 1 && x.dropped <= Math.ceil(SOURCE_FPS * 6 * LOADED_RUNNER_SLACK.droppedFraction);
    let m = await measure(w, 6000);
    if (!ok(m)) {
      console.log(`auto with jitter: first window shown ${m.fps.toFixed(1)} fps, dropped ${m.dropped}, stalls ${m.stalls}: measuring again`);
      m = await measure(w, 6000);
    }
    clearInterval(t);
    console.log(`delay/target/buffer/rate/catchUps/shown every 500 ms: ${trace.join(' ')}`);
    const s = w.el.stats;
    // A stall: the picture stood still for more than 3 frame periods.
    const line = `auto with 0–150 ms jitter: target ${s.targetLatencyMs} ms, glass-to-glass median ${Math.round(m.ageMs)} ms, shown ${m.fps.toFixed(1)} fps, dropped ${m.dropped}, stalls ${m.stalls} (longest still ${Math.round(m.longestStillMs)} ms), catchUps ${s.catchUps}`;
    console.log(line);
    w.probe.stop();
    assert(s.targetLatencyMs >= 120, `the target did not rise with the jitter: ${line}`);
    assert(ok(m), line);
  });
});

/**
 * Congestion: a loopback proxy between the bridge and nginx-rtmp limits the
 * upload to 500 kbps under a 4000 kbps stream. The publisher must lower its
 * encoder bitrate, drop video (never audio) so its queue stays bounded, and
 * climb back to the configured bitrate once the limit lifts.
 *
 * No timing thresholds: the waits are generous, because the kernel buffers
 * between bridge and proxy hide the throttle for a while (as a real
 * bufferbloated uplink does).
 */
import type { RtmpPublisher } from '@rtmp-web/publisher';
import { noiseSource } from './noise-source.ts';
import { assert, makePublisher, peer, Peers, record, sleep, waitFor } from './publisher-helpers.ts';

interface Diagnostics {
  targetKbps: number;
  queuedBytes: number;
}

const diag = (el: RtmpPublisher) => (el as unknown as { _diagnostics?: Diagnostics })._diagnostics ?? { targetKbps: 0, queuedBytes: 0 };

describe('<rtmp-publisher> congestion control', function () {
  this.timeout(240_000);
  const peers = new Peers();
  after(() => peers.stopAll());

  it('lowers the bitrate, bounds its queue and drops video under a 500 kbps limit, then recovers', async () => {
    const server = await peers.server('nginx');
    const proxy = await peer<{ id: string; port: number }>('peers-throttle-proxy', { port: server.port, kbps: 0 });
    peers.add(proxy.id);
    const bridge = await peers.bridge(proxy.port);
    const src = noiseSource(640, 360, 30);
    const el = makePublisher({ url: `rtmp://127.0.0.1:${proxy.port}/live`, 'stream-key': 'throttled', bridge, width: 640, height: 360, framerate: 30, 'video-bitrate': 4000 });
    const ev = record(el);
    try {
      await el.start(src.stream);
      await sleep(3000);
      assert(diag(el).targetKbps === 4000, `target before the limit: ${diag(el).targetKbps}`);

      await peer('peers-throttle-set', { id: proxy.id, kbps: 500 });
      await waitFor(() => diag(el).targetKbps <= 1000, 120_000, 'the bitrate to come down');
      const droppedBefore = el.stats.framesDropped;
      let maxQueued = 0;
      for (let i = 0; i < 10; i++) {
        await sleep(500);
        maxQueued = Math.max(maxQueued, diag(el).queuedBytes);
      }
      assert(el.stats.framesDropped > droppedBefore, 'no video was dropped while congested');
      // Bounded: far under the overflow cap (10 s at the configured rate), which would force a reconnect.
      assert(maxQueued < 4_000_000, `queue grew to ${maxQueued} bytes`);
      assert(el.stats.state === 'publishing', `state ${el.stats.state}`);

      await peer('peers-throttle-set', { id: proxy.id, kbps: 0 });
      await waitFor(() => diag(el).targetKbps >= 3600 && el.stats.fps >= 20, 90_000, 'the bitrate to recover');
      // AUDIO_SKIPPED is about the CPU (the audio encoder fell behind on a loaded machine), not the link: not this test's business.
      const errors = ev.errors.filter((e) => e.code !== 'AUDIO_SKIPPED');
      assert(errors.length === 0, `errors ${JSON.stringify(errors)}`);
      assert(el.stats.reconnects === 0, 'it reconnected instead of adapting');
    } finally {
      el.stop();
      el.remove();
      await src.stop();
    }
  });
});

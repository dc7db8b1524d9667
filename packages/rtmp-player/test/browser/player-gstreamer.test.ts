/**
 * GStreamer as the publisher the player plays: gst-launch-1.0's rtmp2sink
 * (GStreamer's own RTMP client, not FFmpeg's or librtmp) sends SMPTE bars
 * from x264enc (tune=zerolatency, a keyframe a second) and a 440 Hz tone in
 * AAC, muxed by flvmux streamable=true, live to nginx-rtmp; <rtmp-player>
 * plays it through the bridge. Its publishing twin is
 * publisher-gstreamer.test.ts.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.ts';
import { assert, EventLog, guardEachTest, makePlayer, Peers, sleep, toneFrequency, waitForState } from './player-harness.ts';

describe('<rtmp-player> plays GStreamer’s rtmp2sink (through nginx-rtmp)', function () {
  this.timeout(60_000);
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('H.264 + AAC: > 25 frames shown a second at 30 fps, the 440 Hz tone, no error', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    const url = `${server.url}/gst`;
    const gst = (await executeServerCommand('peers-gst-publish', { url, width: 640, height: 360, fps: 30, toneHz: 440, maxMs: 50_000 })) as { id: string };
    peers.adopt(gst.id);
    const el = makePlayer(url, bridge.url);
    const log = new EventLog(el);
    try {
      await el.play();
      await waitForState(el, 'playing', 20_000);
      await sleep(1000);
      const before = el.stats.framesShown;
      const t0 = performance.now();
      await sleep(3000);
      const s = el.stats;
      const shownFps = ((s.framesShown - before) * 1000) / (performance.now() - t0);
      const cap = await el.captureAudio(1000);
      const hz = toneFrequency(cap.samples, cap.sampleRate);
      console.log(`GStreamer rtmp2sink → nginx-rtmp → <rtmp-player>: ${shownFps.toFixed(1)} frames shown/s, ${s.width}x${s.height} ${s.videoCodec} + ${s.audioCodec} ${cap.sampleRate} Hz, tone ${hz.toFixed(1)} Hz, dropped ${s.framesDropped}, delay ${s.playerDelayMs} ms`);
      assert(shownFps > 25, `${shownFps.toFixed(1)} frames shown per second, want ~30`);
      assert(s.width === 640 && s.height === 360, `size ${s.width}x${s.height}`);
      assert(s.videoCodec.startsWith('avc1.'), `videoCodec ${s.videoCodec}`);
      assert(s.audioCodec === 'mp4a.40.2', `audioCodec ${s.audioCodec}`);
      assert(Math.abs(hz - 440) < 0.03 * 440, `tone ${hz.toFixed(1)} Hz, want 440`);
      assert(log.statuses.includes('NetStream.Play.Start'), `statuses ${log.statuses.join(', ')}`);
      assert(log.errors.length === 0, `errors ${JSON.stringify(log.errors)}`);
    } catch (e) {
      const stderr = (await executeServerCommand('peers-log', { id: gst.id })) as string;
      throw new Error(`${(e as Error).message}; GStreamer's stderr: ${stderr.slice(-1500) || '(empty)'}`);
    } finally {
      await el.stop();
      await waitForState(el, 'stopped', 5000);
      el.remove();
    }
  });
});

/**
 * <rtmp-player> end to end, in Chromium: FFmpeg publishes testsrc2 (H.264
 * with B-frames) and a sine tone (AAC) to nginx-rtmp and to
 * node-media-server; the element plays it through the bridge. Asserts what
 * is shown (testsrc2's bars in a snapshot), how fast frames decode (the
 * source's frame rate) and what is heard (the tone's frequency).
 */
import '../../src/index.ts';
import { EventLog, PageErrors, Peers, assert, checkTestsrc2Colours, makePlayer, measureDecodeFps, sleep, toneFrequency, waitForState } from './player-harness.ts';

for (const kind of ['nginx', 'nms'] as const) {
  describe(`<rtmp-player> plays FFmpeg’s stream from ${kind === 'nginx' ? 'nginx-rtmp' : 'node-media-server'}`, () => {
    const peers = new Peers();
    let pageErrors: PageErrors;
    beforeEach(() => (pageErrors = new PageErrors()));
    afterEach(() => {
      for (const el of document.querySelectorAll('.player-box')) el.remove();
      pageErrors.dispose();
    });
    after(() => peers.stopAll());

    it('H.264 High with B-frames + AAC stereo 44.1 kHz: plays, 30 fps, the right picture and tone', async () => {
      const server = await peers.server(kind);
      const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
      await peers.publish(`${server.url}/e2e`, { fps: 30, bframes: 2, profile: 'high', toneHz: 440 });
      const el = makePlayer(`${server.url}/e2e`, bridge.url);
      const log = new EventLog(el);
      await el.play();
      await waitForState(el, 'playing', 30_000);

      const fps = await measureDecodeFps(el, 3000);
      assert(fps > 25 && fps < 36, `decoded ${fps.toFixed(1)} fps, want ~30`);
      const s = el.stats;
      assert(s.videoCodec.startsWith('avc1.64'), `videoCodec ${s.videoCodec}`);
      assert(s.audioCodec === 'mp4a.40.2', `audioCodec ${s.audioCodec}`);
      assert(s.width === 640 && s.height === 360, `size ${s.width}x${s.height}`);
      // Presented (not late-dropped) frames: looser, since a loaded machine drops late frames by design.
      assert(s.fps > 15, `presented fps ${s.fps}`);
      assert(s.bytesReceived > 10_000 && s.bitrateKbps > 0, `bytes ${s.bytesReceived}, ${s.bitrateKbps} kbit/s`);

      const size = await checkTestsrc2Colours(await el.snapshot());
      assert(size.width === 640 && size.height === 360, `snapshot ${size.width}x${size.height}`);

      const cap = await el.captureAudio(1000);
      assert(cap.sampleRate === 44100, `sample rate ${cap.sampleRate}`);
      const hz = toneFrequency(cap.samples, cap.sampleRate);
      assert(Math.abs(hz - 440) < 5, `tone ${hz.toFixed(1)} Hz, want 440`);

      assert(log.states.includes('connecting') && log.states.includes('buffering') && log.states.at(-1) === 'playing', `states ${log.states.join(' → ')}`);
      assert(log.statuses.includes('NetStream.Play.Start'), `statuses ${log.statuses.join(', ')}`);
      assert(log.metadata.some((m) => typeof m.width === 'number'), `metadata ${JSON.stringify(log.metadata)}`);
      assert(log.errors.length === 0, `errors ${JSON.stringify(log.errors)}`);

      await el.stop();
      await waitForState(el, 'stopped', 5000);
      await sleep(200);
      assert(pageErrors.errors.length === 0, pageErrors.errors.join('; '));
    });
  });
}

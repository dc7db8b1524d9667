/**
 * stop() then start() at once, the way a page changes the picture size (the
 * element has no live size change): the new start() resolves, and the
 * server gets the new session's media. The worker's `stopped` for the old
 * session used to arrive after the new start(), reject it and close the new
 * capture, so the stream was published with no frames in it (the soak's
 * "no frame after a republish" in docs/performance.md).
 */
import { assert, canvasToneSource, makePublisher, peer, Peers, probe, record, sleep, type ProbedFrames } from './publisher-helpers.ts';

describe('<rtmp-publisher> stop() then start() at once', function () {
  this.timeout(120_000);
  const peers = new Peers();
  after(() => peers.stopAll());

  it('at another size, twice: each start() resolves and nginx-rtmp gets frames of the new size', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 'resize', bridge, width: 480, height: 270, framerate: 30, 'video-bitrate': 600, 'keyframe-interval': 1 });
    const ev = record(el);
    let source = canvasToneSource(480, 270);
    await el.start(source.stream);
    await sleep(2000);
    for (const size of [{ width: 640, height: 360 }, { width: 480, height: 270 }]) {
      el.stop();
      await source.stop();
      source = canvasToneSource(size.width, size.height);
      el.setAttribute('width', String(size.width));
      el.setAttribute('height', String(size.height));
      await el.start(source.stream);
      const video = (await probe(`${server.url}/resize`)).find((s) => s.codec_type === 'video');
      assert(video?.width === size.width && video.height === size.height, `${size.width}x${size.height}: ffprobe saw ${video?.width}x${video?.height}`);
      const frames = await peer<ProbedFrames>('peers-ffprobe-frames', { url: `${server.url}/resize`, seconds: 2, timeoutMs: 19_000 });
      console.log(`stop() then start() at ${size.width}x${size.height}: ffprobe decoded ${frames.video.length} video frames in 2 s`);
      assert(frames.video.length >= 30, `${size.width}x${size.height}: ${frames.video.length} video frames decoded in 2 s`);
      assert(frames.errors.trim() === '', `decode errors: ${frames.errors.slice(0, 300)}`);
    }
    el.stop();
    await source.stop();
    el.remove();
    assert(ev.errors.every((e) => !e.fatal), `fatal: ${JSON.stringify(ev.errors)}`);
    assert(ev.states.join() === 'connecting,publishing,stopped,connecting,publishing,stopped,connecting,publishing,stopped', `states ${ev.states.join()}`);
  });
});

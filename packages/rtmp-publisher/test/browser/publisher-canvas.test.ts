/**
 * A canvas MediaStream (the same path as screen capture, which cannot run
 * headless) with WebAudio audio publishes like a camera.
 */
import { assert, makePublisher, Peers, probe, record, canvasToneSource } from './publisher-helpers.ts';

describe('<rtmp-publisher> canvas stream', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('publishes canvas.captureStream() + an oscillator to node-media-server', async () => {
    const source = canvasToneSource(480, 270);
    const { stream } = source;

    const server = await peers.server('nms');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 'canvas', bridge, width: 480, height: 270, framerate: 30, 'video-bitrate': 800 });
    const ev = record(el);
    try {
      await el.start(stream);
      const streams = await probe(`${server.url}/canvas`);
      const v = streams.find((s) => s.codec_type === 'video');
      assert(v?.codec_name === 'h264' && v.width === 480 && v.height === 270, `video ${JSON.stringify(v)}`);
      assert(streams.find((s) => s.codec_type === 'audio')?.codec_name === 'aac', 'aac');
      el.stop();
      // The caller's tracks are the caller's: stop() leaves them running.
      assert(stream.getVideoTracks()[0]!.readyState === 'live', 'the canvas track was stopped');
      assert(ev.errors.length === 0, `errors ${JSON.stringify(ev.errors)}`);
    } finally {
      await source.stop();
      el.remove();
    }
  });
});

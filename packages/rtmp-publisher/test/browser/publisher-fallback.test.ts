/**
 * Browsers without MediaStreamTrackProcessor: the page-side fallback
 * (requestVideoFrameCallback for video, a ScriptProcessorNode for audio)
 * feeds the worker frame by frame, and the stream is the same.
 */
import { assert, makePublisher, Peers, probe, record, waitFor } from './publisher-helpers.ts';

describe('<rtmp-publisher> without MediaStreamTrackProcessor', () => {
  const peers = new Peers();
  const g = globalThis as { MediaStreamTrackProcessor?: unknown };
  const saved = g.MediaStreamTrackProcessor;
  before(() => {
    delete g.MediaStreamTrackProcessor;
  });
  after(async () => {
    g.MediaStreamTrackProcessor = saved;
    await peers.stopAll();
  });

  it('publishes the camera and microphone through the fallback path', async () => {
    assert(g.MediaStreamTrackProcessor === undefined, 'could not hide MediaStreamTrackProcessor');
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 'fallback', bridge, width: 640, height: 360, framerate: 30, 'video-bitrate': 800 });
    const ev = record(el);
    await el.start();
    const streams = await probe(`${server.url}/fallback`);
    const v = streams.find((s) => s.codec_type === 'video');
    assert(v?.codec_name === 'h264' && v.width === 640 && v.height === 360, `video ${JSON.stringify(v)}`);
    assert(streams.find((s) => s.codec_type === 'audio')?.codec_name === 'aac', 'aac');
    await waitFor(() => el.stats.fps >= 10, 10_000, 'frames flowing');
    el.stop();
    el.remove();
    assert(ev.errors.length === 0, `errors ${JSON.stringify(ev.errors)}`);
  });
});

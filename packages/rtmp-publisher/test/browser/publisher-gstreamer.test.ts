/**
 * GStreamer as the player of what <rtmp-publisher> sends: the element
 * publishes a canvas and an oscillator (H.264 + AAC) to nginx-rtmp, and
 * gst-launch-1.0's rtmp2src (GStreamer's own RTMP client) plays it back
 * through flvdemux, h264parse ! avdec_h264 and aacparse ! avdec_aac, counting
 * what it decodes. Its playing twin is player-gstreamer.test.ts.
 */
// A type only (erased): the peer itself runs in Node.
import type { GstReadResult } from '../../../../test/peers/gstreamer.ts';
import { assert, canvasToneSource, makePublisher, peer, Peers, record, waitFor } from './publisher-helpers.ts';

const FPS = 30;
const READ_S = 5;

describe('<rtmp-publisher> to nginx-rtmp, read back by GStreamer’s rtmp2src', function () {
  this.timeout(60_000);
  const peers = new Peers();
  after(() => peers.stopAll());
  // The WASM AAC encoder (Chromium on Linux has no native one) served and compiled once before the clock runs:
  // the dev server transforms it on first request, which on a loaded runner can outlast the publisher's wait for audio.
  before(() => import('../../src/aac-wasm-encoder.ts'));

  it('H.264 + AAC: GStreamer decodes ≥ 80 % of the frames and the sound for 5 s, no error', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    const source = canvasToneSource(640, 360);
    const el = makePublisher({ url: server.url, 'stream-key': 'gst', bridge, width: 640, height: 360, framerate: FPS, 'video-bitrate': 800 });
    const ev = record(el);
    let result: GstReadResult | undefined;
    /** Frames the publisher sent (encoded and not dropped) a second during the read. */
    let sentFps = 0;
    try {
      await el.start(source.stream);
      await waitFor(() => el.state === 'publishing', 15_000, `publishing (now ${el.state})`);
      // Media flowing, not only the publish started (video waits a moment for the source's first audio).
      await waitFor(() => el.stats.fps >= 20, 10_000, `video tags going out (now ${el.stats.fps}/s)`);
      const sent = () => el.stats.framesEncoded - el.stats.framesDropped;
      const [sent0, t0] = [sent(), performance.now()];
      const reader = await peer<{ id: string }>('peers-gst-read', { url: `${server.url}/gst`, seconds: READ_S });
      peers.add(reader.id);
      result = await peer<GstReadResult>('peers-gst-result', { id: reader.id });
      sentFps = ((sent() - sent0) * 1000) / (performance.now() - t0);
      assert(el.state === 'publishing', `state ${el.state} after GStreamer's read`);
    } finally {
      await el.stop();
      await source.stop();
      el.remove();
    }
    const r = result;
    const span = (xs: number[]) => (xs.length < 2 ? 0 : xs[xs.length - 1]! - xs[0]!);
    const videoSpan = span(r.video);
    const audioSpan = span(r.audio);
    // Frames from the first one decoded (nginx-rtmp starts a late player anywhere; the decoder waits for a keyframe),
    // at the rate the publisher sent them (a loaded runner's canvas source draws fewer than 30 a second).
    const expected = videoSpan * Math.min(FPS, sentFps) + 1;
    console.log(
      `<rtmp-publisher> → nginx-rtmp → GStreamer rtmp2src (exit ${String(r.exit)}): ${r.video.length} video frames decoded over ${videoSpan.toFixed(2)} s ` +
        `(${((100 * r.video.length) / expected).toFixed(0)} % of the ${expected.toFixed(0)} sent at ${sentFps.toFixed(1)}/s, ${((100 * r.video.length) / (videoSpan * FPS + 1)).toFixed(0)} % of ${FPS} fps), ${r.audio.length} audio buffers, ${r.audioSeconds.toFixed(2)} s of sound over ${audioSpan.toFixed(2)} s; ` +
        `video ${r.videoCaps.split(', ').slice(0, 4).join(', ') || '(caps not seen)'}; audio ${r.audioCaps.split(', ').slice(0, 5).join(', ') || '(caps not seen)'}`,
    );
    const why = `; GStreamer's stderr: ${r.stderr.slice(-1500) || '(empty)'}`;
    assert(r.errors === '', `GStreamer errors: ${r.errors}${why}`);
    assert(ev.errors.length === 0, `publisher errors ${JSON.stringify(ev.errors)}`);
    // A keyframe within the first 2 s of the read (the publisher's GOP), then frames to the end.
    assert(videoSpan >= READ_S - 2.5, `only ${videoSpan.toFixed(2)} s of video decoded in a ${READ_S} s read${why}`);
    assert(sentFps > 15, `the publisher sent only ${sentFps.toFixed(1)} frames a second`);
    assert(r.video.length >= 0.8 * expected, `${r.video.length} video frames decoded over ${videoSpan.toFixed(2)} s, want ≥ 80 % of the ${expected.toFixed(0)} sent${why}`);
    assert(audioSpan >= READ_S - 1.5, `only ${audioSpan.toFixed(2)} s of audio decoded in a ${READ_S} s read${why}`);
    assert(r.audioSeconds >= 0.8 * audioSpan, `${r.audioSeconds.toFixed(2)} s of sound decoded over ${audioSpan.toFixed(2)} s, want ≥ 80 %${why}`);
    if (r.videoCaps !== '') assert(/width=\(int\)640, height=\(int\)360/.test(r.videoCaps), `decoded video caps ${r.videoCaps}`);
  });
});

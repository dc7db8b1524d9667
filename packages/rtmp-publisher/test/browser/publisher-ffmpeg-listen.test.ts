/**
 * FFmpeg's own RTMP server as the publisher's peer: `ffmpeg -listen 1 -i
 * rtmp://… -c copy out.flv` takes one publish and records it. It answers
 * FCPublish with a bare `onFCPublish` (no transaction id), which the core
 * once rejected as a bad command, failing every publish to it with
 * PUBLISH_REFUSED.
 */
import { assert, canvasToneSource, makePublisher, peer, Peers, record, sleep } from './publisher-helpers.ts';

interface ListenResult {
  exit: number | string;
  frames: { video: number[]; audio: number[] };
  errors: string;
  streams: { type: string; codec: string }[];
}

describe('<rtmp-publisher> to FFmpeg listen mode', function () {
  this.timeout(120_000);
  const peers = new Peers();
  after(() => peers.stopAll());

  it('publishes H.264 + AAC that FFmpeg records, ≥ 8 s of it', async () => {
    const ff = await peer<{ id: string; port: number; url: string }>('peers-ffmpeg-listen-record', { streamKey: 'x' });
    peers.add(ff.id);
    const bridge = await peers.bridge(ff.port);
    const source = canvasToneSource(640, 360);
    const el = makePublisher({ url: ff.url, 'stream-key': 'x', bridge, width: 640, height: 360, framerate: 30, 'video-bitrate': 800 });
    const ev = record(el);
    try {
      await el.start(source.stream);
      await sleep(13_000);
      assert(el.state === 'publishing', `state ${el.state}`);
    } finally {
      await el.stop();
      await source.stop();
      el.remove();
    }
    const r = await peer<ListenResult>('peers-ffmpeg-listen-result', { id: ff.id });
    const span = (xs: number[]) => (xs.length < 2 ? 0 : xs[xs.length - 1]! - xs[0]!);
    console.log(`FFmpeg (exit ${String(r.exit)}) recorded ${r.frames.video.length} video frames over ${span(r.frames.video).toFixed(1)} s and ${r.frames.audio.length} audio frames over ${span(r.frames.audio).toFixed(1)} s; streams ${r.streams.map((s) => `${s.type}:${s.codec}`).join(', ')}`);
    assert(ev.errors.length === 0, `errors ${JSON.stringify(ev.errors)}`);
    assert(r.streams.some((s) => s.type === 'video' && s.codec === 'h264'), 'no H.264 in the recording');
    assert(r.streams.some((s) => s.type === 'audio' && s.codec === 'aac'), 'no AAC in the recording');
    assert(span(r.frames.video) >= 8, `only ${span(r.frames.video).toFixed(1)} s of video recorded`);
    assert(span(r.frames.audio) >= 8, `only ${span(r.frames.audio).toFixed(1)} s of audio recorded`);
  });
});

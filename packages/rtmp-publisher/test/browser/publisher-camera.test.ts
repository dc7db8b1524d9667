/**
 * <rtmp-publisher> publishes the fake camera and microphone through the
 * bridge, and independent tools check what the servers got: ffprobe reports
 * H.264 + AAC at the requested size and frame rate, and FFmpeg decodes 10 s
 * with no errors and the right number of frames.
 */
import { assert, makePublisher, peer, Peers, probe, rate, record, waitFor, type ProbedFrames } from './publisher-helpers.ts';

describe('<rtmp-publisher> camera publish', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('publishes H.264 + AAC to nginx-rtmp, which ffprobe reads back at 640x360@30', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 'cam', bridge, width: 640, height: 360, framerate: 30, 'video-bitrate': 1000 });
    const ev = record(el);
    await el.start();
    assert(el.stats.state === 'publishing', `state ${el.stats.state}`);
    const streams = await probe(`${server.url}/cam`);
    const v = streams.find((s) => s.codec_type === 'video');
    const a = streams.find((s) => s.codec_type === 'audio');
    assert(v?.codec_name === 'h264', `video ${v?.codec_name}`);
    assert(a?.codec_name === 'aac', `audio ${a?.codec_name}`);
    assert(v.width === 640 && v.height === 360, `size ${v.width}x${v.height}`);
    // avg_frame_rate comes from onMetaData; r_frame_rate is FFmpeg's guess
    // from the first timestamps, which capture jitter can throw off.
    const near = (r: string | undefined) => Math.abs(rate(r) - 30) < 1.5;
    assert(near(v.avg_frame_rate) || near(v.r_frame_rate), `frame rate ${v.avg_frame_rate} / ${v.r_frame_rate}`);
    await waitFor(() => el.stats.framesEncoded > 30 && el.stats.bytesSent > 10_000, 10_000, 'stats');
    const st = el.stats;
    assert(st.videoCodec.startsWith('avc1.'), `videoCodec ${st.videoCodec}`);
    assert(st.audioCodec.startsWith('mp4a.40.2'), `audioCodec ${st.audioCodec}`);
    assert(st.bitrateKbps > 0 && st.fps > 0, `bitrate ${st.bitrateKbps} fps ${st.fps}`);
    el.stop();
    assert(ev.states.join() === 'connecting,publishing,stopped', `states ${ev.states.join()}`);
    assert(ev.statuses.includes('NetStream.Publish.Start'), `statuses ${ev.statuses.join()}`);
    assert(ev.errors.length === 0, `errors ${JSON.stringify(ev.errors)}`);
    el.remove();
  });

  it('publishes to node-media-server; FFmpeg decodes 10 s without errors and counts 30 fps', async () => {
    const server = await peers.server('nms');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 'cam2', bridge, width: 640, height: 360, framerate: 30, 'video-bitrate': 1000 });
    await el.start();
    const streams = await probe(`${server.url}/cam2`);
    assert(streams.find((s) => s.codec_type === 'video')?.codec_name === 'h264', 'h264 on nms');
    const frames = await peer<ProbedFrames>('peers-ffprobe-frames', { url: `${server.url}/cam2`, seconds: 10, timeoutMs: 40_000 });
    el.stop();
    el.remove();
    assert(frames.errors.trim() === '', `decode errors: ${frames.errors.slice(0, 500)}`);
    const span = frames.video[frames.video.length - 1]! - frames.video[0]!;
    const expected = span * 30;
    assert(frames.video.length > 250, `only ${frames.video.length} frames in 10 s`);
    assert(Math.abs(frames.video.length - 1 - expected) <= expected * 0.05 + 2, `${frames.video.length} frames over ${span.toFixed(2)} s (expected ${expected.toFixed(0)})`);
    assert(frames.audio.length > 0, 'no audio frames decoded');
  });
});

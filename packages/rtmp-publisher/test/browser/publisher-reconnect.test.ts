/**
 * A dropped connection is retried with backoff; the publisher resumes with
 * fresh sequence headers and timestamps that continue from where they were.
 */
import { assert, makePublisher, peer, Peers, probe, record, sleep, waitFor, type ProbedFrames } from './publisher-helpers.ts';

describe('<rtmp-publisher> reconnect', function () {
  this.timeout(180_000);
  const peers = new Peers();
  after(() => peers.stopAll());

  it('survives an nginx restart: reconnecting → publishing, headers resent, timestamps continue', async () => {
    const first = await peers.server('nginx');
    const bridge = await peers.bridge(first.port);
    const el = makePublisher({ url: first.url, 'stream-key': 'again', bridge, width: 640, height: 360, framerate: 30, 'video-bitrate': 800 });
    const ev = record(el);
    await el.start();
    await sleep(4000);
    await peers.stop(first.id);
    await waitFor(() => ev.states.includes('reconnecting'), 20_000, 'reconnecting');
    await sleep(1000);
    const second = await peers.server('nginx', { port: first.port });
    await waitFor(() => ev.states.at(-1) === 'publishing' && el.stats.reconnects === 1, 60_000, 'the reconnect');
    const aliveFor = ev.states.length;

    const streams = await probe(`${second.url}/again`);
    assert(streams.some((s) => s.codec_type === 'video' && s.codec_name === 'h264'), 'h264 after the reconnect');
    assert(streams.some((s) => s.codec_type === 'audio' && s.codec_name === 'aac'), 'aac after the reconnect');
    const frames = await peer<ProbedFrames>('peers-ffprobe-frames', { url: `${second.url}/again`, seconds: 2, timeoutMs: 19_000 });
    // Timestamps continue: the new server's first frames are ≥ 5 s into the session, not back at 0.
    assert(frames.video.length > 0 && frames.video[0]! >= 5, `first pts after the reconnect: ${frames.video[0]}`);
    assert(frames.errors.trim() === '', `decode errors after the reconnect: ${frames.errors.slice(0, 300)}`);
    el.stop();
    el.remove();
    assert(ev.errors.every((e) => !e.fatal), `fatal: ${JSON.stringify(ev.errors)}`);
    assert(ev.errors.length >= 1 && ev.states.slice(0, aliveFor).join() === 'connecting,publishing,reconnecting,publishing', `states ${ev.states.join()}`);
  });
});

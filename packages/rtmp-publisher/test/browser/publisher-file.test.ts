/**
 * start(file): an MP4 with B-frames and 48 kHz stereo AAC is published as it
 * is (no re-encoding), paced in real time. FFmpeg, subscribed before the
 * publish starts, must see every frame, each within one frame time of the
 * source's timestamp.
 */
import { assert, makePublisher, peer, Peers, record, sleep, waitFor, type ProbedFrames } from './publisher-helpers.ts';

interface Mp4 {
  id: string;
  url: string;
  probe: { video: number[]; audio: number[] };
}

const FPS = 30;
const SECONDS = 4;

describe('<rtmp-publisher> file publish', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('publishes an MP4 with B-frames without re-encoding, in real time, every frame on time', async () => {
    const mp4 = await peer<Mp4>('peers-make-mp4', { width: 640, height: 360, fps: FPS, seconds: SECONDS, bframes: 2, gop: FPS, sampleRate: 48000, channels: 2 });
    peers.add(mp4.id);
    const blob = await (await fetch(mp4.url)).blob();
    const file = new File([blob], 'source.mp4', { type: 'video/mp4' });

    const server = await peers.server('nginx');
    const bridge = await peers.bridge(server.port);
    // The reader subscribes first (nginx-rtmp lets a player wait for a publisher), so it sees frame one.
    const pulled = peer<ProbedFrames>('peers-ffprobe-frames', { url: `${server.url}/file`, seconds: SECONDS + 5, rwTimeoutMs: 4000, timeoutMs: 19_000 });
    await sleep(700);
    const el = makePublisher({ url: server.url, 'stream-key': 'file', bridge });
    const ev = record(el);
    const t0 = performance.now();
    await el.start(file);
    await waitFor(() => ev.states.includes('stopped'), (SECONDS + 5) * 1000, 'the end of the file');
    const wallS = (performance.now() - t0) / 1000;
    const got = await pulled;
    el.remove();

    assert(ev.errors.length === 0, `errors ${JSON.stringify(ev.errors)}`);
    assert(el.stats.videoCodec.startsWith('avc1.64'), `videoCodec ${el.stats.videoCodec}`);
    // Real time: the 4 s file takes about 4 s (plus the 0.5 s tail), not a burst.
    assert(wallS > SECONDS - 0.5 && wallS < SECONDS + 2.5, `published in ${wallS.toFixed(2)} s`);
    const src = [...mp4.probe.video].sort((a, b) => a - b);
    const out = [...got.video].sort((a, b) => a - b);
    assert(src.length === FPS * SECONDS, `the source has ${src.length} frames`);
    assert(out.length === src.length, `frames: source ${src.length}, pulled ${out.length}; errors: ${got.errors.slice(0, 300)}`);
    const frame = 1 / FPS;
    for (let i = 0; i < src.length; i++) {
      const a = src[i]! - src[0]!;
      const b = out[i]! - out[0]!;
      assert(Math.abs(a - b) <= frame, `frame ${i}: source ${a.toFixed(3)} s, pulled ${b.toFixed(3)} s`);
    }
    assert(got.audio.length >= mp4.probe.audio.length - 2, `audio frames: source ${mp4.probe.audio.length}, pulled ${got.audio.length}`);
  });

  it('a Blob that is not an MP4 is a clear fatal MEDIA_ERROR, before any connection', async () => {
    const el = makePublisher({ url: 'rtmp://127.0.0.1:1/live', 'stream-key': 'x', bridge: 'ws://127.0.0.1:1/' });
    const ev = record(el);
    let rejected: unknown;
    await el.start(new Blob([new Uint8Array(4096).fill(7)])).catch((e: unknown) => (rejected = e));
    assert(rejected instanceof Error, 'start() should reject');
    assert(ev.errors.length === 1 && ev.errors[0]!.code === 'MEDIA_ERROR' && ev.errors[0]!.fatal, `errors ${JSON.stringify(ev.errors)}`);
    assert(ev.states.join() === 'connecting,error', `states ${ev.states.join()}`);
    el.remove();
  });
});

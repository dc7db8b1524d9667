/**
 * FFmpeg's own RTMP server as the player's peer: `ffmpeg … -f flv -listen 1
 * rtmp://…` waits for one client and serves it a live stream. It is the
 * smallest RTMP server there is, and the one people reach for to test; its
 * publishing twin is publisher-ffmpeg-listen.test.ts.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.ts';
import { assert, checkTestsrc2Colours, EventLog, guardEachTest, makePlayer, Peers, screenshotOf, sleep, toneFrequency, waitForState } from './player-harness.ts';

describe('<rtmp-player> and FFmpeg’s listen-mode server', () => {
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('plays it: pictures on the page at the stream’s rate, the tone, no error', async () => {
    const ff = (await executeServerCommand('peers-ffmpeg-listen-serve', { streamKey: 'x' })) as { id: string; port: number; url: string };
    peers.adopt(ff.id);
    const bridge = await peers.bridge([`127.0.0.1:${ff.port}`]);
    const el = makePlayer(`${ff.url}/x`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await sleep(1000);
    const before = el.stats.framesShown;
    await sleep(3000);
    const s = el.stats;
    const shownFps = (s.framesShown - before) / 3;
    console.log(`FFmpeg -listen 1 → <rtmp-player>: ${shownFps.toFixed(1)} frames shown/s, ${s.width}x${s.height} ${s.videoCodec} + ${s.audioCodec}, dropped ${s.framesDropped}, delay ${s.playerDelayMs} ms`);
    assert(shownFps > 25, `${shownFps.toFixed(1)} frames shown per second, want ~30`);
    assert(s.width === 640 && s.height === 360 && s.videoCodec.startsWith('avc1') && s.audioCodec === 'mp4a.40.2', `stream ${s.width}x${s.height} ${s.videoCodec} ${s.audioCodec}`);
    // What a person sees: testsrc2's colour bars on the page, not only in the worker.
    await checkTestsrc2Colours(await screenshotOf(el));
    const cap = await el.captureAudio(1000);
    const hz = toneFrequency(cap.samples, cap.sampleRate);
    assert(Math.abs(hz - 440) < 0.03 * 440, `tone ${hz.toFixed(1)} Hz, want 440`);
    assert(log.statuses.includes('NetStream.Play.Start'), `statuses ${log.statuses.join(', ')}`);
    assert(log.errors.length === 0, `errors ${JSON.stringify(log.errors)}`);
    await el.stop();
    await waitForState(el, 'stopped', 5000);
    el.remove();
  });
});

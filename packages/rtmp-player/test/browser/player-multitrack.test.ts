/**
 * Enhanced RTMP multitrack: FFmpeg 8.1 writes one H.264 video and two Opus
 * tracks (440 Hz as track 0, 880 Hz as track 1, OneTrack multitrack), served
 * by the test FLV RTMP server (node-media-server overwrites its cached audio
 * header with the second track's, and node-av cannot make FFmpeg serve in
 * listen mode). The player lists both audio tracks, plays the first, and
 * switches to the second when asked, with the picture going on.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.ts';
import type { PlayerTracks } from '../../src/worker-protocol.ts';
import { assert, checkTestsrc2Colours, guardEachTest, makePlayer, Peers, screenshotOf, sleep, toneFrequency, waitFor, waitForState, EventLog } from './player-harness.ts';

describe('<rtmp-player> multitrack', () => {
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('lists one video and two Opus tracks, plays track 0 (440 Hz), switches to track 1 (880 Hz) with audioTrack', async () => {
    const server = (await executeServerCommand('peers-ffmpeg8-multitrack-server', { seconds: 20, tones: [440, 880] })) as { id: string; port: number; url: string };
    peers.adopt(server.id);
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    const el = makePlayer(server.url, bridge.url, { latency: '300' });
    const log = new EventLog(el);
    const changes: PlayerTracks[] = [];
    el.addEventListener('trackschange', (e) => changes.push((e as CustomEvent<PlayerTracks>).detail));
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await waitFor(() => el.tracks.audio.length === 2, 5000, 'both audio tracks listed');
    const t = el.tracks;
    assert(t.video.length === 1 && t.video[0]!.codec === 'avc1' && t.video[0]!.enabled, `video tracks ${JSON.stringify(t.video)}`);
    assert(t.audio.every((a) => a.codec === 'opus') && t.audio[0]!.enabled && !t.audio[1]!.enabled, `audio tracks ${JSON.stringify(t.audio)}`);
    assert(changes.length > 0, 'no trackschange');
    await sleep(500);
    const first = await el.captureAudio(1000);
    const hz0 = toneFrequency(first.samples, first.sampleRate);
    assert(el.stats.audioTrack === 0, `stats.audioTrack ${el.stats.audioTrack}`);

    const shownBefore = el.stats.framesShown;
    el.audioTrack = 1;
    await waitFor(() => el.stats.audioTrack === 1, 3000, 'stats.audioTrack to be 1');
    await sleep(300);
    const second = await el.captureAudio(1000);
    const hz1 = toneFrequency(second.samples, second.sampleRate);
    await sleep(1000);
    const shown = el.stats.framesShown - shownBefore;
    console.log(`multitrack: tracks ${JSON.stringify(el.tracks)}; track 0 tone ${hz0.toFixed(1)} Hz, track 1 tone ${hz1.toFixed(1)} Hz; ${shown} frames shown across the switch; errors ${JSON.stringify(log.errors)}`);
    assert(Math.abs(hz0 - 440) < 0.03 * 440, `track 0 tone ${hz0.toFixed(1)} Hz, want 440`);
    assert(Math.abs(hz1 - 880) < 0.03 * 880, `track 1 tone ${hz1.toFixed(1)} Hz, want 880`);
    assert(el.tracks.audio[1]!.enabled && !el.tracks.audio[0]!.enabled, `audio tracks ${JSON.stringify(el.tracks.audio)}`);
    assert(shown > 40, `${shown} frames shown in the ~1.5 s around the switch`);
    assert(log.errors.length === 0, `errors ${JSON.stringify(log.errors)}`);
    // The picture went on across the audio switch: testsrc2 on the page.
    await checkTestsrc2Colours(await screenshotOf(el));
    await el.stop();
  });
});

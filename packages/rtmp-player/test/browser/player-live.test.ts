/**
 * <rtmp-player> stays live: node-media-server's GOP cache sends a burst of
 * old media on connect; the latency controller catches up (jumps to a
 * keyframe or plays faster) and reports it in stats. Also pause/resume
 * (live: resuming returns to the live edge) and stop.
 */
import '../../src/index.ts';
import { assert, EventLog, guardEachTest, makePlayer, Peers, sleep, toneFrequency, waitFor, waitForState } from './player-harness.ts';

describe('<rtmp-player> stays live', () => {
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('starts from node-media-server’s GOP cache (2 s GOPs, latency 300 ms) and stays live', async () => {
    const server = await peers.server('nms');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    await peers.publish(`${server.url}/gop`, { gop: 60 });
    await sleep(4000); // let the server cache a whole GOP
    const el = makePlayer(`${server.url}/gop`, bridge.url, { latency: '300' });
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await sleep(1000);
    const early = el.stats;
    await waitFor(() => el.stats.catchUps > 0 || el.stats.bufferMs < 700, 15_000, `catching up (buffer ${el.stats.bufferMs} ms)`);
    await sleep(3000);
    const s = el.stats;
    console.log(`GOP burst: 1 s after playing buffer ${early.bufferMs} ms rate ${early.playbackRate}; later buffer ${s.bufferMs} ms, playerDelay ${s.playerDelayMs} ms, catchUps ${s.catchUps}, rate ${s.playbackRate}, dropped ${s.framesDropped}`);
    assert(s.bufferMs < 1000, `buffer ${s.bufferMs} ms still above 1 s`);
    assert(s.state === 'playing', s.state);
  });

  it('joins node-media-server long after the publisher started (cached header at ts 0, GOP at ts > 10 s)', async () => {
    const server = await peers.server('nms');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    await peers.publish(`${server.url}/late`, {});
    await sleep(12_000); // past one loop of the 5 s source: the cached GOP's timestamps are far from the header's 0
    const el = makePlayer(`${server.url}/late`, bridge.url, {});
    await el.play();
    await waitForState(el, 'playing', 20_000);
    assert(el.stats.videoCodec.startsWith('avc1'), `video codec: ${el.stats.videoCodec}`);
    await waitFor(() => el.stats.framesDecoded > 10, 10_000, 'decoding frames');
  });

  it('a publisher sending 1.5× faster than real time: the buffer stays bounded (catch-up jumps), memory does not grow', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    const url = `${server.url}/fast`;
    await peers.ffmpeg([
      '-readrate', '1.5', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
      '-readrate', '1.5', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
      '-f', 'flv', url,
    ]);
    const el = makePlayer(url, bridge.url, { latency: '300' });
    await el.play();
    await waitForState(el, 'playing', 30_000);
    let maxBuffer = 0;
    let sawFaster = false;
    for (let i = 0; i < 40; i++) {
      await sleep(250);
      maxBuffer = Math.max(maxBuffer, el.stats.bufferMs);
      sawFaster ||= el.stats.playbackRate > 1;
    }
    const s = el.stats;
    console.log(`1.5× publisher: max buffer ${maxBuffer} ms over 10 s, catchUps ${s.catchUps}, played faster ${sawFaster}, dropped ${s.framesDropped}`);
    assert(s.catchUps >= 1, `catchUps ${s.catchUps}`);
    assert(maxBuffer < 4000, `buffer reached ${maxBuffer} ms`);
    assert(s.state === 'playing', s.state);
  });

  it('pause discards media (state paused), play returns to the live edge, stop closes', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    await peers.publish(`${server.url}/pause`, { gop: 15 });
    const el = makePlayer(`${server.url}/pause`, bridge.url, { controls: '' });
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    // The control bar's play/pause button.
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('[part=controls] button[aria-label=Pause]');
    assert(button !== null, 'a Pause button');
    button.click();
    await waitForState(el, 'paused', 2000);
    const decoded = el.stats.framesDecoded;
    await sleep(1500);
    assert(el.stats.framesDecoded - decoded < 10, `decoding while paused: ${el.stats.framesDecoded - decoded} frames`);
    await el.play();
    await waitForState(el, 'playing', 5000);
    // Audio decodes again after the resume (no new sequence header comes).
    const cap = await el.captureAudio(500);
    const hz = toneFrequency(cap.samples, cap.sampleRate);
    assert(Math.abs(hz - 440) < 5, `tone after resume ${hz.toFixed(1)} Hz`);
    await sleep(1000);
    assert(el.stats.bufferMs < 1000, `buffer after resume ${el.stats.bufferMs} ms`);
    await el.stop();
    await waitForState(el, 'stopped', 2000);
    assert(log.states.join(' ') === 'connecting buffering playing paused buffering playing stopped', log.states.join(' → '));
    assert(log.errors.length === 0, JSON.stringify(log.errors));
  });
});

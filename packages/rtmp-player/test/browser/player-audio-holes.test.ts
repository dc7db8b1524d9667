/**
 * A stream whose audio has holes (the sender skipped some: 100 ms of every
 * second, as FFmpeg's `aselect` makes it, timestamps kept) plays at its
 * target with the audio driving the clock, and the delay does not grow.
 *
 * Chromium's AudioDecoder stamps its output "first input + samples so far",
 * so the holes vanished from the decoded timeline: the audio clock fell
 * behind the stream by 100 ms a second and the delay grew without bound
 * (775 ms against a 90 ms target after 15 s, from the browser publisher
 * that used to drop packets). The pipeline now stamps each output with its
 * chunk's own timestamp, and the worklet plays a hole as silence.
 */
import '../../src/index.ts';
import { EventLog, Peers, assert, guardEachTest, makePlayer, sleep, waitForState } from './player-harness.ts';

describe('<rtmp-player> audio with holes', function () {
  this.timeout(90_000);
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('holds its delay at the target while the audio clock plays through 10% holes', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    await peers.ffmpeg([
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
      '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-af', "aselect='lt(mod(t\\,1)\\,0.9)'",
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k',
      '-f', 'flv', `${server.url}/holes`,
    ]);
    await sleep(1500);
    const el = makePlayer(`${server.url}/holes`, bridge.url, { latency: '300' }); // not muted: the audio drives the clock
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 15_000);
    await sleep(4000);
    const delays: number[] = [];
    const av: number[] = [];
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      delays.push(el.stats.playerDelayMs);
      av.push(el.stats.avSyncMs);
    }
    const s = el.stats;
    console.log(`audio with holes at latency 300: player delay ${delays.join(' ')} ms; A/V ${av.join(' ')} ms; shown ${s.framesShown}, dropped ${s.framesDropped}; codec ${s.audioCodec}`);
    assert(s.audioCodec.startsWith('mp4a'), `audio codec ${s.audioCodec}`);
    assert(el.state === 'playing', `state ${el.state}`);
    // The target is held: no growth over the 10 s (it grew by ~100 ms a second before).
    assert(Math.max(...delays) < 300 + 150, `the delay left the target: ${delays.join(' ')}`);
    assert(delays.at(-1)! - delays[0]! < 100, `the delay grew: ${delays.join(' ')}`);
    assert(av.every((x) => Math.abs(x) < 60), `A/V off: ${av.join(' ')}`);
    assert(log.errors.length === 0, JSON.stringify(log.errors));
  });
});

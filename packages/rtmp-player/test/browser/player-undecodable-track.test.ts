/**
 * A track this browser cannot decode never blocks the other one: the player
 * plays what it can and says once, without failing, what it cannot.
 *
 * Sorenson H.263 (FLV codec id 2, `-c:v flv`) stands for any video codec
 * the browser lacks (HEVC in this Chromium; FFmpeg 5.1 cannot put HEVC in
 * FLV): before, the player waited for a first picture that never came and
 * stayed `buffering` in silence. (An audio codec it lacks, ADPCM, is
 * player-codecs' case: the video plays on; AC-3 from FFmpeg 8.1 is
 * player-enhanced-codecs'.)
 */
import '../../src/index.ts';
import { assert, EventLog, guardEachTest, makePlayer, Peers, sleep, toneFrequency, waitForState } from './player-harness.ts';

const TONE = ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'];
const PICTURE = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30'];

describe('<rtmp-player> with a track it cannot decode', () => {
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  it('video it cannot decode (H.263) + AAC: plays the sound, one non-fatal CODEC_UNSUPPORTED', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    await peers.ffmpeg([...PICTURE, ...TONE, '-c:v', 'flv', '-g', '30', '-c:a', 'aac', '-f', 'flv', `${server.url}/h263`]);
    const el = makePlayer(`${server.url}/h263`, bridge.url, { latency: '300' }); // not muted: the sound is what plays
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 20_000);
    await sleep(1000);
    const cap = await el.captureAudio(1000);
    const hz = toneFrequency(cap.samples, cap.sampleRate);
    const s = el.stats;
    console.log(`H.263 + AAC: state ${s.state}, audio ${s.audioCodec}, tone ${hz.toFixed(1)} Hz, frames shown ${s.framesShown}, errors ${JSON.stringify(log.errors)}`);
    assert(Math.abs(hz - 440) < 0.03 * 440, `tone ${hz.toFixed(1)} Hz, want 440`);
    assert(s.audioCodec === 'mp4a.40.2', `audio codec ${s.audioCodec}`);
    const unsupported = log.errors.filter((e) => e.code === 'CODEC_UNSUPPORTED');
    assert(unsupported.length === 1 && !unsupported[0]!.fatal, `errors ${JSON.stringify(log.errors)}`);
    assert(log.errors.length === 1, `errors ${JSON.stringify(log.errors)}`);
    await el.stop();
  });
});

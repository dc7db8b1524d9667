/**
 * <rtmp-player> with other codec variants, from nginx-rtmp: H.264 Baseline,
 * AAC mono 48 kHz, MP3 and G.711 A-law/µ-law audio (FFmpeg encodes live);
 * the Flash-era audio no browser decodes (Nellymoser at each rate, Speex),
 * which the worker decodes itself; ADPCM, which nothing here decodes.
 */
import '../../src/index.ts';
import { assert, checkTestsrc2Colours, EventLog, guardEachTest, makePlayer, measureDecodeFps, Peers, toneFrequency, waitFor, waitForState } from './player-harness.ts';

/** FFmpeg args: live testsrc2 + sine, H.264, the given audio args, FLV to `url`. */
function liveArgs(url: string, audio: string[], toneHz: number, sampleRate: number): string[] {
  return [
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    '-re', '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=${sampleRate}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
    ...audio,
    '-f', 'flv', url,
  ];
}

describe('<rtmp-player> codec variants (nginx-rtmp)', () => {
  const peers = new Peers();
  let server: { id: string; port: number; url: string };
  let bridge: { id: string; url: string };
  before(async () => {
    server = await peers.server('nginx');
    bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
  });
  guardEachTest();
  after(() => peers.stopAll());

  it('H.264 Baseline (no B-frames)', async () => {
    const pub = await peers.publish(`${server.url}/baseline`, { profile: 'baseline', fps: 30 });
    const el = makePlayer(`${server.url}/baseline`, bridge.url);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    assert(el.stats.videoCodec.startsWith('avc1.42'), `videoCodec ${el.stats.videoCodec}`);
    const fps = await measureDecodeFps(el, 2000);
    assert(fps > 25 && fps < 36, `decoded ${fps.toFixed(1)} fps`);
    await checkTestsrc2Colours(await el.snapshot());
    await peers.stop(pub);
  });

  it('AAC mono 48 kHz', async () => {
    const pub = await peers.publish(`${server.url}/mono48`, { channels: 1, sampleRate: 48000, toneHz: 1000 });
    const el = makePlayer(`${server.url}/mono48`, bridge.url);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    const cap = await el.captureAudio(1000);
    assert(cap.sampleRate === 48000, `sample rate ${cap.sampleRate}`);
    const hz = toneFrequency(cap.samples, cap.sampleRate);
    assert(Math.abs(hz - 1000) < 10, `tone ${hz.toFixed(1)} Hz, want 1000`);
    assert(el.stats.audioCodec === 'mp4a.40.2', `audioCodec ${el.stats.audioCodec}`);
    await peers.stop(pub);
  });

  const audioVariants = [
    { name: 'MP3 44.1 kHz', args: ['-c:a', 'libmp3lame', '-b:a', '128k', '-ar', '44100', '-ac', '2'], codec: 'mp3', rate: 44100, hz: 660 },
    { name: 'G.711 A-law 8 kHz', args: ['-c:a', 'pcm_alaw', '-ar', '8000', '-ac', '1'], codec: 'alaw', rate: 8000, hz: 500 },
    { name: 'G.711 µ-law 8 kHz', args: ['-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1'], codec: 'ulaw', rate: 8000, hz: 500 },
  ];
  for (const v of audioVariants) {
    it(`${v.name} audio`, async () => {
      const name = `audio-${v.codec}`;
      const pub = await peers.ffmpeg(liveArgs(`${server.url}/${name}`, v.args, v.hz, v.rate));
      const el = makePlayer(`${server.url}/${name}`, bridge.url);
      const log = new EventLog(el);
      await el.play();
      await waitForState(el, 'playing', 30_000);
      await waitFor(() => el.stats.audioCodec !== '', 5000, 'an audio codec');
      assert(el.stats.audioCodec === v.codec, `audioCodec ${el.stats.audioCodec}`);
      const cap = await el.captureAudio(1000);
      assert(cap.sampleRate === v.rate, `sample rate ${cap.sampleRate}`);
      const hz = toneFrequency(cap.samples, cap.sampleRate);
      assert(Math.abs(hz - v.hz) < v.hz * 0.02, `tone ${hz.toFixed(1)} Hz, want ${v.hz}`);
      assert(log.errors.length === 0, JSON.stringify(log.errors));
      await peers.stop(pub);
    });
  }

  it('video only (no audio track): plays on its own clock at the source rate', async () => {
    const url = `${server.url}/video-only`;
    const pub = await peers.ffmpeg([
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p', '-an', '-f', 'flv', url,
    ]);
    const el = makePlayer(url, bridge.url);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    const fps = await measureDecodeFps(el, 2000);
    assert(fps > 25 && fps < 36, `decoded ${fps.toFixed(1)} fps`);
    await waitFor(() => el.stats.fps > 15, 3000, `presented fps (${el.stats.fps})`);
    assert(el.stats.audioCodec === '', `audioCodec ${el.stats.audioCodec}`);
    await checkTestsrc2Colours(await el.snapshot());
    await peers.stop(pub);
  });

  it('audio only (no video track): reaches playing and decodes the tone', async () => {
    const url = `${server.url}/audio-only`;
    const pub = await peers.ffmpeg(['-re', '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=44100', '-c:a', 'aac', '-vn', '-f', 'flv', url]);
    const el = makePlayer(url, bridge.url);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    const cap = await el.captureAudio(1000);
    const hz = toneFrequency(cap.samples, cap.sampleRate);
    assert(Math.abs(hz - 880) < 10, `tone ${hz.toFixed(1)} Hz`);
    await peers.stop(pub);
  });

  /**
   * Audio the worker decodes with the core's own decoders (no browser has
   * one): a row per codec and rate. The tone must come out within 3 % of
   * the source's, with no error event, and `stats.audioCodec` names the codec.
   */
  const ownDecoderVariants: { name: string; args: string[]; codec: string; rate: number; hz: number }[] = [
    { name: 'Nellymoser 8 kHz', args: ['-c:a', 'nellymoser', '-ar', '8000', '-ac', '1'], codec: 'nellymoser', rate: 8000, hz: 440 },
    { name: 'Nellymoser 16 kHz', args: ['-c:a', 'nellymoser', '-ar', '16000', '-ac', '1'], codec: 'nellymoser', rate: 16000, hz: 440 },
    { name: 'Nellymoser 22.05 kHz', args: ['-c:a', 'nellymoser', '-ar', '22050', '-ac', '1'], codec: 'nellymoser', rate: 22050, hz: 440 },
    { name: 'Nellymoser 44.1 kHz', args: ['-c:a', 'nellymoser', '-ar', '44100', '-ac', '1'], codec: 'nellymoser', rate: 44100, hz: 440 },
    { name: 'Speex 16 kHz', args: ['-c:a', 'libspeex', '-ar', '16000', '-ac', '1'], codec: 'speex', rate: 16000, hz: 440 },
  ];
  for (const v of ownDecoderVariants) {
    it(`${v.name} audio, decoded in the worker: the tone within 3 %, no error, the video plays`, async () => {
      const name = `own-${v.codec}-${v.rate}`;
      const pub = await peers.ffmpeg(liveArgs(`${server.url}/${name}`, v.args, v.hz, v.rate));
      const el = makePlayer(`${server.url}/${name}`, bridge.url);
      const log = new EventLog(el);
      await el.play();
      await waitForState(el, 'playing', 30_000);
      await waitFor(() => el.stats.audioCodec !== '', 5000, 'an audio codec');
      assert(el.stats.audioCodec === v.codec, `audioCodec ${el.stats.audioCodec}`);
      const cap = await el.captureAudio(1000).catch((e: Error) => {
        throw new Error(`${e.message}; error events: ${JSON.stringify(log.errors)}`);
      });
      assert(cap.sampleRate === v.rate, `sample rate ${cap.sampleRate}`);
      const hz = toneFrequency(cap.samples, cap.sampleRate);
      assert(Math.abs(hz - v.hz) < v.hz * 0.03, `tone ${hz.toFixed(1)} Hz, want ${v.hz}`);
      await checkTestsrc2Colours(await el.snapshot());
      assert(el.stats.state === 'playing', el.stats.state);
      assert(log.errors.length === 0, JSON.stringify(log.errors));
      await peers.stop(pub);
    });
  }

  it('ADPCM audio (no decoder anywhere): a clear CODEC_UNSUPPORTED error, once, not fatal; the video plays', async () => {
    const name = 'audio-adpcm';
    const pub = await peers.ffmpeg(liveArgs(`${server.url}/${name}`, ['-c:a', 'adpcm_swf', '-ar', '22050', '-ac', '1'], 440, 22050));
    const el = makePlayer(`${server.url}/${name}`, bridge.url);
    const log = new EventLog(el);
    await el.play();
    await waitForState(el, 'playing', 30_000);
    await waitFor(() => log.errors.length > 0, 5000, 'an error event');
    const e = log.errors[0]!;
    assert(e.code === 'CODEC_UNSUPPORTED' && !e.fatal && e.message.includes('ADPCM'), JSON.stringify(log.errors));
    assert(log.errors.length === 1, `reported once, got ${log.errors.length}`);
    await checkTestsrc2Colours(await el.snapshot());
    assert(el.stats.state === 'playing', el.stats.state);
    await peers.stop(pub);
  });
});

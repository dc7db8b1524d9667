/**
 * Enhanced RTMP codecs from the independent peer: FFmpeg 8.1 (node-av)
 * publishes to node-media-server, `<rtmp-player>` plays. What a viewer gets
 * for each: the picture at the stream's rate, on the page (a screenshot of
 * the element) and in `snapshot()`, the codecs in `stats`, the tone. A
 * codec this browser cannot decode (HEVC in this Chromium, AC-3 perhaps)
 * costs its own track only: one non-fatal CODEC_UNSUPPORTED, and the other
 * track plays.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/index.ts';
import { FLAC_PROBE_DESCRIPTION } from '../../src/codec-support.ts';
import { assert, checkTestsrc2Colours, EventLog, guardEachTest, makePlayer, Peers, screenshotOf, sleep, toneFrequency, waitForState } from './player-harness.ts';

interface Case {
  video: 'libx264' | 'libx265' | 'libsvtav1' | 'libvpx-vp9';
  audio: 'aac' | 'libopus' | 'flac' | 'ac3';
  /** What stats name them, as a prefix. */
  videoCodec: string;
  audioCodec: string;
  /** A probe config: when the browser cannot decode it, the track must fail alone. */
  videoProbe: string;
  audioProbe: AudioDecoderConfig;
}

const CASES: Case[] = [
  { video: 'libsvtav1', audio: 'libopus', videoCodec: 'av01', audioCodec: 'opus', videoProbe: 'av01.0.04M.08', audioProbe: { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 } },
  { video: 'libvpx-vp9', audio: 'libopus', videoCodec: 'vp09', audioCodec: 'opus', videoProbe: 'vp09.00.10.08', audioProbe: { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 } },
  { video: 'libx264', audio: 'flac', videoCodec: 'avc1', audioCodec: 'flac', videoProbe: 'avc1.42C01E', audioProbe: { codec: 'flac', sampleRate: 48000, numberOfChannels: 2, description: FLAC_PROBE_DESCRIPTION } },
  { video: 'libx265', audio: 'aac', videoCodec: 'hvc1', audioCodec: 'mp4a', videoProbe: 'hvc1.1.6.L60.90', audioProbe: { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 1 } },
  { video: 'libx264', audio: 'ac3', videoCodec: 'avc1', audioCodec: 'ac-3', videoProbe: 'avc1.42C01E', audioProbe: { codec: 'ac-3', sampleRate: 48000, numberOfChannels: 2 } },
];

describe('<rtmp-player> plays FFmpeg 8.1’s Enhanced RTMP through node-media-server', function () {
  this.timeout(120_000);
  const peers = new Peers();
  guardEachTest();
  after(() => peers.stopAll());

  for (const c of CASES) {
    it(`${c.video} + ${c.audio}`, async () => {
      const canVideo = (await VideoDecoder.isConfigSupported({ codec: c.videoProbe }).catch(() => ({ supported: false }))).supported === true;
      const canAudio = (await AudioDecoder.isConfigSupported(c.audioProbe).catch(() => ({ supported: false }))).supported === true;
      const server = await peers.server('nms');
      const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
      const key = `ff8-${c.video}-${c.audio}`;
      const pub = (await executeServerCommand('peers-ffmpeg8-publish', { url: `${server.url}/${key}`, video: c.video, audio: c.audio, seconds: 30, width: 320, height: 240 })) as { id: string };
      peers.adopt(pub.id);
      const el = makePlayer(`${server.url}/${key}`, bridge.url, { latency: '300' }); // not muted: an audio-only result plays on the sound
      const log = new EventLog(el);
      try {
        await el.play();
        await waitForState(el, 'playing', 30_000);
        await sleep(1500);
        const before = el.stats.framesShown;
        await sleep(3000);
        const shown = (el.stats.framesShown - before) / 3;
        const cap = canAudio ? await el.captureAudio(1000) : null;
        const hz = cap === null ? 0 : toneFrequency(cap.samples, cap.sampleRate);
        const s = el.stats;
        console.log(`FFmpeg 8.1 ${c.video} + ${c.audio} → nms → player: ${s.videoCodec || '(no video)'} + ${s.audioCodec || '(no audio)'} ${s.width}x${s.height}, ${shown.toFixed(1)} frames shown/s, tone ${hz.toFixed(1)} Hz; browser decodes video ${canVideo}, audio ${canAudio}; errors ${JSON.stringify(log.errors)}`);
        const unsupported = log.errors.filter((e) => e.code === 'CODEC_UNSUPPORTED');
        assert(log.errors.every((e) => !e.fatal) && log.errors.length === unsupported.length, `errors ${JSON.stringify(log.errors)}`);
        assert(unsupported.length === Number(!canVideo) + Number(!canAudio), `CODEC_UNSUPPORTED ${unsupported.length}×, the browser decodes video ${canVideo}, audio ${canAudio}`);
        if (canVideo) {
          assert(s.videoCodec.startsWith(c.videoCodec), `video codec ${s.videoCodec}`);
          assert(s.width === 320 && s.height === 240, `size ${s.width}x${s.height}`);
          assert(shown > 25, `${shown.toFixed(1)} frames shown per second, want ~30`);
          // What the viewer sees: testsrc2's bars on the page (pillarboxed: 4:3 in the box), and in the worker's picture.
          await checkTestsrc2Colours(await screenshotOf(el));
          await checkTestsrc2Colours(await el.snapshot());
        }
        if (canAudio) {
          assert(s.audioCodec.startsWith(c.audioCodec), `audio codec ${s.audioCodec}`);
          assert(Math.abs(hz - 440) < 0.03 * 440, `tone ${hz.toFixed(1)} Hz, want 440`);
        }
      } finally {
        await el.stop().catch(() => {});
        el.remove();
        await peers.stop(pub.id);
      }
    });
  }
});

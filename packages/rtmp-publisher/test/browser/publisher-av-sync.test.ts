/**
 * Audio and video leave the publisher on one clock and in step: read on the
 * server in arrival order, each audio packet's timestamp is close to the
 * video around it. (A canvas track and WebAudio are stamped on different
 * clocks in Chromium; the publisher once sent this audio 0.25–1.7 s behind
 * its video, see capture-clock.ts.)
 *
 * The bound, 100 ms: the muxer interleaves by timestamp and holds a tag at
 * most 60 ms for the other track, and AAC packets are 21–23 ms long, so a
 * correctly stamped stream stays within ~85 ms; the old bug was 230 ms and
 * more. It is measured against the video on both sides of each audio packet
 * (how far it falls outside [preceding, following] video), so a gap in the
 * source's video (a canvas timer that stalled on a loaded machine, 134 ms
 * once) is not taken for audio straying. Medians (audio − preceding video)
 * must be tighter (±40 ms).
 *
 * And the audio is whole: consecutive packets follow each other (AAC:
 * 1024 samples apart, 23.2 ms at 44.1 kHz, timestamps in whole ms). Chromium stamps AudioData
 * with jitter (2–21 ms between 10 ms frames), and the publisher once mapped
 * packets through those stamps and dropped the ones that came out
 * overlapping: 8% of the audio was missing, in holes of one packet.
 */
import { assert, makePublisher, peer, Peers, record, sleep, canvasToneSource } from './publisher-helpers.ts';

interface Packet {
  type: 'video' | 'audio';
  pts: number;
  dts: number;
}

describe('<rtmp-publisher> A/V sync', function () {
  this.timeout(120_000);
  const peers = new Peers();
  after(() => peers.stopAll());

  it('a canvas + oscillator: audio timestamps within 100 ms of the video around them, in arrival order', async () => {
    const source = canvasToneSource(640, 360);
    const { stream } = source;

    const server = await peers.server('nms');
    const bridge = await peers.bridge(server.port);
    const el = makePublisher({ url: server.url, 'stream-key': 'avsync', bridge, width: 640, height: 360, framerate: 30, 'video-bitrate': 1000 });
    const ev = record(el);
    try {
      await el.start(stream);
      await sleep(1500);
      // node-media-server relays packets as they arrive; ffprobe lists them in that order.
      const { packets } = await peer<{ packets: Packet[] }>('peers-ffprobe-packets', { url: `${server.url}/avsync`, seconds: 6, timeoutMs: 18_000 });
      const offsets: number[] = [];
      // Per audio packet between two video packets: how far outside their span it lies, ms (0 inside).
      const strays: number[] = [];
      const videoGaps: number[] = [];
      let lastVideo: number | undefined;
      let pending: number[] = []; // audio pts since lastVideo
      for (const p of packets) {
        if (p.type === 'video') {
          if (lastVideo !== undefined) {
            videoGaps.push((p.dts - lastVideo) * 1000);
            for (const a of pending) strays.push(Math.max(lastVideo - a, a - p.dts, 0) * 1000);
          }
          lastVideo = p.dts;
          pending = [];
        } else if (lastVideo !== undefined) {
          offsets.push((p.pts - lastVideo) * 1000);
          pending.push(p.pts);
        }
      }
      assert(offsets.length > 100, `only ${offsets.length} audio packets after video`);
      const sorted = [...offsets].sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1]!;
      const worst = Math.max(...strays);
      // Past the first second: the capture clock's mapping settles in it (capture-clock.ts), and a step back there costs a packet.
      const all = packets.filter((p) => p.type === 'audio').map((p) => p.pts * 1000);
      const audio = all.filter((t) => t - all[0]! > 1000);
      const steps = audio.slice(1).map((t, i) => t - audio[i]!);
      // 1024 samples a packet at the AudioContext's rate (44.1 or 48 kHz): the median step.
      const packetMs = [...steps].sort((a, b) => a - b)[steps.length >> 1]!;
      const holes = steps.filter((d) => d > packetMs * 1.5);
      const covered = (audio.length * packetMs) / (audio.at(-1)! - audio[0]! + packetMs);
      console.log(`audio after its first second: ${audio.length} packets, steps ${Math.min(...steps)}–${Math.max(...steps)} ms, ${holes.length} holes, ${(covered * 100).toFixed(1)}% of the span covered`);
      // A machine too loaded for the encoder to keep up skips audio on purpose, and says so (AUDIO_SKIPPED,
      // stats.audioSkippedMs): such holes are explained. Any other hole is a bug.
      const skippedMs = el.stats.audioSkippedMs;
      const holeMs = holes.reduce((sum, d) => sum + d - packetMs, 0);
      const why = `${holes.length} holes in the audio (steps of ${holes.slice(0, 5).join(', ')} ms; ${skippedMs} ms skipped as AUDIO_SKIPPED; errors ${JSON.stringify(ev.errors)})`;
      assert(holes.length === 0 || (skippedMs > 0 && holeMs <= skippedMs + packetMs), why);
      const spanMs = audio.at(-1)! - audio[0]! + packetMs;
      assert(covered + skippedMs / spanMs > 0.98, `the audio covers ${(covered * 100).toFixed(1)}% of its span (${skippedMs} ms skipped as AUDIO_SKIPPED)`);
      const latency = el.stats.audioLatencyMs;
      console.log(
        `audio − preceding video: min ${sorted[0]!.toFixed(0)} median ${median.toFixed(0)} max ${sorted.at(-1)!.toFixed(0)} ms (${offsets.length} packets); ` +
          `outside the video around it: max ${worst.toFixed(0)} ms; largest video gap ${Math.max(...videoGaps).toFixed(0)} ms; audio path ${latency} ms`,
      );
      assert(Math.abs(median) <= 40, `median audio − video ${median.toFixed(0)} ms`);
      assert(worst <= 100, `audio strays ${worst.toFixed(0)} ms outside the video around it`);
      // Capture → encoded: AAC's frame and look-ahead, not a backlog.
      assert(latency > 0 && latency < 150, `audio path latency ${latency} ms`);
      assert(ev.errors.every((e) => e.code === 'AUDIO_SKIPPED'), `errors ${JSON.stringify(ev.errors)}`);
    } finally {
      el.stop();
      await source.stop();
      el.remove();
    }
  });
});

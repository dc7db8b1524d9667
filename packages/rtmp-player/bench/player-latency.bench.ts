/**
 * `npm run bench:player`: how fast <rtmp-player> starts and how live it is,
 * on loopback with nginx-rtmp, through the bridge. Prints numbers; asserts
 * nothing about timing (thresholds stay out of tests).
 *
 * - **play() → first frame**: wall time in the page from calling `play()`
 *   to the `playing` state, which the worker enters when it draws the first
 *   frame. The publisher is already live (1 s GOPs; nginx-rtmp has no GOP
 *   cache, so this includes waiting for the next keyframe). Repeated.
 * - **steady-state live latency (server egress → canvas)**: FFmpeg encodes a
 *   live testsrc2 with the frame number drawn into a 16-bit binary strip at
 *   the top (geq) and publishes it with `-re`. An observer RtmpClient in the
 *   page (through the same bridge) notes when each video timestamp arrives:
 *   on loopback that is when nginx sends it. Every 250 ms the bench
 *   snapshots the player (what the worker has drawn), reads the frame number
 *   from the strip, and takes latency = snapshot time − arrival time of that
 *   frame at the observer. It excludes the encoder and the compositor's last
 *   frame (~16 ms), and includes the bridge, the RTMP stack, decoding and the
 *   jitter/A-V buffer. The player's own `stats.playerDelayMs` estimate is printed beside it.
 */
import { RtmpClient } from '@rtmp-web/core';
import { WebSocketTransport } from '@rtmp-web/transport/websocket';
import '../src/index.ts';
import { Peers, makePlayer, sleep, waitForState } from '../test/browser/player-harness.ts';

const FPS = 30;
const STRIP_BITS = 16;

/** The ffmpeg args: live testsrc2 with the frame number as a binary strip, a sine, H.264 (no B-frames, zerolatency) + AAC. */
function codedSourceArgs(url: string, gop: number): string[] {
  const strip = `nullsrc=size=640x16:rate=${FPS},format=gray,geq=lum='255*mod(floor(N/pow(2\\,floor(X/40)))\\,2)'`;
  return [
    '-re', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=${FPS}[a];${strip}[b];[a][b]overlay=0:0`,
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', String(gop), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k',
    '-f', 'flv', url,
  ];
}

/** Reads the frame number from a snapshot's strip. */
async function frameNumber(blob: Blob): Promise<number> {
  const bmp = await createImageBitmap(blob);
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, 16).data;
  let n = 0;
  for (let i = 0; i < STRIP_BITS; i++) {
    const o = (8 * bmp.width + Math.round(((i * 40 + 20) * bmp.width) / 640)) * 4;
    const luma = 0.299 * d[o]! + 0.587 * d[o + 1]! + 0.114 * d[o + 2]!;
    if (luma > 128) n |= 1 << i;
  }
  return n;
}

/** The offset of video timestamps from n·1000/FPS, under one frame: the median residue of the arrivals. */
function frameOffsetMs(arrivals: Map<number, number>): number {
  const period = 1000 / FPS;
  const r = [...arrivals.keys()].slice(-90).map((ts) => ((ts % period) + period) % period);
  r.sort((a, b) => a - b);
  return r[r.length >> 1] ?? 0;
}

function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${Math.round(q(0.5))} ms, p10 ${Math.round(q(0.1))} ms, p90 ${Math.round(q(0.9))} ms, min ${Math.round(s[0]!)} ms, max ${Math.round(s.at(-1)!)} ms (n=${s.length})`;
}

describe('bench: <rtmp-player> on loopback with nginx-rtmp', () => {
  const peers = new Peers();
  after(() => peers.stopAll());

  it('play() → first frame, and steady-state live latency', async () => {
    const server = await peers.server('nginx');
    const bridge = await peers.bridge([`127.0.0.1:${server.port}`]);
    const url = `${server.url}/bench`;
    await peers.ffmpeg(codedSourceArgs(url, FPS));
    await sleep(2000);

    // play() → first frame.
    const starts: number[] = [];
    const toPlayStart: number[] = [];
    const toWorker: number[] = [];
    for (let i = 0; i < 8; i++) {
      const el = makePlayer(url, bridge.url);
      const t0 = performance.now();
      let tBuffering = NaN;
      el.addEventListener('statechange', (e) => {
        if ((e as CustomEvent<{ state: string }>).detail.state === 'buffering') tBuffering = performance.now() - t0;
      });
      await el.play();
      const tCommand = performance.now() - t0;
      await waitForState(el, 'playing', 20_000);
      starts.push(performance.now() - t0);
      toPlayStart.push(tBuffering);
      toWorker.push(tCommand);
      el.parentElement!.remove();
      await sleep(300 + Math.random() * 700); // land at different points of the GOP
    }
    console.log(`play() → first frame (nginx-rtmp, 1 s GOP, no GOP cache): ${summary(starts)}`);
    console.log(`  of which play() resolved (worker, canvas, AudioContext and worklet up): ${summary(toWorker)}`);
    console.log(`  of which NetStream.Play.Start (state buffering): ${summary(toPlayStart)}`);

    // Observer: when each video timestamp arrives at the page.
    const arrivals = new Map<number, number>();
    const observer = new RtmpClient({ url, transport: new WebSocketTransport({ bridge: bridge.url, host: '127.0.0.1', port: server.port }) });
    observer.on('media', (m) => {
      if (m.typeId !== 9) return;
      arrivals.set(m.timestamp, performance.now());
      if (arrivals.size > 3000) arrivals.delete(arrivals.keys().next().value!);
    });
    await observer.connect();
    await observer.play();

    for (const latency of [500, 200]) {
      const el = makePlayer(url, bridge.url, { latency: String(latency) });
      await el.play();
      await waitForState(el, 'playing', 20_000);
      await sleep(3000);
      const measured: number[] = [];
      const estimated: number[] = [];
      let unreadable = 0;
      for (let i = 0; i < 80; i++) {
        await sleep(250);
        const t = performance.now();
        const n = await frameNumber(await el.snapshot());
        // Frame n's RTMP timestamp: n frames from FFmpeg's start, plus the shift
        // FFmpeg applies to every stream so the AAC priming (1024 samples,
        // 21.3 ms at 48 kHz: under one frame) does not start negative.
        const ts = Math.round((n * 1000) / FPS + frameOffsetMs(arrivals));
        const arrived = arrivals.get(ts) ?? arrivals.get(ts - 1) ?? arrivals.get(ts + 1);
        if (arrived === undefined) {
          if (unreadable++ < 3) console.log(`frame ${n} → ts ${ts}: not seen by the observer (${[...arrivals.keys()].slice(-3).join(',')}…)`);
          continue;
        }
        measured.push(t - arrived);
        estimated.push(el.stats.playerDelayMs);
      }
      const s = el.stats;
      console.log(
        `latency=${latency}: server egress → canvas ${summary(measured)}; player's estimate (stats.playerDelayMs) median ${Math.round(estimated.sort((a, b) => a - b)[estimated.length >> 1] ?? NaN)} ms; ` +
          `bufferMs ${s.bufferMs}, fps ${s.fps}, dropped ${s.framesDropped}/${s.framesDecoded}, catchUps ${s.catchUps}, unmatched snapshots ${unreadable}`,
      );
      el.parentElement!.remove();
    }
    observer.close();
  });
});

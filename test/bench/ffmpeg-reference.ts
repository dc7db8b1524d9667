/**
 * FFmpeg on both ends, as the reference the browser is compared with:
 *
 * - **publisher**: Node draws raw gray frames at 30 fps (moving bars, and
 *   the timecode of `Date.now()` when the frame is written) into FFmpeg's
 *   stdin; libx264 ultrafast, tune zerolatency, no B-frames; optionally a
 *   440 Hz sine as AAC; FLV over RTMP.
 * - **native player**: `ffmpeg -fflags nobuffer -flags low_delay -i rtmp://…
 *   -f rawvideo -pix_fmt gray pipe:1`; each frame is read in Node as it
 *   arrives on the pipe, into the same {@link DisplayTally} the page uses.
 */
import { writeTimecode, readTimecode } from '../../web/src/frame-timecode.ts';
import { spawnFfmpeg, type FfmpegProcess } from '../peers/ffmpeg.ts';
import { BENCH_VIDEO, type DisplayMeasurement, type MeasureTiming } from './bench-protocol.ts';
import { BLACK_LUMA, DisplayTally } from './display-tally.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running reference publisher. */
export interface ReferencePublisher {
  /** Frames written to FFmpeg so far. */
  framesWritten(): number;
  /** FFmpeg's stderr. */
  log(): string;
  stop(): Promise<void>;
}

/** The FFmpeg arguments of the reference publisher (raw gray frames on stdin). */
export function referencePublisherArgs(url: string, audio: boolean): string[] {
  const { width, height, fps, bitrateKbps, keyframeIntervalS } = BENCH_VIDEO;
  const rate = `${bitrateKbps}k`;
  return [
    '-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
    // No -re: paced by the wall clock from FFmpeg's start, the tone would lag
    // the video by however long FFmpeg took to open its inputs, and the FLV
    // interleaver would hold every video packet back by that much (~1 s
    // here). Unpaced, it runs ahead by FFmpeg's input queue and never holds
    // the video up; the timestamps of both count samples and frames from 0.
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-map', '0:v', ...(audio ? ['-map', '1:a'] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-bf', '0', '-g', String(fps * keyframeIntervalS),
    '-b:v', rate, '-maxrate', rate, '-bufsize', rate, '-pix_fmt', 'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-b:a', '96k', '-ac', '1'] : []),
    '-f', 'flv', url,
  ];
}

/** Starts FFmpeg publishing to `url` (rtmp://…/live/NAME), fed from Node on a drift-free 30 fps schedule. */
export function startReferencePublisher(url: string, audio: boolean, maxMs: number): ReferencePublisher {
  const { width, height, fps } = BENCH_VIDEO;
  const ff: FfmpegProcess = spawnFfmpeg(referencePublisherArgs(url, audio), maxMs, { stdin: true });
  const stdin = ff.child.stdin;
  if (!stdin) throw new Error('FFmpeg has no stdin');
  stdin.on('error', () => undefined); // EPIPE when FFmpeg exits first: its stderr says why
  // Bars of eight gray levels, twice the width, so a frame is a moving window onto them.
  const row = Buffer.alloc(width * 2);
  for (let x = 0; x < row.length; x++) row[x] = 40 + 25 * (Math.floor((x * 8) / width) % 8);
  let written = 0;
  let stopped = false;
  const t0 = performance.now();
  const next = () => {
    if (stopped) return;
    const frame = Buffer.alloc(width * height);
    const shift = (written * 4) % width;
    for (let y = 0; y < height; y++) row.copy(frame, y * width, shift, shift + width);
    writeTimecode({ data: frame, width, height, channels: 1 }, Date.now());
    stdin.write(frame);
    written++;
    setTimeout(next, Math.max(0, t0 + (written * 1000) / fps - performance.now()));
  };
  next();
  return {
    framesWritten: () => written,
    log: () => ff.stderr(),
    async stop() {
      stopped = true;
      stdin.end();
      await ff.stop();
    },
  };
}

/**
 * FFmpeg as a native player of `url`: join, settle, measure, stop. Latency
 * is taken when a whole frame has arrived on the pipe (FFmpeg has decoded
 * and converted it; no display of its own).
 */
export async function measureFfmpegPlayer(url: string, timing: MeasureTiming): Promise<DisplayMeasurement> {
  const { width, height } = BENCH_VIDEO;
  const frameBytes = width * height;
  const tally = new DisplayTally();
  const errors: string[] = [];
  const createdAt = performance.now();
  const ff = spawnFfmpeg(
    ['-fflags', 'nobuffer', '-flags', 'low_delay', '-i', url, '-an', '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    timing.firstFrameTimeoutMs + timing.settleMs + timing.measureMs + 10_000,
    { stdout: true },
  );
  const frame = Buffer.alloc(frameBytes);
  let filled = 0;
  ff.child.stdout?.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === frameBytes) {
        filled = 0;
        const now = Date.now();
        const code = readTimecode({ data: frame, width, height, channels: 1 });
        tally.see(code, now, code === null && frame.subarray(0, width * 8).reduce((a, b) => a + b, 0) / (width * 8) < BLACK_LUMA);
      }
    }
  });
  try {
    const first = await Promise.race([tally.firstFrame(timing.firstFrameTimeoutMs), ff.exited.then(() => null)]);
    if (!first || timing.measureMs <= 0) {
      if (!first) errors.push(`no readable frame; FFmpeg: ${ff.stderr().slice(-500) || 'nothing on stderr'}`);
      return tally.endWindow(createdAt, {}, errors);
    }
    await sleep(timing.settleMs);
    tally.beginWindow();
    await sleep(timing.measureMs);
    return tally.endWindow(createdAt, {}, errors);
  } finally {
    await ff.stop();
  }
}

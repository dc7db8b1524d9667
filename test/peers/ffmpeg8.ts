/**
 * FFmpeg 8.1 as an Enhanced RTMP v2 peer, through npm `node-av` (FFmpeg's
 * libraries as a Node add-on; its library API, no CLI). Debian's FFmpeg 5.1
 * speaks only legacy FLV; 8.1 writes and reads av01/vp09/hvc1 and
 * Opus/FLAC/AC-3 with the E-RTMP extended headers, and a second audio
 * stream as multitrack.
 *
 * Every job runs in a child process (`ffmpeg8-process.mjs`): node-av's calls
 * can hold the thread pool and its read loop can keep a core busy, which must
 * not stall the test's event loop. Each job has three bounds: its own deadline
 * in the child, FFmpeg's `rw_timeout` on reads, and a kill timer here.
 *
 * What node-av cannot do: its Muxer takes no protocol options, so FFmpeg's
 * RTMP listen mode is only reachable for reading (`ffmpeg8Read({ listen })`
 * accepts one publisher); to serve an FFmpeg-made stream to a player, write
 * it with {@link ffmpeg8WriteFlv} and serve the file with
 * `flv-rtmp-server.ts` ({@link startFfmpeg8MultitrackServer} does both).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlvRtmpServerPeer, startFlvRtmpServer } from './flv-rtmp-server.ts';

/** Video encoders the peer offers (all present in node-av's FFmpeg 8.1 build). */
export type Ffmpeg8VideoEncoder = 'libx264' | 'libx265' | 'libsvtav1' | 'libvpx-vp9';
/** Audio encoders the peer offers. */
export type Ffmpeg8AudioEncoder = 'aac' | 'libopus' | 'flac' | 'ac3';

/** What to generate: testsrc2 video and one sine tone per audio track. */
export interface Ffmpeg8SourceOptions {
  video: Ffmpeg8VideoEncoder;
  audio: Ffmpeg8AudioEncoder;
  /** Media duration in seconds. */
  seconds: number;
  /** Default 320x240 at 30 fps. */
  width?: number;
  height?: number;
  fps?: number;
  /**
   * One audio stream per tone, in Hz (default `[440]`). FFmpeg's FLV muxer
   * sends the first as a plain E-RTMP (or legacy AAC) track and each further
   * one as multitrack (OneTrack, trackId = its index).
   */
  tones?: number[];
}

/** What an encoding job did. */
export interface Ffmpeg8EncodeResult {
  /** Packets written per output stream: video first, then each audio track. */
  packets: number[];
  elapsedMs: number;
}

/** One stream FFmpeg 8.1 read back. */
export interface Ffmpeg8StreamReport {
  index: number;
  type: 'video' | 'audio' | 'other';
  /** FFmpeg's codec name: h264, hevc, av1, vp9, aac, opus, flac, ac3… */
  codec: string | null;
  width: number;
  height: number;
  sampleRate: number;
  channels: number;
  packets: number;
  keyframes: number;
  /** Frames its decoder gave (flushed at the end). */
  frames: number;
  /** Packets its decoder refused. */
  decodeErrors: number;
  /** The first decoder error, or why there is no decoder. */
  firstError?: string;
}

/** What a read job saw. */
export interface Ffmpeg8ReadResult {
  streams: Ffmpeg8StreamReport[];
  elapsedMs: number;
}

/** A running job: its result, and a way to end it early. */
export interface Ffmpeg8Job<T> {
  /** Resolves with the child's result; rejects with its error or on timeout. */
  result: Promise<T>;
  /** Resolves once a listening reader is about to accept (listen jobs only). */
  ready: Promise<void>;
  /** The child's stderr so far (FFmpeg's log), for failure messages. */
  log(): string;
  /** Ends the child (SIGTERM, then SIGKILL after 2 s) and waits for it. */
  stop(): Promise<void>;
}

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ffmpeg8-process.mjs');

function runJob<T>(job: Record<string, unknown>, timeoutMs: number): Ffmpeg8Job<T> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, JSON.stringify(job)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString();
    if (stdout.includes('@@READY')) markReady();
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const result = exited.then((code) => {
    clearTimeout(timer);
    const line = stdout.split('\n').find((l) => l.startsWith('@@RESULT '));
    if (line === undefined) {
      throw new Error(`ffmpeg8 ${String(job.mode)} ended (code ${code}) without a result; log tail:\n${stderr.slice(-2000)}`);
    }
    const parsed = JSON.parse(line.slice('@@RESULT '.length)) as T & { error?: string };
    if (parsed.error !== undefined) throw new Error(`ffmpeg8 ${String(job.mode)}: ${parsed.error}\n${stderr.slice(-2000)}`);
    return parsed as T;
  });
  // A caller that only stop()s must not see an unhandled rejection.
  result.catch(() => {});
  return {
    result,
    ready,
    log: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/**
 * Publishes a live test pattern and tone(s), paced in real time, to an
 * rtmp:// URL (FFmpeg's native RTMP client, FMLE publish).
 */
export function ffmpeg8Publish(url: string, o: Ffmpeg8SourceOptions): Ffmpeg8Job<Ffmpeg8EncodeResult> {
  return runJob({ mode: 'publish', url, ...o }, o.seconds * 1000 + 30_000);
}

/** Writes the same source into an FLV file as fast as it encodes; resolves with the path. */
export async function ffmpeg8WriteFlv(path: string, o: Ffmpeg8SourceOptions): Promise<Ffmpeg8EncodeResult> {
  return runJob<Ffmpeg8EncodeResult>({ mode: 'write', path, ...o }, o.seconds * 4000 + 30_000).result;
}

/** Options for {@link ffmpeg8Read}. */
export interface Ffmpeg8ReadOptions {
  /** How long to read, in seconds, from when the stream opened. */
  seconds: number;
  /**
   * Listen on the URL's host:port (FFmpeg's RTMP listen mode) and accept one
   * publisher, instead of playing from a server. Wait for `ready`, then for
   * the port ({@link waitForListening}), before publishing.
   */
  listen?: boolean;
  /** FFmpeg's rw_timeout: how long one open or read may block. Default 10 s. */
  openTimeoutMs?: number;
}

/** Reads an rtmp:// URL (or an FLV file path) and decodes all it gets. */
export function ffmpeg8Read(url: string, o: Ffmpeg8ReadOptions): Ffmpeg8Job<Ffmpeg8ReadResult> {
  const openTimeoutMs = o.openTimeoutMs ?? 10_000;
  return runJob({ mode: 'read', url, seconds: o.seconds, listen: o.listen ?? false, openTimeoutMs }, o.seconds * 1000 + openTimeoutMs + 20_000);
}

/** A temporary directory for generated media, removed by the returned function. */
export function ffmpeg8TempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ffmpeg8-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * FFmpeg 8.1's multitrack FLV served to one player at a time: `seconds` of
 * video with one Opus track per tone (FFmpeg sends the first single-track,
 * each further one as E-RTMP multitrack OneTrack with trackId = its index),
 * written by FFmpeg 8.1 and served by `flv-rtmp-server.ts` in real time.
 */
export async function startFfmpeg8MultitrackServer(
  o: Partial<Ffmpeg8SourceOptions> & { seconds: number },
): Promise<FlvRtmpServerPeer & { written: Ffmpeg8EncodeResult }> {
  const tmp = ffmpeg8TempDir();
  try {
    const path = join(tmp.dir, 'multitrack.flv');
    const written = await ffmpeg8WriteFlv(path, { video: 'libx264', audio: 'libopus', tones: [440, 880], ...o });
    const server = await startFlvRtmpServer(new Uint8Array(readFileSync(path)));
    return { ...server, written };
  } finally {
    tmp.remove();
  }
}

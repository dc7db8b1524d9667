/**
 * FFmpeg and ffprobe (Debian's ffmpeg) as independent peers: they make the
 * test media (nothing is committed), publish it live, and probe what servers
 * serve. Every child process is bounded in time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE = join(tmpdir(), 'rtmp-web-test-media');

/** Runs a command to completion with a time limit; resolves with stdout, rejects with stderr. */
export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (err.length > 200_000) err = err.slice(-100_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? signal}: ${err.slice(-2000)}`));
    });
  });
}

/**
 * Makes a test file with FFmpeg (once per machine per argument list; cached in
 * the temp dir). `args` are the FFmpeg arguments between inputs and output.
 */
export async function makeMedia(name: string, args: string[]): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const hash = createHash('sha256').update(args.join('\0')).digest('hex').slice(0, 12);
  const file = join(CACHE, `${hash}-${name}`);
  if (existsSync(file)) return file;
  const tmp = `${file}.part${process.pid}${name.slice(name.lastIndexOf('.'))}`;
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, tmp], 120_000);
  renameSync(tmp, file);
  return file;
}

/** Standard source: testsrc2 video and a sine tone. */
export interface TestSourceOptions {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** x264 B-frames (default 2). */
  bframes?: number;
  /** x264 profile (default high). */
  profile?: 'baseline' | 'main' | 'high';
  /** GOP length in frames (default fps: one keyframe a second). */
  gop?: number;
  /** Audio sample rate (default 44100) and channels (default 2). */
  sampleRate?: number;
  channels?: number;
  /** Tone frequency, Hz (default 440). */
  toneHz?: number;
  /** Container: flv (default) or mp4. */
  container?: 'flv' | 'mp4';
}

/** Makes an H.264 + AAC test file from testsrc2 and a sine tone. */
export function makeTestSource(o: TestSourceOptions = {}): Promise<string> {
  const w = o.width ?? 640;
  const h = o.height ?? 360;
  const fps = o.fps ?? 30;
  const seconds = o.seconds ?? 5;
  const profile = o.profile ?? 'high';
  const bf = profile === 'baseline' ? 0 : (o.bframes ?? 2);
  const args = [
    '-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=${fps}`,
    '-f', 'lavfi', '-i', `sine=frequency=${o.toneHz ?? 440}:sample_rate=${o.sampleRate ?? 44100}`,
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', profile, '-bf', String(bf), '-g', String(o.gop ?? fps), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k', '-ac', String(o.channels ?? 2), '-ar', String(o.sampleRate ?? 44100),
    '-shortest',
  ];
  if ((o.container ?? 'flv') === 'mp4') args.push('-movflags', '+faststart');
  return makeMedia(`src-${w}x${h}-${fps}-${profile}-${bf}.${o.container ?? 'flv'}`, args);
}

/** A running FFmpeg child. */
export interface FfmpegProcess {
  child: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Which of FFmpeg's standard streams {@link spawnFfmpeg} opens as pipes (stderr always is). */
export interface FfmpegPipes {
  /** Feed input on `child.stdin` (`-i pipe:0`). */
  stdin?: boolean;
  /** Read output from `child.stdout` (`pipe:1`). */
  stdout?: boolean;
}

/** Spawns FFmpeg with `args`; kills it on stop() or after `maxMs`. */
export function spawnFfmpeg(args: string[], maxMs = 120_000, pipes: FfmpegPipes = {}): FfmpegProcess {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], {
    stdio: [pipes.stdin ? 'pipe' : 'ignore', pipes.stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  const timer = setTimeout(() => child.kill('SIGKILL'), maxMs);
  void exited.then(() => clearTimeout(timer));
  return {
    child,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** FFmpeg publishes `file` to `url` in real time, looping, without re-encoding. */
export function ffmpegPublish(file: string, url: string): FfmpegProcess {
  return spawnFfmpeg(['-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', url]);
}

/** One stream as ffprobe reports it. */
export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

/** ffprobe -show_streams on a URL or file. */
export async function ffprobe(input: string, timeoutMs = 20_000): Promise<ProbedStream[]> {
  const out = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', input], timeoutMs);
  return (JSON.parse(out) as { streams: ProbedStream[] }).streams;
}

/**
 * Peer commands for the publisher's browser tests, merged into the
 * @web/test-runner peers plugin (wtr-peers-plugin.ts):
 *
 * | command | payload | returns |
 * | --- | --- | --- |
 * | `peers-ffprobe-frames` | `{ url, seconds, timeoutMs?, rwTimeoutMs? }` | `{ video: number[], audio: number[], errors: string }`: decoded frames' pts (s) over `seconds`, and what FFmpeg logged at level error |
 * | `peers-ffprobe-packets` | `{ url, seconds, timeoutMs? }` | `{ packets: { type: 'video' \| 'audio', pts: number, dts: number }[] }`: packets (s) over `seconds`, in the order they arrived (no decoding, no interleaving by FFmpeg) |
 * | `peers-ffmpeg-listen-record` | `{ streamKey?, maxMs? }` | `{ id, port, url }`: FFmpeg's own RTMP server (`-listen 1`) on a free loopback port, recording the one publish it takes (`-c copy`) |
 * | `peers-ffmpeg-listen-result` | `{ id, timeoutMs? }` | `{ exit, frames: { video, audio }, errors, streams }`: after the publish ended, FFmpeg's exit and what the recording holds |
 * | `peers-make-mp4` | `TestSourceOptions` | `{ id, url, probe }`: the MP4 served over HTTP (CORS open) for the page to fetch, and its video pts list |
 * | `peers-throttle-proxy` | `{ port, kbps }` | `{ id, port }`: a TCP proxy to 127.0.0.1:port whose client → server direction is limited to kbps (0 = unlimited) |
 * | `peers-throttle-set` | `{ id, kbps }` | `true` |
 * | `peers-cpu-threads` | `{ pattern }` | CPU seconds per thread name, and per process (`process:<--type>`), in processes whose command line contains pattern (bench) |
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type net from 'node:net';
import { ffprobe, makeTestSource, run, spawnFfmpeg, type TestSourceOptions } from './ffmpeg.ts';
import { freePort, waitForListening } from './free-port.ts';
import { startThrottleProxy, type ThrottleProxy } from './throttle-proxy.ts';

type Payload = Record<string, unknown> | undefined;
type Keep = (peer: { stop(): Promise<void>; log?(): string }) => string;

const throttles = new Map<string, ThrottleProxy>();

/** ffprobe's decoded frames over the first `seconds` of a stream or file. */
async function probeFrames(url: string, seconds: number, timeoutMs: number, rwTimeoutMs = 15_000): Promise<{ video: number[]; audio: number[]; errors: string }> {
  const args = ['-v', 'error', '-rw_timeout', String(rwTimeoutMs * 1000), '-read_intervals', `%+${seconds}`, '-show_entries', 'frame=media_type,pts_time,best_effort_timestamp_time', '-of', 'json', url];
  if (!url.includes('://')) args.splice(2, 2);
  // Errors FFmpeg logs while still exiting 0 (decode errors) are returned, not thrown.
  const out = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('ffprobe', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code: number | null) => {
      clearTimeout(t);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`ffprobe exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
  const frames = (JSON.parse(out.stdout) as { frames?: { media_type: string; pts_time?: string; best_effort_timestamp_time?: string }[] }).frames ?? [];
  const t = (f: { pts_time?: string; best_effort_timestamp_time?: string }) => Number(f.pts_time ?? f.best_effort_timestamp_time ?? NaN);
  return {
    video: frames.filter((f) => f.media_type === 'video').map(t),
    audio: frames.filter((f) => f.media_type === 'audio').map(t),
    errors: out.stderr,
  };
}

/** A probed packet: what the demuxer read, in arrival order. */
interface ProbedPacket {
  type: 'video' | 'audio';
  pts: number;
  dts: number;
}

/** ffprobe's packet list over the first `seconds` of a live stream, in demux (arrival) order. */
async function probePackets(url: string, seconds: number, timeoutMs: number): Promise<{ packets: ProbedPacket[] }> {
  const args = ['-v', 'error', '-rw_timeout', '15000000', '-read_intervals', `%+${seconds}`, '-show_entries', 'packet=codec_type,pts_time,dts_time', '-of', 'json', url];
  const out = await run('ffprobe', args, timeoutMs);
  const raw = (JSON.parse(out) as { packets?: { codec_type: string; pts_time?: string; dts_time?: string }[] }).packets ?? [];
  return {
    packets: raw
      .filter((p) => p.codec_type === 'video' || p.codec_type === 'audio')
      .map((p) => ({ type: p.codec_type as 'video' | 'audio', pts: Number(p.pts_time ?? p.dts_time ?? NaN), dts: Number(p.dts_time ?? p.pts_time ?? NaN) })),
  };
}

/** FFmpeg listen-mode recordings by peer id. */
const recordings = new Map<string, { file: string; exited: Promise<number | string> }>();

/** The publisher's commands; `keep` registers a peer for `peers-stop` and the end-of-run cleanup. */
export function publisherCommands(keep: Keep): Record<string, (p: Payload) => Promise<unknown>> {
  return {
    async 'peers-ffprobe-frames'(p) {
      return probeFrames(String(p?.url), Number(p?.seconds ?? 10), Number(p?.timeoutMs ?? 60_000), Number(p?.rwTimeoutMs ?? 15_000));
    },

    async 'peers-ffprobe-packets'(p) {
      return probePackets(String(p?.url), Number(p?.seconds ?? 10), Number(p?.timeoutMs ?? 60_000));
    },

    async 'peers-ffmpeg-listen-record'(p) {
      // FFmpeg's own RTMP server (listen mode) as the publisher's peer: it takes one publish and records it.
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'rtmp-web-listen-'));
      const file = join(dir, 'recorded.flv');
      const ff = spawnFfmpeg(['-y', '-listen', '1', '-i', `rtmp://127.0.0.1:${port}/live/${String(p?.streamKey ?? 'x')}`, '-c', 'copy', '-f', 'flv', file], Number(p?.maxMs ?? 120_000));
      await waitForListening(port);
      const id = keep({
        stop: async () => {
          await ff.stop();
          rmSync(dir, { recursive: true, force: true });
        },
        log: () => ff.stderr(),
      });
      recordings.set(id, { file, exited: ff.exited });
      return { id, port, url: `rtmp://127.0.0.1:${port}/live` };
    },

    async 'peers-ffmpeg-listen-result'(p) {
      // Once the publisher has stopped: FFmpeg ends its recording; what it holds.
      const r = recordings.get(String(p?.id));
      if (r === undefined) throw new Error(`no recording ${String(p?.id)}`);
      const code = await Promise.race([r.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), Number(p?.timeoutMs ?? 10_000)))]);
      const frames = await probeFrames(r.file, 1e6, 60_000);
      const streams = await ffprobe(r.file);
      return { exit: code, frames: { video: frames.video, audio: frames.audio }, errors: frames.errors, streams: streams.map((s) => ({ type: s.codec_type, codec: s.codec_name })) };
    },

    async 'peers-make-mp4'(p) {
      const file = await makeTestSource({ ...((p ?? {}) as TestSourceOptions), container: 'mp4' });
      const bytes = readFileSync(file);
      const server = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'video/mp4', 'access-control-allow-origin': '*', 'content-length': bytes.length });
        res.end(bytes);
      });
      const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
      const probe = await probeFrames(file, 1e6, 60_000);
      const id = keep({ stop: () => new Promise<void>((r) => server.close(() => r())) });
      return { id, url: `http://127.0.0.1:${port}/source.mp4`, probe: { video: probe.video, audio: probe.audio } };
    },

    async 'peers-throttle-proxy'(p) {
      const proxy = await startThrottleProxy(Number(p?.port), Number(p?.kbps ?? 0));
      const id = keep({ stop: () => proxy.stop(), log: () => proxy.log() });
      throttles.set(id, proxy);
      return { id, port: proxy.port };
    },

    async 'peers-throttle-set'(p) {
      throttles.get(String(p?.id))?.setKbps(Number(p?.kbps ?? 0));
      return true;
    },

    async 'peers-cpu-threads'(p) {
      // CPU seconds per thread name (comm) over processes whose command line
      // contains `pattern`: Chromium names worker threads "DedicatedWorker thread".
      const pattern = String(p?.pattern ?? 'chromium');
      const byThread: Record<string, number> = {};
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        let cmdline = '';
        try {
          cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          continue;
        }
        if (!cmdline.includes(pattern)) continue;
        try {
          // The whole process too (threads that ended still count there), keyed by Chromium's --type.
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const type = /--type=([a-z-]+)/.exec(cmdline.replace(/\0/g, ' '))?.[1] ?? 'browser';
          const key = `process:${type}`;
          byThread[key] = (byThread[key] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
        } catch {
          continue;
        }
        let tids: string[] = [];
        try {
          tids = readdirSync(`/proc/${pid}/task`);
        } catch {
          continue;
        }
        for (const tid of tids) {
          try {
            const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
            const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            // utime and stime are fields 14 and 15 (1-based) of stat; after the comm they are at 11 and 12.
            const ticks = Number(fields[11]) + Number(fields[12]);
            byThread[comm] = (byThread[comm] ?? 0) + ticks / 100;
          } catch {
            /* the thread ended */
          }
        }
      }
      return byThread;
    },
  };
}


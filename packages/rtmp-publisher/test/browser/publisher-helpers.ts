/**
 * Shared steps for the publisher's browser tests: peers through the plugin,
 * an element on the page, waiting for its events.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import '@rtmp-web/publisher';
import type { PublisherErrorDetail, PublisherState, RtmpPublisher } from '@rtmp-web/publisher';

/** A server started by the peers plugin. */
export interface StartedServer {
  id: string;
  port: number;
  url: string;
  httpPort: number;
}

/** Decoded frames as ffprobe saw them. */
export interface ProbedFrames {
  video: number[];
  audio: number[];
  errors: string;
}

/** Throws `message` unless `cond`. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Runs a peers command. */
export function peer<T>(command: string, payload?: Record<string, unknown>): Promise<T> {
  return executeServerCommand(command, payload) as Promise<T>;
}

/** Peers started by a test file, stopped in its `after`. */
export class Peers {
  private ids: string[] = [];
  /** Starts nginx-rtmp or node-media-server. */
  async server(kind: 'nginx' | 'nms', extra: Record<string, unknown> = {}): Promise<StartedServer> {
    const s = await peer<StartedServer>('peers-start-server', { kind, ...extra });
    this.ids.push(s.id);
    return s;
  }
  /** Starts a bridge allowing the given ports on 127.0.0.1. */
  async bridge(...ports: number[]): Promise<string> {
    const b = await peer<{ id: string; url: string }>('peers-start-bridge', { allow: ports.map((p) => `127.0.0.1:${p}`) });
    this.ids.push(b.id);
    return b.url;
  }
  /** Registers an id for cleanup. */
  add(id: string): void {
    this.ids.push(id);
  }
  async stop(id: string): Promise<void> {
    this.ids = this.ids.filter((x) => x !== id);
    await peer('peers-stop', { id });
  }
  async stopAll(): Promise<void> {
    for (const id of this.ids.reverse()) await peer('peers-stop', { id }).catch(() => {});
    this.ids = [];
  }
}

/** Puts an `<rtmp-publisher>` on the page. */
export function makePublisher(attrs: Record<string, string | number>): RtmpPublisher {
  const el = document.createElement('rtmp-publisher');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  document.body.append(el);
  return el;
}

/** Records the element's events. */
export function record(el: RtmpPublisher): { states: PublisherState[]; errors: PublisherErrorDetail[]; statuses: string[] } {
  const r = { states: [] as PublisherState[], errors: [] as PublisherErrorDetail[], statuses: [] as string[] };
  el.addEventListener('statechange', (e) => r.states.push((e as CustomEvent<{ state: PublisherState }>).detail.state));
  el.addEventListener('error', (e) => {
    r.errors.push((e as unknown as CustomEvent<PublisherErrorDetail>).detail);
  });
  el.addEventListener('status', (e) => r.statuses.push((e as CustomEvent<{ code: string }>).detail.code));
  return r;
}

/** Resolves when `cond()` holds; rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** ffprobe's streams on a URL. */
export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
}

/** Probes until both tracks show (the server needs a keyframe first). */
export async function probe(url: string): Promise<ProbedStream[]> {
  let last: unknown;
  for (let i = 0; i < 5; i++) {
    try {
      const s = await peer<ProbedStream[]>('peers-ffprobe', { url, timeoutMs: 15_000 });
      if (s.some((x) => x.codec_type === 'video') && s.some((x) => x.codec_type === 'audio')) return s;
      last = new Error(`only ${s.map((x) => x.codec_type).join(', ')}`);
    } catch (e) {
      last = e;
    }
    await sleep(500);
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/** "30/1" → 30. */
export function rate(r: string | undefined): number {
  if (r === undefined) return NaN;
  const [n, d] = r.split('/').map(Number);
  return (n ?? NaN) / (d || 1);
}

/** The video frame rate FFmpeg decodes from a live stream. */
export interface CountedRate {
  /** Decoded frames. */
  frames: number;
  /** First to last frame's pts, s. */
  spanS: number;
  /** (frames − 1) / span. */
  fps: number;
}

/** Decodes `seconds` of `url` with ffprobe on the server and counts the video frames. */
export async function countVideoRate(url: string, seconds: number): Promise<CountedRate> {
  const f = await peer<ProbedFrames>('peers-ffprobe-frames', { url, seconds, timeoutMs: (seconds + 30) * 1000 });
  assert(f.errors.trim() === '', `decode errors: ${f.errors.slice(0, 500)}`);
  const spanS = f.video.length < 2 ? 0 : f.video[f.video.length - 1]! - f.video[0]!;
  return { frames: f.video.length, spanS, fps: spanS > 0 ? (f.video.length - 1) / spanS : 0 };
}

// The generated canvas + tone source, in a file of its own (the dist tests use it without this file's element).
export { canvasToneSource, type CanvasToneSource } from './canvas-tone-source.ts';

/**
 * Shared helpers for the <rtmp-player> browser tests: real peers through the
 * wtr peers plugin, an element in the page, waiting for states and events,
 * and the checks on what it shows and plays (testsrc2's colour bars, the
 * sine tone's frequency).
 */
import { executeServerCommand } from '@web/test-runner-commands';
import type { RtmpPlayerElement } from '../../src/rtmp-player.ts';
import type { PlayerState } from '../../src/worker-protocol.ts';
import { DisplayProbe } from '../../../../test/bench/page/display-probe.ts';

/** A started server peer. */
export interface ServerPeer {
  id: string;
  port: number;
  url: string;
}

/** Throws with `message` unless `cond`. */
export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Peers started by a suite, stopped in reverse order by {@link Peers.stopAll}. */
export class Peers {
  private ids: string[] = [];

  /** Starts a server; `applicationExtra`: nginx directives inside `application live {}`. */
  async server(kind: 'nginx' | 'nms', port?: number, applicationExtra?: string): Promise<ServerPeer> {
    const payload: Record<string, unknown> = { kind };
    if (port !== undefined) payload.port = port;
    if (applicationExtra !== undefined) payload.applicationExtra = applicationExtra;
    const s = (await executeServerCommand('peers-start-server', payload)) as ServerPeer;
    this.ids.push(s.id);
    return s;
  }

  /** Starts a bridge allowing `allow`; `port`: listen there (to restart "the same" bridge). */
  async bridge(allow: string[], port?: number): Promise<{ id: string; url: string }> {
    const b = (await executeServerCommand('peers-start-bridge', port === undefined ? { allow } : { allow, port })) as { id: string; url: string };
    this.ids.push(b.id);
    return b;
  }

  async publish(url: string, source: Record<string, unknown> = {}): Promise<string> {
    const p = (await executeServerCommand('peers-ffmpeg-publish', { url, source })) as { id: string };
    this.ids.push(p.id);
    return p.id;
  }

  async ffmpeg(args: string[]): Promise<string> {
    const p = (await executeServerCommand('peers-ffmpeg', { args })) as { id: string };
    this.ids.push(p.id);
    return p.id;
  }

  async garbage(): Promise<{ id: string; port: number }> {
    const g = (await executeServerCommand('peers-garbage-server', {})) as { id: string; port: number };
    this.ids.push(g.id);
    return g;
  }

  /** Takes a peer started some other way (its id), to stop with the rest. */
  adopt(id: string): void {
    this.ids.push(id);
  }

  async stop(id: string): Promise<void> {
    this.ids = this.ids.filter((x) => x !== id);
    await executeServerCommand('peers-stop', { id });
  }

  async stopAll(): Promise<void> {
    for (const id of this.ids.reverse()) await executeServerCommand('peers-stop', { id });
    this.ids = [];
  }
}

/** Records every event an element fires. */
export class EventLog {
  readonly states: PlayerState[] = [];
  readonly statuses: string[] = [];
  readonly errors: { code: string; message: string; fatal: boolean }[] = [];
  readonly metadata: Record<string, unknown>[] = [];

  constructor(el: HTMLElement) {
    el.addEventListener('statechange', (e) => this.states.push((e as CustomEvent<{ state: PlayerState }>).detail.state));
    el.addEventListener('status', (e) => this.statuses.push((e as CustomEvent<{ code: string }>).detail.code));
    el.addEventListener('error', (e) => this.errors.push((e as unknown as CustomEvent<{ code: string; message: string; fatal: boolean }>).detail));
    el.addEventListener('metadata', (e) => this.metadata.push((e as CustomEvent<Record<string, unknown>>).detail));
  }
}

/** Uncaught errors and rejections in the page, to assert there are none. */
export class PageErrors {
  readonly errors: string[] = [];
  private readonly onError = (e: Event) => this.errors.push(`error: ${e instanceof ErrorEvent ? e.message : e.type}`);
  private readonly onRejection = (e: PromiseRejectionEvent) => this.errors.push(`unhandledrejection: ${String((e.reason as Error)?.message ?? e.reason)}`);
  constructor() {
    window.addEventListener('error', this.onError);
    window.addEventListener('unhandledrejection', this.onRejection);
  }
  dispose(): void {
    window.removeEventListener('error', this.onError);
    window.removeEventListener('unhandledrejection', this.onRejection);
  }
}

/**
 * Mocha hooks for a suite: no uncaught error or rejection in the page during
 * a test, and every player the test made (in `.player-box`) removed after it.
 */
export function guardEachTest(): void {
  let pageErrors: PageErrors;
  beforeEach(() => (pageErrors = new PageErrors()));
  afterEach(() => {
    for (const el of document.querySelectorAll('.player-box')) el.remove();
    assert(pageErrors.errors.length === 0, pageErrors.errors.join('; '));
    pageErrors.dispose();
  });
}

/** A new <rtmp-player> in the page. */
export function makePlayer(src: string, bridge: string, attrs: Record<string, string> = {}): RtmpPlayerElement {
  const el = document.createElement('rtmp-player');
  el.style.width = '640px';
  el.src = src;
  el.bridge = bridge;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  // No catcher on the container: `error` does not bubble, and one that
  // reached window would fail the test (mocha takes it for an uncaught exception).
  const box = document.createElement('div');
  box.className = 'player-box';
  box.append(el);
  document.body.append(box);
  return el;
}

/**
 * What a person sees of `el`: a screenshot of its box as the browser
 * composited the page (not the worker's `snapshot()`, which shows a picture
 * even when the canvas never reached the page). Scrolls it into view first.
 */
export async function screenshotOf(el: Element): Promise<Blob> {
  el.scrollIntoView({ block: 'start' });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const r = el.getBoundingClientRect();
  const b64 = (await executeServerCommand('page-screenshot', { x: r.x, y: r.y, width: r.width, height: r.height })) as string;
  return new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' });
}

/** Waits until `cond()` holds, polling. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits for the element's state to be `state`. */
export function waitForState(el: RtmpPlayerElement, state: PlayerState, timeoutMs = 20_000): Promise<void> {
  return waitFor(() => el.stats.state === state, timeoutMs, `state ${state} (now ${el.stats.state})`);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Frames decoded per second, measured over `ms` from the stats. */
export async function measureDecodeFps(el: RtmpPlayerElement, ms = 3000): Promise<number> {
  await sleep(600); // stats arrive every 500 ms
  const a = el.stats.framesDecoded;
  const t0 = performance.now();
  await sleep(ms);
  const b = el.stats.framesDecoded;
  return ((b - a) * 1000) / (performance.now() - t0);
}

/** testsrc2's five stable vertical bars (the green one is crossed by a moving grey box): x centre (fraction of width), RGB. */
export const TESTSRC2_BARS: readonly { x: number; name: string; rgb: readonly [number, number, number] }[] = [
  { x: 0.5 / 6, name: 'red', rgb: [255, 0, 0] },
  { x: 2.5 / 6, name: 'yellow', rgb: [255, 255, 0] },
  { x: 3.5 / 6, name: 'blue', rgb: [0, 0, 255] },
  { x: 4.5 / 6, name: 'magenta', rgb: [255, 0, 255] },
  { x: 5.5 / 6, name: 'cyan', rgb: [0, 255, 255] },
];

/** Whether a pixel is part of a picture rather than the black a box is padded with. */
function lit(data: Uint8ClampedArray, o: number): boolean {
  return Math.max(data[o]!, data[o + 1]!, data[o + 2]!) > 40;
}

/**
 * Where the picture is in an image: the rectangle inside the black bars of
 * a pillarbox or letterbox (a 4:3 stream in a 16:9 box), found on the middle
 * row and on the column of testsrc2's yellow bar. The whole image when it
 * has none.
 */
function pictureBounds(data: Uint8ClampedArray, width: number, height: number): { x: number; y: number; width: number; height: number } {
  const row = Math.floor(height / 2) * width * 4;
  let left = 0;
  let right = width - 1;
  while (left < right && !lit(data, row + left * 4)) left++;
  while (right > left && !lit(data, row + right * 4)) right--;
  const col = Math.floor(left + (right - left + 1) * (2.5 / 6)) * 4;
  let top = 0;
  let bottom = height - 1;
  while (top < bottom && !lit(data, top * width * 4 + col)) top++;
  while (bottom > top && !lit(data, bottom * width * 4 + col)) bottom--;
  return { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * Checks a snapshot or a screenshot against testsrc2's bars: in each bar's
 * column, the per-channel median of 20 points from 11 % of the height down
 * (the moving diagonal band and small squares cover only a few of them)
 * must be within `tolerance` of the bar's colour. The bars are placed in the
 * picture itself, so a 4:3 stream pillarboxed in a 16:9 box is read right.
 * Returns the image size.
 */
export async function checkTestsrc2Colours(blob: Blob, tolerance = 60): Promise<{ width: number; height: number }> {
  const bmp = await createImageBitmap(blob);
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const { width, height } = bmp;
  const data = ctx.getImageData(0, 0, width, height).data;
  const pic = pictureBounds(data, width, height);
  for (const bar of TESTSRC2_BARS) {
    const x = pic.x + Math.floor(bar.x * pic.width);
    const samples: number[][] = [[], [], []];
    for (let i = 0; i < 20; i++) {
      const y = pic.y + Math.floor(pic.height * (0.11 + (0.88 * i) / 20));
      const o = (y * width + x) * 4;
      for (let ch = 0; ch < 3; ch++) samples[ch]!.push(data[o + ch]!);
    }
    const median = samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]!);
    const off = median.map((v, ch) => Math.abs(v - bar.rgb[ch]!));
    assert(Math.max(...off) <= tolerance, `${bar.name} bar at x=${x} (picture ${pic.width}x${pic.height} at ${pic.x},${pic.y}): got rgb(${median.join(',')}), want rgb(${bar.rgb.join(',')}) ±${tolerance}`);
  }
  return { width, height };
}

/**
 * Checks that a snapshot or screenshot shows a saturated picture (the test
 * canvases' full-frame hues, whichever the moment): at least 80 % of a 10 × 10
 * grid of points inside the picture are far from grey (max − min channel
 * > 80). A black box or a grey one fails.
 */
export async function checkSaturatedPicture(blob: Blob): Promise<void> {
  const bmp = await createImageBitmap(blob);
  const ctx = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d')!;
  ctx.drawImage(bmp, 0, 0);
  const { width, height } = bmp;
  const data = ctx.getImageData(0, 0, width, height).data;
  let saturated = 0;
  for (let i = 0; i < 100; i++) {
    const o = (Math.floor(height * (0.05 + 0.09 * Math.floor(i / 10))) * width + Math.floor(width * (0.05 + 0.09 * (i % 10)))) * 4;
    if (Math.max(data[o]!, data[o + 1]!, data[o + 2]!) - Math.min(data[o]!, data[o + 1]!, data[o + 2]!) > 80) saturated++;
  }
  assert(saturated >= 80, `${saturated} of 100 points saturated, want ≥ 80: the picture is not the source's`);
}

/**
 * The tone's frequency: the median over 2048-sample blocks of
 * {@link blockFrequency}, so a short gap in the source (FFmpeg's loop point
 * has a few ms of AAC priming silence) does not skew it.
 */
export function toneFrequency(samples: Float32Array, sampleRate: number): number {
  const f: number[] = [];
  for (let i = 0; i + 2048 <= samples.length; i += 2048) {
    const v = blockFrequency(samples.subarray(i, i + 2048), sampleRate);
    if (v > 0) f.push(v);
  }
  f.sort((a, b) => a - b);
  return f[f.length >> 1] ?? 0;
}

/**
 * A tone's frequency by upward zero crossings with hysteresis (a crossing
 * counts only after the signal went below −h; coding noise near zero would
 * otherwise add crossings).
 */
export function blockFrequency(samples: Float32Array, sampleRate: number): number {
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  const h = peak * 0.25;
  let armed = false;
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < samples.length; i++) {
    const v = samples[i]!;
    if (v < -h) armed = true;
    else if (armed && v >= 0) {
      armed = false;
      if (first < 0) first = i;
      else count++;
      last = i;
    }
  }
  return count > 0 ? (count * sampleRate) / (last - first) : 0;
}

/**
 * A display probe on the player's canvas (the timecode read back from what
 * is on screen), started, and the wall times at which a new picture
 * appeared: gaps between them are the stills a viewer sees (bounded: the
 * oldest half is dropped past 2000).
 */
export function watchPictures(el: RtmpPlayerElement): { probe: DisplayProbe; changes: number[] } {
  const probe = new DisplayProbe(() => {
    const c = el.shadowRoot?.querySelector('canvas');
    return c && c.width > 0 ? { image: c, width: c.width, height: c.height } : null;
  });
  const changes: number[] = [];
  const tally = probe.tally;
  const see = tally.see.bind(tally);
  let last: number | null = null;
  tally.see = (code, nowMs, black) => {
    if (code !== null && code !== last) {
      last = code;
      if (changes.length > 2000) changes.splice(0, 1000);
      changes.push(nowMs);
    }
    see(code, nowMs, black);
  };
  probe.start();
  return { probe, changes };
}

/**
 * True glass-to-glass latency, measured on the page: the test pattern draws
 * `Date.now()` into every frame as a timecode strip (frame-timecode.ts), and
 * this reads the strip back from the picture the player shows, once per
 * animation frame. Both ends run in this page, on one clock, so the age of
 * the code on screen is everything between them: capture, encoding, the
 * upload, the server, the bridge, the player's buffer, decoding and drawing.
 *
 * Each picture counts once, when it first appears (a new code): a frame
 * stays on screen for several animation frames, and reading it again later
 * would only measure how long it stayed.
 */
import { readTimecode, timecodeAge, timecodeStripHeight } from './frame-timecode.ts';

/** The strip is copied scaled to this width (at most): the code's geometry is relative, so a small copy reads the same and costs little. */
const READ_WIDTH = 320;
/** Pictures the reported median covers: about a second of video. */
const WINDOW = 30;
/** With no new code for this long (ms), there is no reading: another source, a stall, a pause. */
const STALE_MS = 2000;

/** Reads the timecode off a picture every animation frame; see the file comment. */
export class GlassToGlassMeter {
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly ages: number[] = [];
  private lastCode: number | null = null;
  private lastNewAt = -Infinity;
  private loop: object | null = null;

  /** @param picture the canvas showing the picture (for `<rtmp-player>`, the one in its shadow root), or null while there is none. */
  constructor(private readonly picture: () => HTMLCanvasElement | null | undefined) {
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true, alpha: false });
  }

  /** Starts reading, every animation frame (none while the page is hidden). */
  start(): void {
    if (this.loop !== null || this.ctx === null) return;
    // A token per loop, so a stop() and start() in one frame leave one loop running.
    const loop = {};
    this.loop = loop;
    const tick = () => {
      if (this.loop !== loop) return;
      this.read();
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  /** Stops reading and forgets what it read. */
  stop(): void {
    this.loop = null;
    this.ages.length = 0;
    this.lastCode = null;
    this.lastNewAt = -Infinity;
  }

  /** Median glass-to-glass latency over the last {@link WINDOW} pictures, ms; undefined while no code is readable. */
  get latencyMs(): number | undefined {
    if (this.ages.length === 0 || performance.now() - this.lastNewAt > STALE_MS) return undefined;
    const sorted = [...this.ages].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  private read(): void {
    const src = this.picture();
    const ctx = this.ctx;
    if (!src || !ctx || src.width <= 0 || src.height <= 0) return;
    // The whole picture as the reader sees it (scaled down), of which only
    // the strip's rows are copied.
    const width = Math.min(READ_WIDTH, src.width);
    const height = Math.round((src.height * width) / src.width);
    const rows = timecodeStripHeight(height);
    if (this.canvas.width !== width || this.canvas.height !== rows) {
      this.canvas.width = width;
      this.canvas.height = rows;
    }
    ctx.drawImage(src, 0, 0, src.width, (rows * src.height) / height, 0, 0, width, rows);
    const code = readTimecode(ctx.getImageData(0, 0, width, rows), { width, height });
    if (code === null || code === this.lastCode) return;
    this.lastCode = code;
    this.lastNewAt = performance.now();
    this.ages.push(timecodeAge(code));
    if (this.ages.length > WINDOW) this.ages.shift();
  }
}
